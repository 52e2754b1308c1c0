"""Operations: what an operator runs against a whole database (consistency checks, online backups), free of Flask."""
