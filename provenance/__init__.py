"""provenance: trace a translated, copied or rewritten article back to its source."""

__version__ = "0.1.0"

__all__ = ["Tracker", "__version__"]


def __getattr__(name: str):
    """`provenance.Tracker`, the front door, loaded on first use: importing any part of
    the package (the command, a bulk add's worker) need not load the store and the
    pipeline behind it."""
    if name == "Tracker":
        from .tracker import Tracker

        return Tracker
    raise AttributeError(f"module 'provenance' has no attribute {name!r}")
