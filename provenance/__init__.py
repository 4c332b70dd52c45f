"""provenance: trace a translated, copied or rewritten article back to its source."""

__version__ = "0.1.0"

from .tracker import Tracker  # noqa: E402  the front door

__all__ = ["Tracker", "__version__"]
