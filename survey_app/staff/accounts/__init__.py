"""Staff pages of accounts: sign-in and password, two-step sign-in, the admins' account list and audit log."""
