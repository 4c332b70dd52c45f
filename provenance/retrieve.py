"""Find the stored documents that could be the suspect's source, in any language.

Two stages, because document vectors alone cannot tell same-topic stories apart
(DESIGN.md: 0.987 for the true source against 0.984 for a same-week story) but are
cheap enough to scan 100k documents:

1. a shortlist by document-vector cosine (every stored document, one matrix product);
2. passage evidence on the shortlist: each suspect passage's best counterpart in
   each shortlisted document, scored by the ratio margin of LASER's bitext mining
   (cosine relative to both sides' nearest neighbours in the pool), turned into the
   share of the suspect's passages that have a convincing counterpart there.

Cues that name a candidate's outlet or URL add a boost; a candidate published
after the suspect loses a little, since a source predates what copies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

import numpy as np

from . import settings
from .models import Candidate, Document
from .outlets import cites_url, outlet_matches


@dataclass
class Corpus:
    """What retrieval searches: every stored document's vector in memory, and a
    loader for the passage vectors of the few documents that make the shortlist."""

    doc_ids: list[str]
    doc_vecs: np.ndarray  # (N, dim), L2-normalised
    meta: dict[str, Document]  # metadata (site, url, published, lang); passages not needed
    load_passages: Callable[[list[str]], dict[str, np.ndarray]]  # doc id -> (n, dim) vectors

    @classmethod
    def from_store(cls, store) -> "Corpus":
        doc_ids, doc_vecs = store.doc_matrix()
        meta = {doc.doc_id: doc for doc in store.documents(text_chars=200)}
        return cls(doc_ids, doc_vecs, meta, store.passage_vectors)


def body_rows(doc: Document) -> np.ndarray:
    """Indexes of the body passages, or of all passages when none is body: a document
    of boilerplate alone still needs a vector to be found by."""
    return np.array([p.idx for p in doc.body or doc.passages], dtype=np.int64)


def document_vector(passage_vecs: np.ndarray) -> np.ndarray:
    """The normalised mean of passage vectors: one vector for the whole document."""
    if len(passage_vecs) == 0:
        return np.zeros(passage_vecs.shape[1] if passage_vecs.ndim == 2 else 0, dtype=np.float32)
    mean = passage_vecs.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm else mean).astype(np.float32)


def _topk_mean(sim: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Mean of the k largest values along an axis (k clipped to what is there)."""
    k = max(1, min(k, sim.shape[axis]))
    part = -np.partition(-sim, k - 1, axis=axis)
    return np.take(part, np.arange(k), axis=axis).mean(axis=axis)


def counterpart_probability(margin: np.ndarray) -> np.ndarray:
    """How likely a passage with this best pool margin has a true counterpart."""
    return 1.0 / (1.0 + np.exp(-(margin - settings.RETRIEVAL_MARGIN_MID) / settings.RETRIEVAL_MARGIN_SCALE))


