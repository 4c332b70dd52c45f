"""Who took a story from whom: the derivation graph of the stored articles that carry it.

`trace` judges one suspect against its candidates; a story is many such pairs. Given
every stored article of one story and the judge's reading of the pairs retrieval
brought together (`Judged`, the same `compare` that trace uses), this module decides
the graph, and nothing else: it reads no store and loads no model.

1. Order. Which article came first is settled, in this order of weight, by dates, by
   cues (a text that cites another came after it), and by the judge's text evidence
   (containment for rewrites and partial reuse, length for translations); among
   copies that none of these orders, the text every other is closest to comes first,
   since each copy adds edits of its own to the one it took.
2. Parents. Each article hangs under the earliest related article before it that
   explains about as much of it as any (the original, for a plain translation or
   copy), unless the evidence says it took from a nearer one: it cites it; it repeats
   its wording where the earlier one is in another language (a rewrite of a
   translation, not of the original); or it repeats what that one changed in the
   earlier text (passages it added, passages it left out inside the stretch the
   article keeps, its edits of the wording). Two derivatives of one original are
   siblings, linked through it, unless that evidence links them directly.
3. A second parent, when an article also takes passages from an article the first
   parent does not relate to (a roundup of two agency reports): the story then has
   two roots, two independent origins.
4. Placeholders. A cue naming an outlet or URL the story does not hold ("Source:
   <url>", "(Theo VnExpress)", "according to Politico") becomes a node marked "cited,
   not stored", between the citing article and its stored parent, or as a root when
   the citing article has none. An article whose chain passes through another
   language and back to its own is marked as a round trip.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import settings
from .cues import ACCORDING_TO, BYLINE, SOURCE
from .models import (
    CITED,
    PLACEHOLDER,
    RELATED,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    UNDECIDED,
    Cue,
    Document,
    Judged,
    Story,
    StoryEdge,
    StoryNode,
)
from .outlets import cites_url, outlet_matches, source_language, url_key

# cue kinds that say the whole text comes from the outlet named; "X told Reuters" or
# "Reuters reported" attribute one statement, not the article
_TAKEN_FROM = (SOURCE, BYLINE, ACCORDING_TO)
_CREDITS = (SOURCE, BYLINE)


def related(judged: Judged | None) -> bool:
    """A pair that belongs in one story: the judge names a reuse relation, or the text
    is too short for it to decide but repeats the other's sentences word for word (a
    brief cut from a wire story is still a copy of it, whatever else it is)."""
    if judged is None:
        return False
    if judged.relation == UNDECIDED:
        ev = judged.evidence
        return ev.same_language and ev.near_verbatim >= settings.LINEAGE_WORDING and ev.aligned_passages >= 2
    return judged.relation in RELATED


class Pairs:
    """The judged pairs of a story, read from either side."""

    def __init__(self, judged: Iterable[Judged]):
        self._by_pair: dict[tuple[str, str], Judged] = {}
        for item in judged:
            self._by_pair[(item.suspect, item.source)] = item

    def get(self, suspect: str, source: str) -> Judged | None:
        """`suspect` read against `source`: judged that way, or the other way and flipped."""
        found = self._by_pair.get((suspect, source))
        if found is not None:
            return found
        other = self._by_pair.get((source, suspect))
        return other.flipped() if other is not None else None

    def add(self, item: Judged) -> None:
        self._by_pair[(item.suspect, item.source)] = item

    def direct(self, suspect: str, source: str) -> bool:
        """Whether the pair was judged this way round: a relation is read from the
        suspect's side (a translation's extract is a partial reuse of it, not the reverse)."""
        return (suspect, source) in self._by_pair

    def judged(self, a: str, b: str) -> bool:
        return (a, b) in self._by_pair or (b, a) in self._by_pair

    def related(self, a: str, b: str) -> bool:
        return related(self.get(a, b))

    def neighbours(self, doc_id: str) -> set[str]:
        return {
            other
            for (a, b), item in self._by_pair.items()
            if doc_id in (a, b) and related(item)
            for other in (a, b)
            if other != doc_id
        }

    def __iter__(self):
        return iter(self._by_pair.values())


def component(focus: str, pairs: Pairs) -> set[str]:
    """Every article connected to `focus` through related pairs: the story's members."""
    seen, queue = {focus}, [focus]
    while queue:
        for other in pairs.neighbours(queue.pop()):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


