"""How the library reports progress without printing: a stage asks its `Progress`
for a task and advances it. The CLI passes a rich progress bar (report.py); the
library's default shows nothing."""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from typing import Callable, Iterator, Protocol

Advance = Callable[[int], None]


class Progress(Protocol):
    def task(self, description: str, total: int | None) -> AbstractContextManager[Advance]: ...


class NullProgress:
    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Advance]:
        yield lambda n=1: None
