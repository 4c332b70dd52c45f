"""The real-news set's texts: rebuild them into a scratch folder, check what is there.

    python scripts/realnews.py save URL < text        # one article's text, checked against its sha256
    python scripts/realnews.py status                 # which texts are present, missing or mismatched
    python scripts/realnews.py label --story S --split dev --url U --lang en --outlet O \\
        --role original --evidence "..." [--published 2020-01-31] [--source URL] < text

The repository commits only the labels (data/realnews/articles.jsonl: URLs, roles, the
source each article derives from, the evidence in our own words) and a sha256 of every
text; the news texts themselves are third-party and never committed. They come from
the stored public web pages the project's `search` tool reads (corpus "pages"): search
an article's URL, take the longest text it gives for that URL, and pipe it to `save`,
which writes it under ~/.cache/provenance-realnews/ (env PROVENANCE_REALNEWS overrides)
only when its hash matches the committed one. `label` is the step that made a row: it
appends the row with the text's hash and length and saves the text.

Texts are compared after a light normalisation (normalise(): Unicode NFC, plain
quotes, line ends, trailing spaces, outer blank lines, the search tool's date marker),
so a copy pasted through a terminal still matches. A saved text is the page's text as
the search gives it, or a part of it that starts at a line and stops at a paragraph end
(page headers left out, a long page cut): `save` finds that part again from `chars`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "data" / "realnews" / "articles.jsonl"
ROLES = ("original", "translation", "rewrite", "partial", "brief", "independent")
DERIVED = ("translation", "rewrite", "partial", "brief")


def scratch() -> Path:
    """Where the rebuilt texts live: outside the repository, so they are never committed."""
    return Path(os.environ.get("PROVENANCE_REALNEWS") or Path.home() / ".cache" / "provenance-realnews")


QUOTES = str.maketrans(
    {c: '"' for c in "\u201c\u201d\u201e\u201f\u2033"} | {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032"}
)
DATE_MARK = re.compile(r"^\s*date \d{4}(-\d{2}){0,2}\s*\*?\s*")  # the search tool's own date line, not the article's


def normalise(text: str) -> str:
    """The form texts are hashed and saved in: NFC, plain quotes (a retyped or pasted
    copy often changes curly ones), no trailing spaces, no outer blank lines, and
    without the date marker the search tool puts before a page's text."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).translate(QUOTES)
    text = DATE_MARK.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip() + "\n"


def digest(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def text_path(url: str, folder: Path | None = None) -> Path:
    """One file per URL, named by the URL's hash (URLs make poor file names)."""
    return (folder or scratch()) / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + ".txt")


def read_articles(path: Path = ARTICLES) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_text(row: dict, folder: Path | None = None) -> tuple[str | None, str]:
    """(the rebuilt text, or None; its state: present, missing or mismatched)."""
    path = text_path(row["url"], folder)
    if not path.exists():
        return None, "missing"
    text = path.read_text(encoding="utf-8")
    return (text, "present") if digest(text) == row["sha256"] else (None, "mismatched")


def matching_part(text: str, row: dict) -> str | None:
    """The committed text within what the search gives now: the whole of it, or the
    `chars` characters from the start of one of its lines (a saved text may leave out
    a page's header lines and stop at a paragraph end); None when no part matches."""
    if digest(text) == row["sha256"]:
        return text
    body = text.strip()
    starts = [0] + [i + 1 for i, c in enumerate(body) if c == "\n"]
    for start in starts:
        part = normalise(body[start : start + row["chars"]])
        if digest(part) == row["sha256"]:
            return part
    return None


def _row(url: str) -> dict:
    for row in read_articles():
        if row["url"] == url:
            return row
    raise click.ClickException(f"{url} is not in {ARTICLES.relative_to(REPO)}")


def _stdin_text() -> str:
    text = normalise(sys.stdin.read())
    if not text.strip():
        raise click.ClickException("no text on stdin: pipe the article's text in")
    return text


def _write(url: str, text: str) -> Path:
    path = text_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@click.group()
def cli() -> None:
    """Rebuild and check the real-news set's texts (kept outside the repository)."""


@cli.command()
@click.argument("url")
def save(url: str) -> None:
    """Save URL's text (from stdin) into the scratch folder if it matches the committed hash."""
    row = _row(url)
    text = matching_part(_stdin_text(), row)
    if text is None:
        raise click.ClickException(
            f"the text does not match the committed hash ({len(text.strip())} characters, "
            f"{row['chars']} expected): was it the longest text the search gave for this URL?"
        )
    click.echo(f"saved {_write(url, text)}")


@cli.command()
@click.option("--verbose", is_flag=True, help="List every text, not only the ones not present.")
def status(verbose: bool) -> None:
    """List which texts are present, missing or mismatched in the scratch folder."""
    rows = read_articles()
    states = {"present": 0, "missing": 0, "mismatched": 0}
    for row in rows:
        _, state = read_text(row)
        states[state] += 1
        if verbose or state != "present":
            click.echo(f"{state:10} {row['story']:24} {row['url']}")
    click.echo(f"{len(rows)} articles in {scratch()}: " + ", ".join(f"{n} {state}" for state, n in states.items()))


@cli.command()
@click.option("--story", required=True)
@click.option("--split", type=click.Choice(["dev", "test"]), required=True)
@click.option("--url", required=True)
@click.option("--lang", required=True)
@click.option("--outlet", required=True)
@click.option("--published", default=None, help="ISO date the page shows, if any.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--source", default=None, help="URL of the nearest article this one derives from.")
@click.option("--evidence", required=True, help="Why this label, in your own words.")
def label(story, split, url, lang, outlet, published, role, source, evidence) -> None:
    """Append a labelled row for URL (its text on stdin) and save the text."""
    rows = read_articles()
    if any(row["url"] == url for row in rows):
        raise click.ClickException(f"{url} is already labelled")
    if (role in DERIVED) != bool(source):
        raise click.ClickException("a derived article needs --source; an original or independent one has none")
    if source and not any(row["url"] == source and row["story"] == story for row in rows):
        raise click.ClickException(f"the source {source} is not labelled in story {story} yet")
    text = _stdin_text()
    row = {"story": story, "split": split, "url": url, "lang": lang, "outlet": outlet, "published": published,
           "role": role, "source": source, "evidence": evidence, "sha256": digest(text), "chars": len(text.strip())}  # fmt: skip
    ARTICLES.parent.mkdir(parents=True, exist_ok=True)
    with ARTICLES.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    _write(url, text)
    click.echo(f"labelled {story}/{role} ({row['chars']} characters)")


if __name__ == "__main__":
    cli()