def build_story(
    story_id: str, focus: str, members: dict[str, Document], pairs: Pairs, built_at: str | None = None
) -> Story:
    """The derivation graph of the story of `focus` among `members` (the stored articles
    connected to it by related pairs), from their judged pairs. A member that no edge
    joins to the focus (related to a member only by a pair that the graph explains
    otherwise, such as a same-event story sharing a few facts) is left out."""
    later = {(a, b) for a in members for b in members if a != b and _after(members[a], members[b])}
    order = _order(members, pairs, later)
    edges: list[StoryEdge] = []
    for position, child_id in enumerate(order):
        child = members[child_id]
        earlier = [p for p in order[:position] if pairs.related(child_id, p) and (p, child_id) not in later]
        if not earlier:
            continue
        parent_id, reason = _parent(child, earlier, members, pairs)
        edges.append(_edge(child, members[parent_id], pairs.get(child_id, parent_id), reason))
        second = _second_parent(child, parent_id, earlier, pairs)
        if second:
            edges.append(
                _edge(
                    child, members[second], pairs.get(child_id, second), "it also takes passages the first parent lacks"
                )
            )
    joined = _joined(focus, edges)
    nodes = [_node(members[doc_id]) for doc_id in order if doc_id in joined]
    story = Story(story_id, nodes, [edge for edge in edges if edge.child in joined], built_at)
    _add_placeholders(story, members, pairs)
    _mark_round_trips(story)
    position = {node.id: n for n, node in enumerate(story.nodes)}
    story.edges.sort(key=lambda edge: position[edge.child])  # stable: a child's nearest parent first
    return story


def _joined(focus: str, edges: list[StoryEdge]) -> set[str]:
    """The articles the edges connect to the focus, whichever way they point."""
    seen, queue = {focus}, [focus]
    while queue:
        at = queue.pop()
        for edge in edges:
            for here, there in ((edge.parent, edge.child), (edge.child, edge.parent)):
                if here == at and there not in seen:
                    seen.add(there)
                    queue.append(there)
    return seen


# --- 1. order ------------------------------------------------------------------------


def _after(doc: Document, other: Document) -> bool:
    """`doc` certainly came after `other`: a later date or, without dates, it cites
    `other` (and `other` does not cite it back)."""
    if doc.published and other.published and doc.published != other.published:
        return doc.published > other.published
    return _cites(doc, other) and not _cites(other, doc)


def _cites(doc: Document, other: Document) -> bool:
    return any(
        outlet_matches(cue, site=other.site, url=other.url, title=other.title)
        for cue in doc.cues
        if not _self_citation(cue, doc)
    )


def _self_citation(cue: Cue, doc: Document) -> bool:
    """An outlet naming itself ("Reuters" in a Reuters story) cites nobody."""
    return outlet_matches(cue, site=doc.site, url=doc.url, title=doc.title)


def _earlier_votes(a: str, b: str, later: set[tuple[str, str]], pairs: Pairs) -> int:
    """How strongly the evidence says `a` came before `b` (negative: after)."""
    if (b, a) in later:
        return settings.LINEAGE_HARD_VOTES
    if (a, b) in later:
        return -settings.LINEAGE_HARD_VOTES
    judged = pairs.get(b, a)  # b read against a: SOURCE_FIRST says a came first
    return {SOURCE_FIRST: 1, SUSPECT_FIRST: -1}.get(judged.direction, 0) if judged else 0


