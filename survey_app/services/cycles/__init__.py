"""Assessment cycles and what they need: creating, opening and closing cycles, population frames, the office list
and the open cycle (seeding), and synthetic demo data."""
