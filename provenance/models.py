"""Plain data passed between the pipeline's stages.

Every stage takes and returns these dataclasses, never a database row or a model
object, so that each stage can be tested, stored and rendered on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Passage kinds: "body" is part of the story; "boilerplate" is a line that an
# outlet's page template or a republisher added (photo caption, "Comment (0)",
# share / subscribe lines, "Source: URL" footers). Boilerplate is kept, so no
# data is lost, but the report shows it as not part of the story.
BODY = "body"
BOILERPLATE = "boilerplate"

# Relations a suspect can have to a candidate source.
TRANSLATION = "translation"
COPY = "copy"
REWRITE = "rewrite"
PARTIAL = "partial"
UNRELATED = "unrelated"
RELATIONS = (TRANSLATION, COPY, REWRITE, PARTIAL, UNRELATED)
# Not a relation the judge's models know: a lead. Some passages match, with evidence
# short of naming a source (a brief, an excerpt, a loose rewrite): the report offers the
# candidate as a possible source with its passages to check, never as a finding.
UNDECIDED = "undecided"
RELATED = (TRANSLATION, COPY, REWRITE, PARTIAL)

# What a related candidate is to the suspect, once every candidate is judged.
SOURCE = "source"  # it may be the suspect's source
DERIVED = "derived"  # it came after the suspect (dates, or it cites the suspect): it takes from it
SIBLING = "sibling"  # it derives from another listed candidate, as the suspect does
ORIGIN = "origin"  # the suspect's source derives from it: the start of the chain, not the nearest source

# Which text came first.
SOURCE_FIRST = "source_first"
SUSPECT_FIRST = "suspect_first"
UNKNOWN = "unknown"


@dataclass
class RawDocument:
    """What ingest hands on: extracted text and metadata, before language and passages."""

    text: str
    origin: str  # where it came from, for messages: a path, a URL, "stdin", "file.jsonl:12"
    title: str | None = None
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date "YYYY-MM-DD"
    lang: str | None = None  # set only when the input declared it


@dataclass
class Cue:
    """An attribution cue: the text says it comes from, or quotes, another outlet."""

    kind: str  # "according_to" | "reported" | "told" | "source" | "byline"
    text: str  # the words that matched, as written
    outlet: str | None = None  # normalised outlet name, e.g. "Politico"
    url: str | None = None
    domain: str | None = None  # e.g. "politico.com", "vnexpress.net"
    lang: str | None = None  # language of the pattern that matched
    passage: int | None = None  # index of the passage it was found in


@dataclass
class Passage:
    """One sentence-sized unit of a document, the unit we embed and align."""

    idx: int  # 0-based position in the document
    para: int  # 0-based paragraph number
    text: str
    lang: str | None
    kind: str = BODY
    start: int = 0  # character span in Document.text
    end: int = 0


@dataclass
class Document:
    doc_id: str  # content hash of the normalised text
    text: str
    lang: str
    passages: list[Passage] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    title: str | None = None
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None
    added_at: str | None = None

    @property
    def body(self) -> list[Passage]:
        """The passages that carry the story, in order: every caller's one definition
        (a caller that needs something when there are none decides what, itself)."""
        return [p for p in self.passages if p.kind == BODY]

    @property
    def label(self) -> str:
        """A short human name: the title, else the start of the text."""
        if self.title:
            return self.title
        first = self.text.strip().splitlines()[0] if self.text.strip() else self.doc_id
        return first[:80] + ("…" if len(first) > 80 else "")


@dataclass
class Added:
    """What adding one document did: stored it, found it stored, or corrected its metadata."""

    doc: Document
    new: bool  # False when the same text was already stored
    changes: dict[str, tuple] = field(default_factory=dict)  # metadata corrected: {field: (old, new)}


@dataclass
class Link:
    """One aligned pair of passage groups. An empty side marks a skip:
    suspect passages with no source counterpart ("not in source"), or source
    passages the suspect dropped."""

    suspect: tuple[int, ...]
    source: tuple[int, ...]
    score: float  # margin-based link score, higher is surer (see align.py)
    cosine: float  # raw cosine of the two groups' vectors, for the record


@dataclass
class Candidate:
    """A stored document retrieved as a possible source of the suspect."""

    doc_id: str
    score: float  # final retrieval score used for ranking
    passage_score: float  # share-weighted passage margin evidence
    doc_score: float  # document-level margin score
    cue_boost: float = 0.0  # added because a cue names its outlet or URL
    date_penalty: float = 0.0  # subtracted because it was published after the suspect


@dataclass
class Evidence:
    suspect_aligned: float  # share of the suspect's body passages aligned
    source_covered: float  # share of the source's body passages aligned
    mean_link_score: float
    order: float  # 1.0 = links in the same order on both sides, 0.5 = random
    same_language: bool
    near_verbatim: float  # share of aligned links whose texts are near-identical strings
    shared_numbers: list[str] = field(default_factory=list)
    shared_names: list[str] = field(default_factory=list)
    aligned_passages: int = 0
    body_passages: int = 0


@dataclass
class Match:
    """The judged relation between the suspect and one candidate source."""

    source: Document
    candidate: Candidate
    relation: str
    confidence: float
    direction: str
    direction_reasons: list[str]
    evidence: Evidence
    links: list[Link]
    mode: str  # "monotone" or "best-match": which alignment the judge kept
    role: str = ""  # SOURCE, DERIVED, SIBLING or ORIGIN for a related match once placed; "" otherwise
    role_reason: str = ""  # for DERIVED, SIBLING and ORIGIN: why it is not the (nearest) source

    @property
    def unmatched(self) -> list[int]:
        """Suspect passages with no counterpart in this source."""
        return sorted(i for link in self.links if not link.source for i in link.suspect)

    @property
    def dropped(self) -> list[int]:
        """Source passages the suspect left out."""
        return sorted(i for link in self.links if not link.suspect for i in link.source)


@dataclass
class DemoCase:
    """One traced demo suspect beside what its manifest expects (demo.py)."""

    name: str
    expected: str
    expected_source: str | None
    result: TraceResult

    @property
    def relation(self) -> str:
        """The relation to the source the trace named; "unrelated" when it named none."""
        return self.result.source.relation if self.result.source else UNRELATED

    @property
    def source_url(self) -> str | None:
        return self.result.source.source.url if self.result.source else None

    @property
    def ok(self) -> bool:
        """The verdict names the expected relation and, where one is expected, the expected source."""
        source_ok = self.expected_source is None or self.source_url == self.expected_source
        return self.relation == self.expected and source_ok


@dataclass
class TraceResult:
    run_id: str
    suspect: Document
    matches: list[Match]  # best first; matches[0] is the verdict when related
    model: str
    params: dict
    timings: dict[str, float]  # seconds per stage
    created_at: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. a cue says "likely a translation"

    @property
    def verdict(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def source(self) -> Match | None:
        """The match named as the suspect's source, if any: a related first match that is
        not a sibling or derived from the suspect (one not placed yet counts as a source)."""
        first = self.verdict
        named = first is not None and first.relation in RELATED and first.role not in (SIBLING, DERIVED, ORIGIN)
        return first if named else None

    @property
    def lead(self) -> Match | None:
        """The possible source offered when none is named: the first undecided match,
        whose passages a reader should check. Never a finding."""
        first = self.verdict
        return first if first is not None and first.relation == UNDECIDED else None

    @property
    def origin(self) -> Match | None:
        """Where the named source's own text comes from, when it is stored: the start of
        the chain (a rewrite of a translation names the translation, and the original here)."""
        if self.source is None:
            return None
        return next((match for match in self.matches if match.role == ORIGIN), None)


# --- lineage: a story as a graph of who took from whom -----------------------

CITED = "cited"  # the relation of an edge to or from a placeholder: a cue says so, no text was compared
PLACEHOLDER = "cited:"  # id prefix of a node the store does not hold: an outlet or URL a stored article cites


@dataclass
class Judged:
    """One pair of stored articles as the judge read it, `suspect` against `source`:
    the part of a Match that lineage keeps, stored so a story is never judged twice."""

    suspect: str  # doc id
    source: str  # doc id
    relation: str
    confidence: float
    direction: str  # SOURCE_FIRST: the source came first
    reasons: list[str]
    evidence: Evidence
    links: list[Link]

    @classmethod
    def of(cls, suspect_id: str, match: Match) -> "Judged":
        return cls(
            suspect_id,
            match.source.doc_id,
            match.relation,
            match.confidence,
            match.direction,
            list(match.direction_reasons),
            match.evidence,
            [link for link in match.links if link.suspect or link.source],
        )

    def flipped(self) -> "Judged":
        """The same reading from the other side: the source as the suspect."""
        ev = self.evidence
        swapped = Evidence(
            **{**ev.__dict__, "suspect_aligned": ev.source_covered, "source_covered": ev.suspect_aligned,
               "aligned_passages": len({j for link in self.links if link.suspect for j in link.source}),
               "body_passages": len({j for link in self.links for j in link.source})},
        )  # fmt: skip
        direction = {SOURCE_FIRST: SUSPECT_FIRST, SUSPECT_FIRST: SOURCE_FIRST}.get(self.direction, self.direction)
        links = [Link(link.source, link.suspect, link.score, link.cosine) for link in self.links]
        return Judged(
            self.source, self.suspect, self.relation, self.confidence, direction, self.reasons, swapped, links
        )

    @property
    def mean_cosine(self) -> float:
        """How close the linked passages are, 1.0 for identical ones: copies of one
        text are closer to it than to each other."""
        paired = [link.cosine for link in self.links if link.suspect and link.source]
        return sum(paired) / len(paired) if paired else 0.0


@dataclass
class StoryNode:
    """An article of the story: a stored document, or a placeholder for one that a
    stored article cites but the store does not hold."""

    id: str  # the doc id; PLACEHOLDER + the cited URL or outlet for a placeholder
    title: str | None
    site: str | None
    lang: str | None
    published: str | None
    url: str | None
    stored: bool
    round_trip: str = ""  # "en -> vi -> en" when the text came back to an ancestor's language


@dataclass
class StoryEdge:
    """ "child derives from parent", with the judge's reading of the pair and why this
    parent was chosen over the other articles the child resembles."""

    parent: str
    child: str
    relation: str  # the judge's relation of child to parent; "cited" for an edge to or from a placeholder
    confidence: float
    reason: str  # why this parent: "it cites it", "it copies its wording", ...
    direction_reasons: list[str] = field(default_factory=list)  # why the parent came first
    kept: list[int] = field(default_factory=list)  # parent passages the child kept
    dropped: list[int] = field(default_factory=list)  # parent body passages the child left out
    added: list[int] = field(default_factory=list)  # child body passages with no counterpart in the parent


@dataclass
class Story:
    """Every stored article that carries one story, and who took it from whom."""

    story_id: str
    nodes: list[StoryNode]
    edges: list[StoryEdge]
    built_at: str | None = None

    @property
    def roots(self) -> list[str]:
        """The independent origins: articles that derive from no other in the story."""
        children = {edge.child for edge in self.edges}
        return [node.id for node in self.nodes if node.id not in children]

    def node(self, node_id: str) -> StoryNode:
        return next(node for node in self.nodes if node.id == node_id)

    def parents(self, node_id: str) -> list[StoryEdge]:
        """The edges into a node, its nearest parent first."""
        return [edge for edge in self.edges if edge.child == node_id]

    def compared_with(self, edge: StoryEdge) -> str:
        """The stored article whose text the edge's figures compare the child with: its
        parent, or the nearest stored one above a placeholder parent."""
        parent = edge.parent
        while parent.startswith(PLACEHOLDER) and self.parents(parent):
            parent = self.parents(parent)[0].parent
        return parent

    def chain(self, node_id: str) -> list[StoryNode]:
        """The node's ancestors through their first parents, root first, ending with it."""
        path, seen = [self.node(node_id)], {node_id}
        while (up := self.parents(path[0].id)) and up[0].parent not in seen:
            seen.add(up[0].parent)
            path.insert(0, self.node(up[0].parent))
        return path