def _order(members: dict[str, Document], pairs: Pairs, later: set[tuple[str, str]]) -> list[str]:
    """Members earliest first: certain orderings (`later`: dates, cues) always hold;
    within them, the article that the evidence puts before the most others, then the
    one the others are closest to (the original of a set of copies)."""
    ids = sorted(members)
    votes = {a: 0 for a in ids}
    closeness = {a: 0.0 for a in ids}
    for a in ids:
        for b in ids:
            judged = pairs.get(b, a) if a != b else None
            if related(judged):
                votes[a] += _earlier_votes(a, b, later, pairs)
                closeness[a] += judged.mean_cosine
    preference = sorted(ids, key=lambda a: (-votes[a], members[a].published or "9999", -closeness[a], a))
    # each step takes the most preferred article that no article still waiting must precede
    waiting, order = preference, []
    while waiting:
        free = next((a for a in waiting if not any((a, b) in later for b in waiting)), waiting[0])
        order.append(free)
        waiting = [a for a in waiting if a != free]
    return order


# --- 2. parents ----------------------------------------------------------------------


def _parent(child: Document, earlier: list[str], members: dict[str, Document], pairs: Pairs) -> tuple[str, str]:
    """The nearest stored ancestor among the related articles before the child, and why.
    Only an article that explains the child about as well as the best one can be its
    parent (a same-event story sharing a few sentences with a translation is not its
    source); among those the earliest, unless the child cites one or a later one's
    wording or omissions say the child took from it."""
    explained = {p: pairs.get(child.doc_id, p).evidence.suspect_aligned for p in earlier}
    best = max(explained.values())
    plausible = [p for p in earlier if explained[p] >= best - settings.LINEAGE_FIT_MARGIN]
    cited = [p for p in earlier if any(cites_url(cue, members[p].url) for cue in child.cues)] or [
        p for p in earlier if _cites(child, members[p])
    ]
    if cited:
        parent, reason = cited[-1], f"it cites {_name(members[cited[-1]])}"
    else:
        parent, reason = plausible[0], "the earliest article that explains it as well as any"
    for nearer in earlier[earlier.index(parent) + 1 :]:
        why = _nearer(child, members[parent], members[nearer], pairs)
        if why:
            parent, reason = nearer, why
    return parent, reason


def _nearer(child: Document, current: Document, nearer: Document, pairs: Pairs) -> str:
    """Why the child took from `nearer` rather than `current` (both before it, `nearer`
    the later), or "". The evidence is what stemmatics reads: what `nearer` changed in
    `current`'s text and the child repeats. Two derivatives of one text each change it
    their own way, so a sibling repeats none of the other's changes."""
    to_nearer = pairs.get(child.doc_id, nearer.doc_id)
    to_current = pairs.get(child.doc_id, current.doc_id)
    if to_nearer.evidence.suspect_aligned < to_current.evidence.suspect_aligned - settings.LINEAGE_FIT_MARGIN:
        return ""  # it explains clearly less of the child
    if nearer.lang == child.lang != current.lang and to_nearer.evidence.near_verbatim >= settings.LINEAGE_WORDING:
        return f"it repeats the wording of this {nearer.lang} text, which the {current.lang} one cannot explain"
    between = pairs.get(nearer.doc_id, current.doc_id)  # what nearer did to current's text
    if between is None or not related(between):
        return ""
    added = _shared_additions(between, to_nearer, nearer)
    if added >= settings.LINEAGE_SHARED_ADDITIONS:
        return f"it keeps {added} passage{'s' if added > 1 else ''} that this text added to {_name(current)}'s"
    omitted = _shared_omissions(between, to_current, current)
    if omitted >= settings.LINEAGE_SHARED_OMISSIONS:
        return f"it lacks the same {omitted} passages of {_name(current)} that this text left out"
    if nearer.lang == child.lang == current.lang:
        closer = _closer_passages(to_nearer, to_current)
        if closer:
            return f"{closer} of its passages repeat this text's edits of {_name(current)}'s wording, none the reverse"
    return ""


