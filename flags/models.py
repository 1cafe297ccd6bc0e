"""The rulebook's models (flags, thresholds per region, notes)."""
