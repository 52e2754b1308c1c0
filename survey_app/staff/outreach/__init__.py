"""Staff pages that reach people: poster and channel links, the share page, invitations."""
