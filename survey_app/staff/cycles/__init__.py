"""Staff pages of cycles: creating, editing, opening and closing cycles; an office's population frame."""
