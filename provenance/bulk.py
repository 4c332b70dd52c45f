"""Adding a bulk source (archives.py: a folder, a WARC crawl, a feed, a sitemap) at
the speed of the model.

Extraction, language detection and segmentation (`tracker.prepare`, no model) run in
worker processes, a window of items ahead, while the main process embeds and stores
the batch before, so that the model, on every core, need not wait for them. On 2
cores they have no spare core and compete with it: end to end runs at 0.87 of
the bare model's rate there on 3-passage pages (BENCHMARKS.md, section 8).
Pages still to fetch (a feed's, a sitemap's) are fetched by one thread, politely
(archives.PoliteFetcher), and go on to the workers from there.

Each batch is one transaction, and each stored item is recorded by its keys (the URL
the source lists, the hash of its bytes), so that a re-run after Ctrl-C or a crash
skips every stored item before reading it and picks up where the last one stopped.
A bad record is a failure with its reason, counted in the summary; it never loses
the batch or the run.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from urllib.parse import urlsplit

from . import settings
from .archives import BulkSource, Failure, Item
from .embed import usable_cores
from .errors import InputError, InputWarning
from .ingest import read_bytes
from .models import BulkSummary, Document
from .prepare import prepare

CHUNK_ITEMS = 64  # items checked against the store in one query


@dataclass(frozen=True)
class Extracted:
    """What a worker made of one item: its documents, or why it has none."""

    docs: list[Document]
    failure: str | None = None
    warnings: tuple[str, ...] = ()


def worker_count() -> int:
    return settings.BULK_WORKERS or max(1, usable_cores() // 2)


def add_bulk(tracker, source: BulkSource, metadata: dict[str, str] | None = None) -> BulkSummary:
    """Extract, embed and store every item of `source` with the tracker's model and
    store (a tracker.Tracker, not imported: tracker.py imports this module); `metadata`
    (document fields, as ingest.metadata_fields names them) replaces what is
    extracted, in every one."""
    return _BulkRun(tracker, source, metadata or {}).run()


class _BulkRun:
    def __init__(self, tracker, source: BulkSource, metadata: dict[str, str]):
        self.tracker = tracker
        self.source = source
        self.metadata = metadata
        self.summary = BulkSummary(source.name, source.kind, notes=source.notes)
        self.pool: ProcessPoolExecutor | None = None
        self.pool_lock = threading.Lock()  # the fetching thread starts extractions too
        self.fetching = ThreadPoolExecutor(1, thread_name_prefix="fetch") if source.fetcher else None
        self.pending: deque[tuple[Item, Future]] = deque()
        self.ready: list[tuple[Item, Extracted]] = []
        self.advance = lambda n=1: None

    def run(self) -> BulkSummary:
        began = time.perf_counter()
        self.tracker.embedder  # the model loads (and binds the store) before the first batch waits on it
        try:
            with self.tracker.progress.task(
                f"adding {self.source.kind} {self.source.name}", total=self.source.total
            ) as advance:
                self.advance = advance
                for chunk in _chunks(self.source.items, CHUNK_ITEMS):
                    self._submit_new(chunk)
                    while self.pending and (
                        self.pending[0][1].done() or len(self.pending) > settings.BULK_WINDOW_ITEMS
                    ):
                        self._collect()
                while self.pending:
                    self._collect()
                self._store()
        finally:
            if self.fetching:
                self.fetching.shutdown(wait=False, cancel_futures=True)
            if self.pool:
                self.pool.shutdown(wait=False, cancel_futures=True)
            self.summary.seconds = time.perf_counter() - began
        return self.summary

    def _submit_new(self, chunk: list[Item | Failure]) -> None:
        """Skip the items the store knows by URL or hash; send the rest to the workers
        (by way of the fetching thread for those still to fetch)."""
        items = []
        for entry in chunk:
            if isinstance(entry, Failure):
                self._fail(entry.origin, entry.reason, entry.damaged)
            else:
                items.append(entry)
        known = self.tracker.store.known_items([key for item in items for key in item.keys])
        for item in items:
            if known.intersection(item.keys):
                self.summary.already_stored += 1
                self.summary.skipped_unread += 1
                self.advance(1)
            elif item.data is None:
                self.pending.append((item, self.fetching.submit(self._fetch_then_extract, item)))
            else:
                self.pending.append((item, self._extract(item)))

    def _extract(self, item: Item) -> Future:
        with self.pool_lock:
            if self.pool is None:
                self.pool = ProcessPoolExecutor(worker_count(), mp_context=_context(), initializer=_worker_start)
            return self.pool.submit(extract, item, self.metadata)

    def _fetch_then_extract(self, item: Item) -> Failure | Future:
        fetched = self.source.fetcher.fetched(item)
        return fetched if isinstance(fetched, Failure) else self._extract(fetched)

    def _collect(self) -> None:
        """The oldest pending item's outcome; a full batch is embedded and stored."""
        item, future = self.pending.popleft()
        try:
            outcome = future.result()
            if isinstance(outcome, Future):
                outcome = outcome.result()
        except BrokenProcessPool as error:  # a worker died (out of memory, a crash in a parser)
            with self.pool_lock:
                self.pool = None  # the next item starts a new pool
            outcome = Extracted([], f"the worker extracting it stopped ({error})")
        if isinstance(outcome, Failure):
            self._fail(outcome.origin, outcome.reason)
            return
        for message in outcome.warnings:
            warnings.warn(InputWarning(message), stacklevel=2)
        if outcome.failure is not None:
            self._fail(item.origin, outcome.failure)
            return
        self.ready.append((item, outcome))
        if sum(len(extracted.docs) for _, extracted in self.ready) >= settings.BULK_BATCH_DOCUMENTS:
            self._store()

    def _store(self) -> None:
        """Embed and store the ready documents in one transaction; record their items."""
        if not self.ready:
            return
        docs = [doc for _, extracted in self.ready for doc in extracted.docs]
        shown = _ItemsProgress(self.advance, len(self.ready))
        new_ids = {added.doc.doc_id for added in self.tracker.add_documents(docs, progress=shown) if added.new}
        counted = set()
        for doc in docs:
            if doc.doc_id in new_ids and doc.doc_id not in counted:
                self.summary.added += 1
                self.summary.passages += len(doc.passages)
            else:
                self.summary.already_stored += 1
            counted.add(doc.doc_id)
        self.tracker.store.record_items(
            {key: extracted.docs[0].doc_id for item, extracted in self.ready for key in item.keys}
        )
        shown.show(len(self.ready))
        self.ready = []

    def _fail(self, origin: str, reason: str, damaged: bool = False) -> None:
        self.summary.failures.append((origin, reason))
        if damaged:
            self.summary.damaged = f"{self.source.name}: {reason}"
        self.advance(1)


