"""Errors a user can cause and fix: each carries a one-line message that says what
went wrong and, where it can, what to do. The CLI prints the message and exits
non-zero; anything else is a bug and keeps its traceback."""


class ProvenanceError(Exception):
    """Bad input or a store that cannot be used as asked."""


class InputError(ProvenanceError):
    """A source that cannot be read or holds no usable text."""


class StoreError(ProvenanceError):
    """A store that is locked, too new, or built with another model."""


class NotFound(ProvenanceError):
    """An unknown document or run id."""


class ModelError(ProvenanceError):
    """An embedding model that cannot be loaded or run on this machine."""


class AmbiguousId(ProvenanceError):
    """An id prefix too short to name one stored id, or shared by several. Not a
    NotFound: "no such id" would send the user looking for a file instead."""


class InputWarning(UserWarning):
    """Input read with a loss the user should know about (bytes that were replaced).
    A warning, not an error: the good text is kept, and the CLI shows the message."""
