"""Staff accounts: creation and passwords (with audit events), server-side sign-in sessions, two-step sign-in."""
