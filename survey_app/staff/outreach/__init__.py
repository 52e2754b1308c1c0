"""Staff pages of outreach: an office's poster links, QR codes and posters, and business invitations."""