class _ItemsProgress:
    """One batch's embedding and storing, shown on the bulk bar as items: the bar moves
    as the passages are embedded, in proportion, so that a batch of 30 files does not
    sit at 0/30 while the model works, then jump to 30/30. The last item counts only
    once the batch is stored."""

    def __init__(self, advance, items: int):
        self.advance, self.items, self.shown = advance, items, 0

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator:
        done = 0

        def step(n: int = 1) -> None:
            nonlocal done
            done += n
            if total:
                self.show(min(self.items - 1, self.items * done // total))

        yield step

    def show(self, count: int) -> None:
        if count > self.shown:
            self.advance(count - self.shown)
            self.shown = count


def extract(item: Item, metadata: dict[str, str]) -> Extracted:
    """In a worker: the item's documents, prepared (language, passages, cues, id), or
    the reason it has none. The crawl's or feed's date stands in for a page's own
    only when the page gives none, and the feed's title for its site when the page
    names only its host ("127.0.0.1:8080")."""

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        try:
            raws = read_bytes(
                item.data,
                item.origin,
                suffix=item.suffix,
                charset=item.charset,
                url=item.final_url or item.url,
                path=item.path,
            )
            docs = [
                prepare(
                    replace(
                        raw,
                        **{
                            "published": raw.published or item.date,
                            "site": item.site if _host_only(raw.site, raw.url) and item.site else raw.site,
                            **metadata,
                        },
                    )
                )
                for raw in raws
            ]
            failure = None
        except InputError as error:
            docs, failure = [], _reason(str(error), item.origin)
        except Exception as error:  # a parser's bug on one odd page must not stop the other 10,000
            docs, failure = [], f"extraction failed: {type(error).__name__}: {error}"
    found = tuple(str(warning.message) for warning in caught if issubclass(warning.category, InputWarning))
    return Extracted(docs, failure, found)


def _host_only(site: str | None, url: str | None) -> bool:
    """Whether a page's site is no name but its URL's host (what the extractor falls
    back to), or missing."""
    if not site:
        return True
    parts = urlsplit(url or "")
    hosts = {parts.netloc.lower(), (parts.hostname or "").lower()}
    return site.lower().removeprefix("www.") in {host.removeprefix("www.") for host in hosts if host}


def _reason(message: str, origin: str) -> str:
    """The message without the origin it starts with, so that failures group by reason."""
    return message.removeprefix(origin).lstrip(": ") or message


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _context():
    """Workers forked from a server that imported the pipeline once: neither a fork of
    a process whose model threads are running, nor a fresh interpreter per pool."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["provenance.bulk", "provenance.tracker"])
    return context


def _worker_start() -> None:
    """Ctrl-C is the main process's to handle: it stops the pool. A worker also exits
    when the main process is gone (kill -9, a crash): it would otherwise wait for work
    forever, and keep the forkserver and the resource tracker alive with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True, name="parent-watch").start()


def _exit_with(parent_sentinel: int) -> None:
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(1)