def _closer_passages(to_nearer: Judged, to_current: Judged) -> int:
    """The child's passages closer to `nearer`'s wording than to `current`'s, when none
    is closer the other way; 0 otherwise. A child of `nearer` repeats its edits; a
    sibling has edits of its own, where `nearer` keeps `current`'s wording."""

    def closeness(judged: Judged) -> dict[int, float]:
        best: dict[int, float] = {}
        for link in judged.links:
            if link.suspect and link.source:
                for i in link.suspect:
                    best[i] = max(best.get(i, -1.0), link.cosine)
        return best

    near, cur = closeness(to_nearer), closeness(to_current)
    shared = near.keys() & cur.keys()
    gap = settings.LINEAGE_CLOSER_WORDING
    if any(cur[i] > near[i] + gap for i in shared):
        return 0
    return sum(near[i] > cur[i] + gap for i in shared)


def _shared_additions(between: Judged, to_nearer: Judged, nearer: Document) -> int:
    """The child's passages whose counterpart in `nearer` is a passage `nearer` added to
    its own source (`between`: nearer read against it)."""
    added = {i for link in between.links if link.suspect and not link.source for i in link.suspect}
    added &= {p.idx for p in nearer.body}
    return len({i for link in to_nearer.links if link.suspect and set(link.source) & added for i in link.suspect})


def _shared_omissions(between: Judged, to_current: Judged, current: Document) -> int:
    """How many passages of `current` that `nearer` left out the child lacks too, counted
    only inside the stretch of `current` the child keeps, and only if the child keeps
    none of them: a text cut short or an extract lacks everything outside its stretch,
    which says nothing."""
    kept_by_nearer = {j for link in between.links if link.suspect for j in link.source}
    kept_by_child = {j for link in to_current.links if link.suspect for j in link.source}
    if not kept_by_child:
        return 0
    low, high = min(kept_by_child), max(kept_by_child)
    dropped = {p.idx for p in current.body if low <= p.idx <= high} - kept_by_nearer
    return 0 if dropped & kept_by_child else len(dropped)


def _second_parent(child: Document, parent: str, earlier: list[str], pairs: Pairs) -> str | None:
    """An earlier article, unrelated to the first parent, that explains passages of the
    child the first parent does not: the child combines two origins."""
    explained = _aligned(pairs.get(child.doc_id, parent))
    body = max(len(child.body), 1)
    for other in earlier:
        if other == parent or pairs.related(other, parent):
            continue
        extra = _aligned(pairs.get(child.doc_id, other)) - explained
        if len(extra) >= max(settings.LINEAGE_SECOND_PARENT_PASSAGES, settings.LINEAGE_SECOND_PARENT_SHARE * body):
            return other
    return None


def _aligned(judged: Judged) -> set[int]:
    """The suspect's passages with a counterpart."""
    return {i for link in judged.links if link.source for i in link.suspect}


def _edge(child: Document, parent: Document, judged: Judged, reason: str) -> StoryEdge:
    kept = sorted({j for link in judged.links if link.suspect for j in link.source})
    child_body = {p.idx for p in child.body}
    added = sorted(i for link in judged.links if not link.source for i in link.suspect if i in child_body)
    return StoryEdge(
        parent=parent.doc_id,
        child=child.doc_id,
        relation=judged.relation,
        confidence=judged.confidence,
        reason=reason,
        direction_reasons=list(judged.reasons),
        kept=kept,
        dropped=sorted({p.idx for p in parent.body} - set(kept)),
        added=added,
    )


def _node(doc: Document) -> StoryNode:
    return StoryNode(doc.doc_id, doc.label, doc.site, doc.lang, doc.published, doc.url, stored=True)


def _name(doc: Document) -> str:
    """A document's name in a reason: its outlet, its web URL, else its label (a
    file's file:// URL is a path on one machine, not a name)."""
    web_url = doc.url if doc.url and not doc.url.startswith("file:") else None
    return doc.site or web_url or doc.label


# --- 4. placeholders and round trips -------------------------------------------------


