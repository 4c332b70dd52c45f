"""Find the stored documents that could be the suspect's source, in any language.

Two stages, because document vectors alone cannot tell same-topic stories apart
(DESIGN.md: 0.987 for the true source against 0.984 for a same-week story) but are
cheap enough to scan 100k documents:

1. a shortlist by document-vector cosine (the document index, index.py: an exact
   scan of a small store, an inverted file of a large one);
2. passage evidence on the shortlist: each suspect passage's best counterpart in
   each shortlisted document, scored by the ratio margin of LASER's bitext mining
   (cosine relative to both sides' nearest neighbours in the pool), turned into the
   share of the suspect's passages that have a convincing counterpart there.

Cues that name a candidate's outlet or URL add a boost; a candidate published
after the suspect loses a little, since a source predates what copies it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import settings
from .index import DocumentIndex
from .models import Candidate, Document
from .outlets import cites_url, outlet_matches


class Hit(NamedTuple):
    """A stored document near a query vector, as the index knows it."""

    seq: int
    cosine: float
    lang: str


class Corpus:
    """What retrieval searches: the document index (index.py) over every stored
    document's vector, and the store for what the nearest ones are. It follows the
    store: `catch_up` adds what was stored since it last looked (in this process or
    another), so adding documents never reloads the whole corpus. `in_memory` makes
    one of documents held in memory instead, with no store behind it."""

    def __init__(self, index: DocumentIndex, store=None, documents: dict[int, Document] | None = None):
        self.index = index
        self.store = store
        self._documents = documents  # seq -> metadata, for a corpus with no store
        self._seqs = {doc.doc_id: seq for seq, doc in documents.items()} if documents is not None else None

    @classmethod
    def from_store(cls, store, advance: Callable[[int], None] | None = None) -> Corpus:
        """The index saved beside the store, caught up; built from the store where
        there is none (or it belongs to another store). `advance` counts documents
        indexed, for a progress bar."""
        token = store.index_token()
        index = DocumentIndex.load(index_folder(store.path), store.dim, token)
        if index is None:
            index = DocumentIndex(store.dim, token)
        else:
            # the saved files hold the big languages; the others are read back whole
            for seqs, langs, vectors in store.document_vectors(
                up_to_seq=index.max_seq, except_langs=list(index.shards)
            ):
                index.add(seqs, langs, vectors)
                if advance:
                    advance(len(seqs))
        corpus = cls(index, store)
        corpus.catch_up(advance)
        return corpus

    @classmethod
    def in_memory(cls, docs: list[Document], vectors: np.ndarray) -> Corpus:
        """Documents (metadata) and their document vectors held in memory, scanned
        exactly whatever their number, ties going to the earlier in `docs`: what the
        sweep searches in each date window, on one machine and in Spark's executors
        alike, so both find the same neighbours."""
        index = DocumentIndex(vectors.shape[1], exact=True)
        seqs = np.arange(1, len(docs) + 1, dtype=np.int64)
        if len(docs):
            index.add(seqs, [doc.lang for doc in docs], vectors)
        return cls(index, documents=dict(zip(seqs.tolist(), docs)))

    def __len__(self) -> int:
        return len(self.index)

    def catch_up(self, advance: Callable[[int], None] | None = None) -> int:
        """Index the documents stored since the index last saw the store; how many."""
        added = 0
        if self.store is None:
            return added
        for seqs, langs, vectors in self.store.document_vectors(after_seq=self.index.max_seq):
            self.index.add(seqs, langs, vectors)
            added += len(seqs)
            if advance:
                advance(len(seqs))
        return added

    def save(self) -> None:
        """Keep the inverted files beside the store, so the next process loads them."""
        if self.index.dirty and self.store is not None:
            self.index.save(index_folder(self.store.path))

    def nearest(self, vector: np.ndarray, k: int, *, skip: str | None = None, lang: str | None = None) -> list[Hit]:
        """The k nearest documents in each language (or in `lang` alone), merged best
        first: the first k of the list are the k nearest of all, and past them come
        the nearest of each language. `skip` is a doc id left out (the query's own)."""
        skip_seq = self._seq_of(skip) if skip else None
        if lang is None:
            shards = self.index.shards
        else:
            shards = {lang: self.index.shards[lang]} if lang in self.index.shards else {}
        hits = []
        for shard_lang, shard in shards.items():
            keys, cosines = shard.search(vector, k + (skip_seq is not None))
            kept = keys != skip_seq
            hits += [Hit(int(seq), float(cosine), shard_lang) for seq, cosine in zip(keys[kept][:k], cosines[kept][:k])]
        hits.sort(key=lambda hit: (-hit.cosine, hit.seq))
        return hits

    def resolve(self, hits: list[Hit]) -> list[tuple[Hit, Document]]:
        """Each hit with its stored document (metadata, no passages), in order; a hit
        whose document was deleted is dropped."""
        if self._documents is not None:
            documents = self._documents
        else:
            documents = self.store.documents_by_seq([hit.seq for hit in hits])
        return [(hit, documents[hit.seq]) for hit in hits if hit.seq in documents]

    def _seq_of(self, doc_id: str) -> int | None:
        return self._seqs.get(doc_id) if self._seqs is not None else self.store.seq_of(doc_id)

    def load_passages(self, doc_ids: list[str]) -> dict[str, np.ndarray]:
        """doc id -> (n, dim) passage vectors."""
        return self.store.passage_vectors(doc_ids)


def index_folder(store_path: Path) -> Path:
    """Where a store's inverted files are kept: beside it, named after it."""
    return store_path.with_name(store_path.name + ".index")


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
    if len(suspect_vecs) == 0 or len(corpus) == 0:
        return []
    body = suspect_vecs[body_rows(suspect)]
    shortlist_size = max(settings.SHORTLIST, 4 * top_k)
    ranked = corpus.nearest(
        document_vector(body), shortlist_size + settings.SHORTLIST_OTHER_LANGUAGES, skip=suspect.doc_id
    )
    if not ranked:
        return []
    # document vectors carry their language: in a store with many articles in the
    # suspect's language, those crowd out its original in another language (WMT22
    # de-fr: a French translation's German original ranked below 50 French articles),
    # so the nearest ones in other languages are scored too
    other_language = [hit for hit in ranked[shortlist_size:] if hit.lang != suspect.lang]
    chosen = corpus.resolve(ranked[:shortlist_size] + other_language[: settings.SHORTLIST_OTHER_LANGUAGES])
    if not chosen:
        return []
    short_ids = [doc.doc_id for _, doc in chosen]
    # the document-level ratio margin: cosine over the mean of the suspect's k nearest documents
    nearest_mean = float(np.mean([hit.cosine for hit in ranked[: settings.MARGIN_K]]))
    doc_margin = np.array([hit.cosine for hit, _ in chosen]) / max(nearest_mean, 1e-6)
    meta = {doc.doc_id: doc for _, doc in chosen}

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
        boost = _cue_boost(suspect, meta[doc_id])
        penalty = _date_penalty(suspect, meta[doc_id])
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


def neighbours(
    doc: Document, vectors: np.ndarray, corpus: Corpus, *, top_k: int, other_languages: int
) -> list[Candidate]:
    """The stored documents nearest to `doc` by document vector: the top_k, and the
    nearest in each of up to `other_languages` other languages. What `lineage` judges
    around each article of a story. Not `retrieve`: its margins compare a candidate
    with its neighbours, and the neighbours of an article whose story is stored forty
    times over (wire copies, a dozen translations) are that story's other versions, so
    every version's margin sinks to nothing. The judge, which reads one pair at a
    time, decides which of these carry the story."""
    if len(vectors) == 0 or len(corpus) == 0:
        return []
    ranked = corpus.nearest(document_vector(vectors[body_rows(doc)]), top_k, skip=doc.doc_id)
    chosen = ranked[:top_k]
    seen = {doc.lang} | {hit.lang for hit in chosen}
    for hit in ranked[top_k:]:
        if len(seen) > other_languages:
            break
        if hit.lang not in seen:
            seen.add(hit.lang)
            chosen.append(hit)
    return [
        Candidate(doc_id=stored.doc_id, score=round(hit.cosine, 6), passage_score=0.0, doc_score=round(hit.cosine, 6))
        for hit, stored in corpus.resolve(chosen)
    ]