def retrieve(
    suspect: Document,
    suspect_vecs: np.ndarray,
    corpus: Corpus,
    *,
    top_k: int = settings.TOP_K,
) -> list[Candidate]:
    """The top_k stored documents most likely to be the suspect's source, best first."""
    keep = [i for i, doc_id in enumerate(corpus.doc_ids) if doc_id != suspect.doc_id]
    if not keep or len(suspect_vecs) == 0:
        return []
    doc_ids = [corpus.doc_ids[i] for i in keep]
    doc_vecs = corpus.doc_vecs[keep]
    body = suspect_vecs[body_rows(suspect)]

    doc_cos = doc_vecs @ document_vector(body)
    shortlist_size = min(len(doc_ids), max(settings.SHORTLIST, 4 * top_k))
    ranked = np.argsort(-doc_cos, kind="stable")
    shortlist = ranked[:shortlist_size]
    # document vectors carry their language: in a store with many articles in the
    # suspect's language, those crowd out its original in another language (WMT22
    # de-fr: a French translation's German original ranked below 50 French articles),
    # so the nearest ones in other languages are scored too
    other_language = (i for i in ranked[shortlist_size:] if _language(corpus, doc_ids[i]) != suspect.lang)
    shortlist = np.concatenate(
        [shortlist, np.fromiter(islice(other_language, settings.SHORTLIST_OTHER_LANGUAGES), dtype=np.int64)]
    )
    short_ids = [doc_ids[i] for i in shortlist]
    # the document-level ratio margin: cosine over the mean of the suspect's k nearest documents
    doc_margin = doc_cos[shortlist] / max(float(_topk_mean(doc_cos[None, :], settings.MARGIN_K, 1)[0]), 1e-6)

    # every passage of a candidate, boilerplate included: the suspect side is body
    # only, so a candidate's caption has nothing of the story to match
    pool_vecs = corpus.load_passages(short_ids)
    pool = np.concatenate([pool_vecs[doc_id] for doc_id in short_ids])
    owners_arr = np.repeat(np.arange(len(short_ids)), [len(pool_vecs[doc_id]) for doc_id in short_ids])

    sim = body @ pool.T  # (suspect passages, pool passages)
    near_suspect = _topk_mean(sim, settings.MARGIN_K, axis=1)
    near_pool = _topk_mean(sim, settings.MARGIN_K, axis=0)
    margin = sim / ((near_suspect[:, None] + near_pool[None, :]) / 2)

    best = np.full((len(body), len(short_ids)), -np.inf, dtype=np.float32)
    for n in range(len(short_ids)):
        cols = owners_arr == n
        if cols.any():
            best[:, n] = margin[:, cols].max(axis=1)
    passage_score = counterpart_probability(best).mean(axis=0)

    candidates = []
    for n, doc_id in enumerate(short_ids):
        meta = corpus.meta.get(doc_id)
        boost = _cue_boost(suspect, meta)
        penalty = _date_penalty(suspect, meta)
        doc_score = float(doc_margin[n])
        score = float(passage_score[n]) + settings.DOC_SCORE_WEIGHT * (doc_score - 1.0) + boost - penalty
        candidates.append(
            Candidate(
                doc_id=doc_id,
                score=round(score, 6),
                passage_score=round(float(passage_score[n]), 6),
                doc_score=round(doc_score, 6),
                cue_boost=boost,
                date_penalty=penalty,
            )
        )
    candidates.sort(key=lambda c: -c.score)
    return candidates[:top_k]


def _language(corpus: Corpus, doc_id: str) -> str | None:
    meta = corpus.meta.get(doc_id)
    return meta.lang if meta else None


def _cue_boost(suspect: Document, meta: Document | None) -> float:
    """A cue that gives the candidate's own URL outweighs one that names its outlet,
    which every article of that outlet shares."""
    if meta is None:
        return 0.0
    if any(cites_url(cue, meta.url) for cue in suspect.cues):
        return settings.URL_CUE_BOOST
    named = any(outlet_matches(cue, site=meta.site, url=meta.url, title=meta.title) for cue in suspect.cues)
    return settings.CUE_BOOST if named else 0.0


def _date_penalty(suspect: Document, meta: Document | None) -> float:
    """ISO dates compare as strings; unknown dates cost nothing."""
    if meta is None or not meta.published or not suspect.published:
        return 0.0
    return settings.LATER_DATE_PENALTY if meta.published > suspect.published else 0.0


def neighbours(doc: Document, vectors: np.ndarray, corpus: Corpus, *, top_k: int, other_languages: int) -> list[Candidate]:
    """The stored documents nearest to `doc` by document vector: the top_k, and the
    nearest in each of up to `other_languages` other languages. What `lineage` judges
    around each article of a story. Not `retrieve`: its margins compare a candidate
    with its neighbours, and the neighbours of an article whose story is stored forty
    times over (wire copies, a dozen translations) are that story's other versions, so
    every version's margin sinks to nothing. The judge, which reads one pair at a
    time, decides which of these carry the story."""
    if len(vectors) == 0:
        return []
    cosines = corpus.doc_vecs @ document_vector(vectors[body_rows(doc)])
    ranked = [int(i) for i in np.argsort(-cosines, kind="stable") if corpus.doc_ids[i] != doc.doc_id]
    chosen = ranked[:top_k]
    seen = {doc.lang} | {_language(corpus, corpus.doc_ids[i]) for i in chosen}
    for i in ranked[top_k:]:
        if len(seen) > other_languages:
            break
        lang = _language(corpus, corpus.doc_ids[i])
        if lang not in seen:
            seen.add(lang)
            chosen.append(i)
    return [
        Candidate(doc_id=corpus.doc_ids[i], score=round(float(cosines[i]), 6), passage_score=0.0, doc_score=round(float(cosines[i]), 6))
        for i in chosen
    ]
