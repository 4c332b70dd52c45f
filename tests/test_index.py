"""The document index (index.py) behind retrieval: inverted files against the exact scan,
saved beside the store and caught up with what is stored since, never rebuilt per
trace. Stores hold random clustered unit vectors (no model needed) or, for the trace,
real NTREX stories embedded by the real model."""

import numpy as np
import pytest
from test_store import DIM, MODEL, make_document

from provenance import settings
from provenance.index import DocumentIndex
from provenance.retrieve import Corpus, index_folder
from provenance.store import Store

LANGS = ("en", "de", "vi")


def clustered(count: int, seed: int) -> np.ndarray:
    """Unit vectors in 50 tight clusters, as stories and their versions are."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, DIM))
    vectors = centres[rng.integers(0, 50, count)] + 0.6 * rng.standard_normal((count, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def fill(store: Store, count: int, first: int = 0, seed: int = 0) -> dict[str, np.ndarray]:
    """Store `count` one-passage documents in three languages; their vectors by id."""
    vectors = clustered(count, seed)
    items, by_id = [], {}
    for n in range(count):
        doc = make_document(f"{first + n:016x}", [f"Story number {first + n}."], lang=LANGS[n % 3])
        items.append((doc, vectors[n : n + 1], vectors[n]))
        by_id[doc.doc_id] = vectors[n]
    store.add_documents(items)
    return by_id


@pytest.fixture
def approximate(monkeypatch):
    """Shards become inverted files from 300 documents, so a test store of 1,500 has them."""
    monkeypatch.setattr(settings, "INDEX_ANN_MIN", 300)


@pytest.fixture
def bound_store(db_path):
    with Store(db_path) as store:
        store.bind_model(MODEL, DIM)
        yield store


def exact_nearest(vectors: dict[str, np.ndarray], query: np.ndarray, k: int, skip: str) -> list[str]:
    ids = [doc_id for doc_id in vectors if doc_id != skip]
    cosines = np.stack([vectors[doc_id] for doc_id in ids]) @ query
    return [ids[i] for i in np.argsort(-cosines)[:k]]


def test_inverted_files_hold_the_exact_top_5_in_the_shortlist(bound_store, approximate):
    vectors = fill(bound_store, 1500)
    corpus = Corpus.from_store(bound_store)
    assert {lang: shard.searcher is not None for lang, shard in corpus.index.shards.items()} == dict.fromkeys(
        LANGS, True
    )
    found = 0
    queries = list(vectors)[:100]
    for doc_id in queries:
        hits = corpus.nearest(vectors[doc_id], settings.SHORTLIST, skip=doc_id)[: settings.SHORTLIST]
        shortlisted = {stored.doc_id for _, stored in corpus.resolve(hits)}
        assert doc_id not in shortlisted
        found += len(shortlisted & set(exact_nearest(vectors, vectors[doc_id], 5, doc_id)))
    assert found / (5 * len(queries)) >= 0.99


def test_small_shards_scan_exactly_and_merge_best_first_across_languages(bound_store):
    vectors = fill(bound_store, 90)
    corpus = Corpus.from_store(bound_store)
    assert all(shard.searcher is None for shard in corpus.index.shards.values())
    query_id = next(iter(vectors))
    hits = corpus.nearest(vectors[query_id], 10, skip=query_id)
    assert [hit.cosine for hit in hits] == sorted((hit.cosine for hit in hits), reverse=True)
    assert len(hits) == 30  # ten from each language
    top = [stored.doc_id for _, stored in corpus.resolve(hits[:10])]
    assert top == exact_nearest(vectors, vectors[query_id], 10, query_id)
    german = corpus.nearest(vectors[query_id], 5, lang="de")
    assert {hit.lang for hit in german} == {"de"} and len(german) == 5


def test_the_index_is_saved_beside_the_store_and_only_new_documents_are_added(db_path, approximate):
    with Store(db_path) as store:
        store.bind_model(MODEL, DIM)
        vectors = fill(store, 1200)
        corpus = Corpus.from_store(store)
        corpus.save()
    assert (index_folder(db_path) / "manifest.json").exists()
    with Store(db_path) as store:
        corpus = Corpus.from_store(store)
        assert len(corpus) == 1200 and corpus.catch_up() == 0  # loaded, not rebuilt
        vectors.update(fill(store, 30, first=5000, seed=1))
        assert corpus.catch_up() == 30 and len(corpus) == 1230
        newcomer = next(doc_id for doc_id in vectors if int(doc_id, 16) >= 5000)
        hits = corpus.nearest(vectors[newcomer], 1)
        assert corpus.resolve(hits[:1])[0][1].doc_id == newcomer  # its own vector is its nearest
        store.delete_document(newcomer)
        assert newcomer not in {stored.doc_id for _, stored in corpus.resolve(corpus.nearest(vectors[newcomer], 5))}


def test_a_reloaded_index_holds_the_small_languages_too(db_path, approximate):
    """Only the inverted files are saved: the languages scanned exactly are read back
    from the store when the index is loaded."""
    with Store(db_path) as store:
        store.bind_model(MODEL, DIM)
        fill(store, 900)  # 300 a language: inverted files
        german = make_document(f"{7000:016x}", ["Eine deutsche Geschichte."], lang="de-AT")
        vector = clustered(1, seed=5)
        store.add_documents([(german, vector, vector[0])])
        corpus = Corpus.from_store(store)
        assert corpus.index.shards["de-AT"].searcher is None
        corpus.save()
    with Store(db_path) as store:
        corpus = Corpus.from_store(store)
        assert len(corpus) == 901 and set(corpus.index.shards) == {*LANGS, "de-AT"}
        [(hit, found)] = corpus.resolve(corpus.nearest(vector[0], 1, lang="de-AT"))
        assert found.doc_id == german.doc_id and hit.cosine > 0.999


def test_an_index_left_by_another_store_is_not_used(db_path, approximate):
    with Store(db_path) as store:
        store.bind_model(MODEL, DIM)
        fill(store, 900)
        Corpus.from_store(store).save()
    saved = index_folder(db_path)
    db_path.unlink()
    with Store(db_path) as store:  # a new store at the same path
        store.bind_model(MODEL, DIM)
        assert DocumentIndex.load(saved, DIM, store.index_token()) is None
        vectors = fill(store, 40, first=9000, seed=2)
        corpus = Corpus.from_store(store)
        assert len(corpus) == 40
        assert {stored.doc_id for _, stored in corpus.resolve(corpus.nearest(next(iter(vectors.values())), 40))} == set(
            vectors
        )


def test_a_damaged_index_file_is_rebuilt_from_the_store(db_path, approximate):
    with Store(db_path) as store:
        store.bind_model(MODEL, DIM)
        fill(store, 900)
        Corpus.from_store(store).save()
    for shard in index_folder(db_path).glob("*.faiss"):
        shard.write_bytes(b"not an index")
    with Store(db_path) as store:
        assert DocumentIndex.load(index_folder(db_path), DIM, store.index_token()) is None
        assert len(Corpus.from_store(store)) == 900


def test_an_inverted_file_that_does_not_match_its_manifest_is_rebuilt_not_trusted(db_path, tmp_path, approximate):
    """A valid inverted file from another store put in place of this one's (it would
    answer with the other store's documents), and one of the wrong dimension whose
    manifest entry was made to match it: neither is loaded, the index is rebuilt from
    the store, and a search answers from this store without a traceback."""
    import json
    import shutil
    import zlib

    import faiss

    other = tmp_path / "other.duckdb"
    with Store(other) as store:
        store.bind_model(MODEL, DIM)
        fill(store, 900, seed=7)
        Corpus.from_store(store).save()
    with Store(db_path) as store:
        store.bind_model(MODEL, DIM)
        vectors = fill(store, 900)
        Corpus.from_store(store).save()
    folder = index_folder(db_path)
    shutil.copyfile(index_folder(other) / "en.faiss", folder / "en.faiss")
    query_id = next(doc_id for doc_id in vectors if int(doc_id, 16) % 3 == 0)  # an English one
    with Store(db_path) as store:
        assert DocumentIndex.load(folder, DIM, store.index_token()) is None
        corpus = Corpus.from_store(store)
        assert corpus.resolve(corpus.nearest(vectors[query_id], 1, lang="en"))[0][1].doc_id == query_id
        corpus.save()
        assert DocumentIndex.load(folder, DIM, store.index_token()) is not None

    wrong = faiss.IndexFlatIP(DIM * 2)
    wrong.add(clustered(300, 3).repeat(2, axis=1))
    data = faiss.serialize_index(wrong).tobytes()
    (folder / "en.faiss").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["searchers"]["en"].update(bytes=len(data), crc32=zlib.crc32(data), count=300)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with Store(db_path) as store:
        assert DocumentIndex.load(folder, DIM, store.index_token()) is None
        corpus = Corpus.from_store(store)
        assert corpus.resolve(corpus.nearest(vectors[query_id], 1, lang="en"))[0][1].doc_id == query_id
