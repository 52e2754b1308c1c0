"""Integrity of the sample: the aggregates the office-level signals need, read with SQL, and their assessment."""
