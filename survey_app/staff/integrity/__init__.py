"""The integrity page for the ministry's anti-corruption centre (never shown to an office)."""