def _add_placeholders(story: Story, members: dict[str, Document], pairs: Pairs) -> None:
    """A node for each outlet or URL a stored article takes from that the story does not
    hold: between the article and its stored parent, the URL it names nearest (a
    "Source:" line names the page used), an outlet named farther up."""
    for doc_id in [node.id for node in story.nodes]:
        doc = members[doc_id]
        first = story.parents(doc_id)[0] if story.parents(doc_id) else None
        parent = members[first.parent] if first is not None else None
        cited = [
            cue
            for cue in _unstored_citations(doc, members)
            # an origin's "according to X" credits one statement; only a credit line
            # ("Source: ...", "(Theo X)") says the whole text came from elsewhere
            if (parent is not None or cue.kind in _CREDITS)
            # the parent's own attribution, carried over, says nothing of this article
            and not (parent is not None and (_cites(parent, _cue_doc(cue)) or _inherited(cue, doc, parent, pairs)))
        ]
        below = doc_id
        for cue in sorted(cited, key=lambda cue: cue.url is None):  # the nearest first
            node_id = PLACEHOLDER + _cue_key(cue)
            existing = next((node for node in story.nodes if node.id == node_id), None)
            if existing is None:
                story.nodes.append(
                    StoryNode(node_id, cue.url or cue.outlet or cue.domain, cue.outlet or cue.domain,
                              source_language(cue), None, cue.url, stored=False)
                )  # fmt: skip
            _insert_above(story, below, node_id, f"it cites {cue.text!r}")
            below = node_id
            if existing is not None:
                break  # the placeholder already hangs where another article put it


def _inherited(cue: Cue, doc: Document, parent: Document, pairs: Pairs) -> bool:
    """The cue sits in a passage that renders a passage of the parent holding a cue too
    ("据波士顿环球报" translating "according to the Boston Globe")."""
    judged = pairs.get(doc.doc_id, parent.doc_id)
    cue_passages = {other.passage for other in parent.cues}
    return judged is not None and any(
        cue.passage in link.suspect and set(link.source) & cue_passages for link in judged.links
    )


def _unstored_citations(doc: Document, members: dict[str, Document]) -> list[Cue]:
    """The doc's cues naming a source that is no member of the story (each once)."""
    found: dict[str, Cue] = {}
    for cue in doc.cues:
        if cue.kind not in _TAKEN_FROM or not (cue.outlet or cue.url or cue.domain) or _self_citation(cue, doc):
            continue
        if any(outlet_matches(cue, site=m.site, url=m.url, title=m.title) for m in members.values()):
            continue
        found.setdefault(_cue_key(cue), cue)
    return list(found.values())


def _cue_key(cue: Cue) -> str:
    return url_key(cue.url) if cue.url else (cue.domain or cue.outlet or "").casefold()


def _cue_doc(cue: Cue) -> Document:
    """A cue's target as a bare document, to ask whether a stored article names it."""
    return Document(
        doc_id="", text="", lang="", site=cue.outlet, url=cue.url or (f"https://{cue.domain}" if cue.domain else None)
    )


def _insert_above(story: Story, child: str, placeholder: str, reason: str) -> None:
    """Put the placeholder between the child and its first parent (if any)."""
    into_child = story.parents(child)
    if into_child:
        first = into_child[0]
        if not story.parents(placeholder) and first.parent != placeholder:
            story.edges.append(
                StoryEdge(first.parent, placeholder, CITED, first.confidence, "a stored article cites it")
            )
        first.parent = placeholder
    else:
        story.edges.append(StoryEdge(placeholder, child, CITED, 1.0, reason))


def _mark_round_trips(story: Story) -> None:
    for node in story.nodes:
        langs = [n.lang for n in story.chain(node.id) if n.lang]
        if node.lang and node.lang in langs[:-1]:
            start = max(i for i, lang in enumerate(langs[:-1]) if lang == node.lang)
            trip = langs[start:]
            if len(set(trip)) > 1:
                node.round_trip = " -> ".join(trip)
