"""Domain operations that take a SQLAlchemy Session and know nothing of HTTP. The caller commits."""