@dataclass
class DemoLineage:
    """`lineage` of the demo's original once its suspects are traced, beside the
    manifest's expected graph (edges as (parent URL, child URL)); demo.py."""

    story: Story
    focus: str  # the original's doc id
    expected_edges: list[tuple[str, str]]
    expected_roots: list[str]

    def _url(self, node_id: str) -> str | None:
        return self.story.node(node_id).url

    @property
    def edges(self) -> set[tuple[str | None, str | None]]:
        return {(self._url(edge.parent), self._url(edge.child)) for edge in self.story.edges}

    @property
    def missing(self) -> list[tuple[str, str]]:
        return [edge for edge in self.expected_edges if edge not in self.edges]

    @property
    def extra(self) -> list[tuple[str | None, str | None]]:
        return sorted(self.edges - set(self.expected_edges), key=str)

    @property
    def ok(self) -> bool:
        roots = sorted(self._url(root) or "" for root in self.story.roots)
        return not self.missing and not self.extra and roots == sorted(self.expected_roots)


@dataclass
class BulkSummary:
    """What adding one bulk source did: `add` prints it, `--json` too."""

    source: str
    kind: str  # "folder", "warc", "feed" or "sitemap" (archives.py)
    added: int = 0  # documents stored by this run
    passages: int = 0  # ...and their passages
    already_stored: int = 0  # documents (or items) that were stored before
    skipped_unread: int = 0  # ...of them, items known by URL or hash, skipped before extraction
    failures: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason), in source order
    notes: list[str] = field(default_factory=list)  # what was left out and why
    damaged: str | None = None  # the source itself is damaged (a truncated crawl): the reason
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.failures)

    def reasons(self) -> list[tuple[str, list[str]]]:
        """(reason, origins) for the failures, the most common reason first."""
        grouped: dict[str, list[str]] = {}
        for origin, reason in self.failures:
            grouped.setdefault(reason, []).append(origin)
        return sorted(grouped.items(), key=lambda entry: -len(entry[1]))
