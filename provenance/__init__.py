"""provenance: trace a translated, copied or rewritten article back to its source."""

__version__ = "0.1.0"
