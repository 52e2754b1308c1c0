"""Staff pages of outreach: an office's poster links, QR codes and posters, the share page of its channel links,
and business invitations."""
