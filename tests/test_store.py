"""The DuckDB store on real files: round trips, the embedding cache, runs, and every
way opening or writing a store can fail. Vectors are random unit vectors: the store
keeps whatever it is given, so no model is needed here."""

import dataclasses
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest

from provenance.errors import AmbiguousId, NotFound, StoreError
from provenance.models import (
    BOILERPLATE,
    REWRITE,
    SOURCE_FIRST,
    TRANSLATION,
    Candidate,
    Cue,
    Document,
    Evidence,
    Link,
    Match,
    Passage,
    TraceResult,
)
from provenance.store import SCHEMA_VERSION, RunSummary, Store, default_db_path

MODEL = "test:random-unit-vectors"
DIM = 384


def unit_vectors(count: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def close(stored: np.ndarray, given: np.ndarray) -> bool:
    """Vectors as the store gives them back: one byte a dimension, renormalised, so
    each row points where the given one did, to a cosine of 0.9995."""
    given = np.atleast_2d(given)
    given = given / np.linalg.norm(given, axis=1, keepdims=True)
    stored = np.atleast_2d(stored)
    return stored.shape == given.shape and bool(((stored * given).sum(axis=1) >= 0.9995).all())


def make_document(doc_id: str, sentences: list[str], lang: str = "en", **metadata) -> Document:
    """A document whose passages are `sentences`, one paragraph each, with true character spans."""
    text = "\n\n".join(sentences)
    passages, cursor = [], 0
    for idx, sentence in enumerate(sentences):
        start = text.index(sentence, cursor)
        cursor = start + len(sentence)
        passages.append(Passage(idx=idx, para=idx, text=sentence, lang=lang, start=start, end=cursor))
    return Document(doc_id=doc_id, text=text, lang=lang, passages=passages, **metadata)


def add(store: Store, doc: Document, seed: int = 0) -> np.ndarray:
    """Store `doc` with random passage vectors; returns them."""
    vectors = unit_vectors(len(doc.passages), seed)
    doc_vec = vectors.mean(axis=0) if len(vectors) else np.zeros(DIM, np.float32)
    assert store.add_documents([(doc, vectors, doc_vec)]) == {doc.doc_id}
    return vectors


@pytest.fixture
def store(db_path):
    with Store(db_path) as opened:
        opened.bind_model(MODEL, DIM)
        yield opened


VIETNAMESE = make_document(
    "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c",
    [
        "Tổng thống Pháp cho biết châu Âu cần tự chủ hơn về quốc phòng.",
        "Theo Politico, kế hoạch sẽ được công bố vào tuần tới.",
        "Ảnh: Reuters 📷",
        "Bình luận (0)",
    ],
    lang="vi",
    title="Châu Âu tính chuyện tự chủ quốc phòng — «bản tin» 🇪🇺",
    url="https://vnexpress.net/chau-au-tu-chu-quoc-phong-4790000.html",
    site="VnExpress",
    author="Như Tâm (Theo Politico)",
    published="2024-09-12",
    cues=[
        Cue(kind="byline", text="(Theo Politico)", outlet="Politico", domain="politico.com", lang="vi", passage=None),
        Cue(kind="according_to", text="Theo Politico", outlet="Politico", lang="vi", passage=1),
        Cue(kind="source", text="Nguồn: https://politico.eu/x", url="https://politico.eu/x", domain="politico.eu"),
    ],
)
VIETNAMESE.passages[2].kind = BOILERPLATE
VIETNAMESE.passages[3].kind = BOILERPLATE


def test_default_path_is_the_working_directory_unless_the_environment_names_one(monkeypatch, tmp_path):
    monkeypatch.delenv("PROVENANCE_DB")
    assert default_db_path() == Path("provenance.duckdb")
    monkeypatch.setenv("PROVENANCE_DB", str(tmp_path / "elsewhere.duckdb"))
    assert default_db_path() == tmp_path / "elsewhere.duckdb"


def test_a_document_round_trips_with_every_field_and_its_vectors(store, db_path):
    vectors = add(store, VIETNAMESE)
    store.close()

    with Store(db_path, create=False) as reopened:
        loaded = reopened.get_document(VIETNAMESE.doc_id)
        assert dataclasses.replace(loaded, added_at=None) == VIETNAMESE
        assert datetime.fromisoformat(loaded.added_at)
        assert [p.kind for p in loaded.body] == ["body", "body"]
        stored = reopened.passage_vectors([VIETNAMESE.doc_id])[VIETNAMESE.doc_id]
        assert stored.dtype == np.float32
        assert close(stored, vectors)
        [(seqs, langs, matrix)] = reopened.document_vectors()
        assert list(seqs) == [reopened.seq_of(VIETNAMESE.doc_id)] and langs == ["vi"]
        assert close(matrix[0], vectors.mean(axis=0))


def test_a_document_with_no_metadata_round_trips_with_nones(store):
    bare = make_document("0000aaaa", ["Only one line of text here."], lang="und")
    add(store, bare)
    assert dataclasses.replace(store.get_document("0000aaaa"), added_at=None) == bare


def test_adding_the_same_document_twice_is_a_no_op(store):
    vectors = add(store, VIETNAMESE, seed=1)
    assert store.add_documents([(VIETNAMESE, unit_vectors(4, seed=2), unit_vectors(1, seed=2)[0])]) == set()
    assert len(store.documents()) == 1
    assert close(store.passage_vectors([VIETNAMESE.doc_id])[VIETNAMESE.doc_id], vectors)


def test_a_batch_skips_stored_documents_and_repeats_and_writes_the_rest(store):
    add(store, VIETNAMESE, seed=1)
    first = make_document("first000", ["The first new story."])
    second = make_document("second00", ["The second new story.", "It has two lines."])
    added = store.add_documents(
        [
            (VIETNAMESE, unit_vectors(4, seed=2), unit_vectors(1, seed=2)[0]),
            (first, unit_vectors(1, seed=3), unit_vectors(1, seed=3)[0]),
            (second, unit_vectors(2, seed=4), unit_vectors(1, seed=4)[0]),
            (first, unit_vectors(1, seed=5), unit_vectors(1, seed=5)[0]),
        ]
    )
    assert added == {"first000", "second00"}
    assert len(store.documents()) == 3
    vectors = store.passage_vectors(["first000", "second00"])
    assert close(vectors["first000"], unit_vectors(1, seed=3))
    assert close(vectors["second00"], unit_vectors(2, seed=4))
    assert store.get_document("second00").passages == second.passages


def test_documents_lists_metadata_newest_first(store):
    for number in range(3):
        add(store, make_document(f"doc{number}aaaa", [f"Story number {number}."], title=f"Story {number}"))
    listed = store.documents()
    assert [doc.doc_id for doc in listed] == ["doc2aaaa", "doc1aaaa", "doc0aaaa"]
    assert all(doc.passages == [] for doc in listed)
    assert listed[0].title == "Story 2"


def test_documents_are_found_by_unique_prefix_and_refused_otherwise(store):
    add(store, make_document("abcd1111", ["First story."]))
    add(store, make_document("abcd2222", ["Second story."]))
    assert store.get_document("abcd1").doc_id == "abcd1111"
    assert store.stored_ids(["abcd1111", "abcd1"]) == {"abcd1111"}
    # ambiguity and a short prefix are not "no such id": a trace would then look for a file
    with pytest.raises(AmbiguousId, match=r"'abcd' is ambiguous .*abcd1111, abcd2222.*give more characters"):
        store.get_document("abcd")
    with pytest.raises(AmbiguousId, match="prefix 'abc' is too short: give at least 4 characters"):
        store.get_document("abc")
    assert not issubclass(AmbiguousId, NotFound)
    with pytest.raises(NotFound, match="no document 'ffff'"):
        store.get_document("ffff")
    with pytest.raises(NotFound, match="no document 'fff'"):
        store.get_document("fff")


def test_passage_vectors_come_back_per_document_in_passage_order(store):
    long_doc = make_document("long0000", [f"Sentence {i}." for i in range(7)])
    empty_doc = make_document("empty000", [])
    long_vectors = add(store, long_doc, seed=3)
    store.add_documents([(empty_doc, np.empty((0, DIM), np.float32), np.zeros(DIM, np.float32))])
    vectors = store.passage_vectors(["long0000", "empty000"])
    assert list(vectors) == ["long0000", "empty000"]
    assert close(vectors["long0000"], long_vectors)
    assert vectors["empty000"].shape == (0, DIM)
    with pytest.raises(NotFound, match="no document 'nope'"):
        store.passage_vectors(["long0000", "nope"])


def test_document_vectors_hold_every_document_vector_in_the_order_stored(store):
    doc_vectors, items = {}, []
    for number in range(300):
        doc = make_document(f"{number:08x}", [f"Line {number}a.", f"Line {number}b."])
        doc_vectors[doc.doc_id] = unit_vectors(1, seed=number)[0]
        items.append((doc, unit_vectors(2, seed=1000 + number), doc_vectors[doc.doc_id]))
    assert store.add_documents(items) == set(doc_vectors)
    batches = list(store.document_vectors(batch_rows=128))
    assert [len(seqs) for seqs, _, _ in batches] == [128, 128, 44]
    seqs = np.concatenate([seqs for seqs, _, _ in batches])
    matrix = np.concatenate([vectors for _, _, vectors in batches])
    assert matrix.shape == (300, DIM) and matrix.dtype == np.float32
    ids = [store.documents_by_seq([int(seq)])[int(seq)].doc_id for seq in seqs]
    assert ids == [f"{number:08x}" for number in range(300)]  # one batch, stored in the order given
    assert close(matrix, np.stack([doc_vectors[doc_id] for doc_id in ids]))
    assert [list(s) for s, _, _ in store.document_vectors(after_seq=int(seqs[-2]))] == [[seqs[-1]]]


def test_embedding_cache_returns_what_was_put_and_keeps_the_first_vector_of_a_hash(store):
    vectors = unit_vectors(3, seed=4)
    store.put_embeddings(MODEL, ["h1", "h2", "h1"], vectors)
    store.put_embeddings(MODEL, ["h2"], unit_vectors(1, seed=5))
    store.put_embeddings(MODEL, [], np.empty((0, DIM), np.float32))
    cached = store.cached_embeddings(MODEL, ["h1", "h2", "unseen"])
    assert set(cached) == {"h1", "h2"}
    assert close(cached["h2"], vectors[1])
    assert close(cached["h1"], vectors[0])
    assert store.cached_embeddings("another-model", ["h1"]) == {}
    assert store.cached_embeddings(MODEL, []) == {}


def test_a_store_refuses_a_second_model_or_dimension(store, db_path):
    store.bind_model(MODEL, DIM)
    expected = rf"{db_path} holds embeddings of {MODEL} \(384 dims\); use --model {MODEL} or a new --db"
    with pytest.raises(StoreError, match=expected):
        store.bind_model("st:sentence-transformers/LaBSE", 768)
    with pytest.raises(StoreError, match=expected):
        store.bind_model(MODEL, 768)
    with pytest.raises(StoreError, match=expected):
        store.put_embeddings("st:other", ["h"], unit_vectors(1, dim=DIM))
    store.close()
    with Store(db_path) as reopened:
        assert (reopened.model, reopened.dim) == (MODEL, DIM)


def test_a_fresh_store_is_empty_until_a_model_is_bound(db_path):
    with Store(db_path) as fresh:
        assert (fresh.model, fresh.dim) == (None, None)
        assert fresh.documents() == [] and fresh.runs() == []
        assert list(fresh.document_vectors()) == [] and fresh.seq_of("anything") is None
        assert fresh.stored_ids(["anything"]) == set()
        assert fresh.cached_embeddings(MODEL, ["h"]) == {}
        with pytest.raises(NotFound, match="the store is empty"):
            fresh.get_document("abcd")
        with pytest.raises(StoreError, match="no embedding model yet"):
            fresh.add_documents([(VIETNAMESE, unit_vectors(4), unit_vectors(1)[0])])


def test_a_failed_write_leaves_no_half_document(store):
    wrong_width = unit_vectors(4, dim=DIM - 1)
    fine = make_document("fine0000", ["A story that is stored correctly."])
    with pytest.raises(ValueError, match="passage_vecs has shape"):
        store.add_documents(
            [(fine, unit_vectors(1), unit_vectors(1)[0]), (VIETNAMESE, wrong_width, unit_vectors(1)[0])]
        )
    assert store.stored_ids([fine.doc_id, VIETNAMESE.doc_id]) == set()
    assert store.documents() == []
    add(store, VIETNAMESE)
    assert len(store.get_document(VIETNAMESE.doc_id).passages) == 4


def test_a_write_that_fails_in_the_database_is_rolled_back_whole(store):
    # documents are written before passages; a passage without a kind fails the second
    # insert, and the first must be undone with it
    broken = make_document("broken00", ["A line that will lose its kind."])
    broken.passages[0].kind = None
    fine = make_document("fine0000", ["A story that is stored correctly."])
    with pytest.raises(duckdb.Error):
        store.add_documents(
            [(fine, unit_vectors(1), unit_vectors(1)[0]), (broken, unit_vectors(1), unit_vectors(1)[0])]
        )
    assert store.stored_ids([fine.doc_id, broken.doc_id]) == set()
    assert store.documents() == []


def _trace(store: Store, run_id: str, created_at: str | None = "2024-09-13T08:15:00+00:00") -> TraceResult:
    suspect = make_document("suspect0", ["Europe weighs defence autonomy.", "Photo: Reuters", "Comment (0)"])
    politico = make_document("politico", ["Europe must defend itself, Macron says.", "A plan comes next week."])
    vnexpress = VIETNAMESE
    for seed, doc in enumerate((suspect, politico, vnexpress)):
        if not store.stored_ids([doc.doc_id]):
            add(store, doc, seed)
    suspect, politico, vnexpress = (store.get_document(d.doc_id) for d in (suspect, politico, vnexpress))
    return TraceResult(
        run_id=run_id,
        suspect=suspect,
        matches=[
            Match(
                source=vnexpress,
                candidate=Candidate(vnexpress.doc_id, 0.81, 0.77, 0.12, cue_boost=0.05),
                relation=TRANSLATION,
                confidence=0.93,
                direction=SOURCE_FIRST,
                direction_reasons=["published a day earlier", "byline says «Theo Politico»"],
                evidence=Evidence(0.67, 0.5, 1.42, 1.0, False, 0.0, ["11"], ["Macron"], 2, 3),
                links=[Link((0,), (0, 1), 1.6, 0.91), Link((1, 2), (), 0.0, 0.0), Link((), (2, 3), 0.0, 0.0)],
                mode="monotone",
            ),
            Match(
                source=politico,
                candidate=Candidate(politico.doc_id, 0.4, 0.3, 0.02, date_penalty=0.1),
                relation=REWRITE,
                confidence=0.55,
                direction=SOURCE_FIRST,
                direction_reasons=[],
                evidence=Evidence(0.33, 0.5, 1.1, 0.5, True, 0.0),
                links=[Link((0,), (1,), 1.1, 0.88)],
                mode="best-match",
            ),
        ],
        model=MODEL,
        params={"top_k": 5, "margin": {"k": 4, "kind": "ratio"}, "langs": ["vi", "en"]},
        timings={"embed": 1.25, "align": 0.031},
        created_at=created_at,
        notes=["Byline cue «Theo Politico»: likely a translation"],
    )


def test_a_run_round_trips_exactly_and_by_prefix(store, db_path):
    result = _trace(store, "run-7f3a9c")
    store.save_run(result)
    store.close()
    with Store(db_path, create=False) as reopened:
        assert reopened.load_run("run-7f3a9c") == result
        assert reopened.load_run("run-7f").run_id == "run-7f3a9c"
        assert reopened.load_run("run-7f").matches[0].unmatched == [1, 2]
        with pytest.raises(NotFound, match="no run 'run-0000'"):
            reopened.load_run("run-0000")


def test_every_reported_score_is_a_row_plain_sql_can_read(store, db_path):
    store.save_run(_trace(store, "run-sql"))
    store.close()
    con = duckdb.connect(str(db_path), read_only=True)
    rows = con.execute(
        "SELECT m.rank, m.relation, m.confidence, count(a.link) FROM matches m "
        "JOIN alignments a USING (run_id, source_id) GROUP BY ALL ORDER BY m.rank"
    ).fetchall()
    con.close()
    assert rows == [(1, TRANSLATION, 0.93, 3), (2, REWRITE, 0.55, 1)]


def test_runs_are_listed_newest_first_and_stamped_when_unstamped(store):
    store.save_run(_trace(store, "run-old", created_at="2024-01-01T00:00:00+02:00"))
    store.save_run(_trace(store, "run-new", created_at=None))
    listed = store.runs()
    assert [run.run_id for run in listed] == ["run-new", "run-old"]
    assert listed[1] == RunSummary(
        run_id="run-old",
        created_at="2023-12-31T22:00:00+00:00",
        suspect_id="suspect0",
        suspect_title="Europe weighs defence autonomy.",
        relation=TRANSLATION,
        source_id=VIETNAMESE.doc_id,
        source_title=VIETNAMESE.title,
        confidence=0.93,
    )
    assert datetime.fromisoformat(listed[0].created_at).year >= 2024


def test_runs_are_filtered_like_llm_logs(store):
    store.save_run(_trace(store, "run-jan", created_at="2024-01-05T00:00:00+00:00"))
    store.save_run(_trace(store, "run-sep", created_at="2024-09-05T00:00:00+00:00"))
    unrelated = _trace(store, "run-none", created_at="2024-09-06T00:00:00+00:00")
    for match in unrelated.matches:
        match.relation = "unrelated"
    store.save_run(unrelated)

    def ids(**filters):
        return [run.run_id for run in store.runs(**filters)]

    assert ids() == ["run-none", "run-sep", "run-jan"]
    assert ids(since="2024-09-01") == ["run-none", "run-sep"]
    assert ids(relation="translation") == ["run-sep", "run-jan"]
    assert ids(relation="unrelated") == ["run-none"]
    assert ids(source="politico") == ["run-sep", "run-jan"]  # found related; the unrelated run did not
    assert ids(suspect="susp") == ids()
    assert ids(words=["EUROPE", "defence"]) == ids() and ids(words=["football"]) == []
    assert ids(limit=1) == ["run-none"]
    assert store.runs(relation="unrelated")[0].source_id is None
    # how many the unlimited list holds, so that `runs -n 1` says "1 of 3"
    assert store.count_runs() == 3 and store.count_runs(relation="translation") == 2
    assert store.count_runs(since="2024-09-01", source="politico") == 1 and store.count_runs(words=["football"]) == 0
    undecided = _trace(store, "run-short", created_at="2024-09-07T00:00:00+00:00")
    for match in undecided.matches:
        match.relation = "undecided"
    store.save_run(undecided)
    assert ids(relation="undecided") == ["run-short"] and store.count_runs(relation="undecided") == 1


def test_documents_are_filtered_by_site_language_dates_and_words(store):
    add(store, VIETNAMESE)
    add(
        store,
        make_document(
            "politico",
            ["Europe must defend itself, Macron says."],
            site="Politico Europe",
            published="2024-09-11",
            title="Macron on defence",
        ),
    )
    add(store, make_document("guardian", ["Rain is expected all week."], site="The Guardian", published="2024-08-01"))

    def ids(**filters):
        return [doc.doc_id for doc in store.documents(**filters)]

    assert ids(site="politico") == ["politico"]
    assert ids(lang="vi") == [VIETNAMESE.doc_id]
    assert ids(since="2024-09-01") == ["politico", VIETNAMESE.doc_id]
    assert ids(until="2024-09-11", since="2024-09-11") == ["politico"]
    assert ids(words=["macron", "DEFENCE"]) == ["politico"]  # title or text, any case, every word
    assert ids(words=["50%_"]) == []  # no wildcards: the words are matched as written
    assert ids(limit=2) == ["guardian", "politico"]


def test_metadata_is_corrected_and_only_metadata(store):
    add(store, VIETNAMESE)
    doc_id, changes = store.update_document(VIETNAMESE.doc_id[:8], published="2020-01-01", site="VnExpress")
    assert doc_id == VIETNAMESE.doc_id
    assert changes == {"published": ("2024-09-12", "2020-01-01")}  # the site was already so
    assert store.get_document(doc_id).published == "2020-01-01"
    assert store.update_document(doc_id, published="2020-01-01") == (doc_id, {})
    with pytest.raises(ValueError, match="cannot update text"):
        store.update_document(doc_id, text="another text")


def test_a_document_in_a_run_is_kept_until_the_run_is_deleted(store):
    store.save_run(_trace(store, "run-keep"))
    with pytest.raises(StoreError, match=r"document politico is part of 1 stored run \(run-keep\); delete it first"):
        store.delete_document("politico")
    assert store.delete_run("run-k") == "run-keep"
    assert store.runs() == []
    with pytest.raises(NotFound):
        store.load_run("run-keep")
    assert store.delete_document("politico") == "politico"
    assert not store.stored_ids(["politico"]) and not store.passage_vectors(["suspect0"]) == {}
    with pytest.raises(NotFound):
        store.get_document("politico")


def test_numpy_scalars_from_the_scorers_are_stored_as_plain_numbers(store):
    result = _trace(store, "run-numpy")
    result.params = {"top_k": np.int64(5), "weights": np.array([0.5, 0.25])}
    result.matches[0].confidence = np.float32(0.75)
    store.save_run(result)
    loaded = store.load_run("run-numpy")
    assert loaded.params == {"top_k": 5, "weights": [0.5, 0.25]}
    assert loaded.matches[0].confidence == 0.75


def test_a_run_that_fails_half_way_leaves_nothing(store):
    result = _trace(store, "run-broken")
    # The same source twice repeats its alignment keys, so the last insert fails.
    result.matches.append(result.matches[0])
    with pytest.raises(duckdb.Error):
        store.save_run(result)
    assert store.runs() == []
    with pytest.raises(NotFound):
        store.load_run("run-broken")


def test_a_run_must_refer_to_stored_documents_and_be_new(store):
    result = _trace(store, "run-once")
    store.save_run(result)
    with pytest.raises(StoreError, match="run run-once is already in"):
        store.save_run(result)
    orphan = dataclasses.replace(result, run_id="run-orphan", suspect=make_document("unstored", ["Not stored."]))
    with pytest.raises(StoreError, match=r"refers to documents not in .*\(unstored\)"):
        store.save_run(orphan)
    assert [run.run_id for run in store.runs()] == ["run-once"]


def test_a_store_from_a_newer_provenance_is_refused(store, db_path):
    store.close()
    con = duckdb.connect(str(db_path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    expected = rf"was written by a newer provenance \(schema 99, this one knows {SCHEMA_VERSION}\); upgrade provenance"
    with pytest.raises(StoreError, match=expected):
        Store(db_path)


def test_a_bound_store_missing_its_tables_is_migrated_on_open(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute("CREATE TABLE migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    con.execute(f"INSERT INTO meta VALUES ('model', '{MODEL}'), ('dim', '{DIM}')")
    con.close()
    with Store(db_path) as upgraded:
        add(upgraded, VIETNAMESE)
        assert upgraded.stored_ids([VIETNAMESE.doc_id]) == {VIETNAMESE.doc_id}
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert con.execute("SELECT count(*) FROM migrations").fetchone() == (SCHEMA_VERSION,)
    con.close()


def test_a_store_of_float_vectors_is_upgraded_to_packed_vectors_and_numbered_documents(db_path):
    """A store written before m004 (FLOAT[dim] vectors, every passage vector cached
    twice) keeps its documents and vectors, gets sequence numbers in the order stored,
    and keeps in the cache only what no stored passage holds."""
    from provenance.migrations import MIGRATIONS
    from provenance.vectors import text_hash

    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute("CREATE TABLE migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    con.execute(f"INSERT INTO meta VALUES ('model', '{MODEL}'), ('dim', '{DIM}'), ('schema_version', '3')")
    for step in MIGRATIONS[:3]:
        step(con, DIM)
        con.execute("INSERT INTO migrations VALUES (?, now())", [step.__name__])
    docs = [
        make_document(f"old{n:05d}", [f"Old story {n}, first line.", f"Old story {n}, second line."]) for n in range(3)
    ]
    vectors = {doc.doc_id: unit_vectors(2, seed=n) for n, doc in enumerate(docs)}
    for minute, doc in enumerate(docs):
        con.execute(
            "INSERT INTO documents VALUES (?, NULL, NULL, NULL, NULL, NULL, 'en', ?, '[]', ?, ?)",
            [doc.doc_id, doc.text, datetime(2024, 9, 1, 8, minute), vectors[doc.doc_id].mean(axis=0).tolist()],
        )
        for p in doc.passages:
            con.execute(
                "INSERT INTO passages VALUES (?, ?, ?, 'body', 'en', ?, ?, ?, ?)",
                [doc.doc_id, p.idx, p.para, p.text, p.start, p.end, vectors[doc.doc_id][p.idx].tolist()],
            )
            con.execute(
                "INSERT INTO embeddings VALUES (?, ?, ?)",
                [MODEL, text_hash(p.text), vectors[doc.doc_id][p.idx].tolist()],
            )
    con.execute(
        "INSERT INTO embeddings VALUES (?, ?, ?)",
        [MODEL, text_hash("a suspect never kept"), unit_vectors(1, 9)[0].tolist()],
    )
    con.close()

    with Store(db_path) as upgraded:
        assert [upgraded.seq_of(doc.doc_id) for doc in docs] == [1, 2, 3]
        for doc in docs:
            assert upgraded.get_document(doc.doc_id).passages == doc.passages
            assert close(upgraded.passage_vectors([doc.doc_id])[doc.doc_id], vectors[doc.doc_id])
        assert upgraded._con.execute("SELECT count(*) FROM embeddings").fetchall() == [(1,)]
        texts = [p.text for p in docs[1].passages] + ["a suspect never kept"]
        cached = upgraded.cached_embeddings(MODEL, [text_hash(text) for text in texts])
        assert close(
            np.stack([cached[text_hash(text)] for text in texts]),
            np.concatenate([vectors[docs[1].doc_id], unit_vectors(1, 9)]),
        )
        upgraded.delete_document(docs[2].doc_id)
        add(upgraded, VIETNAMESE)
        assert upgraded.seq_of(VIETNAMESE.doc_id) == 4  # a deleted document's number is not given again


def test_a_store_in_use_by_another_process_is_refused_with_its_pid(store, db_path):
    store.close()
    hold_open = "import sys, time, duckdb; db = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", hold_open, str(db_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match=rf"is in use by another process \(pid {holder.pid}\); close it or use"):
            Store(db_path)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_file_that_is_not_a_duckdb_store_is_refused(tmp_path):
    text_file = tmp_path / "notes.duckdb"
    text_file.write_text("These are my notes, not a database.\n", encoding="utf-8")
    with pytest.raises(StoreError, match="is not a provenance store \\(not a DuckDB file\\)"):
        Store(text_file)

    sqlite_file = tmp_path / "notes.sqlite"
    sqlite_db = sqlite3.connect(sqlite_file)
    sqlite_db.execute("CREATE TABLE notes (body TEXT)")
    sqlite_db.commit()
    sqlite_db.close()
    with pytest.raises(StoreError, match="is not a provenance store \\(not a DuckDB file\\)"):
        Store(sqlite_file)

    other_database = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other_database))
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="is a DuckDB file but not a provenance store"):
        Store(other_database)

    with pytest.raises(StoreError, match="cannot open .*directory"):
        Store(tmp_path)


def test_opening_without_create_refuses_a_missing_store(tmp_path):
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(StoreError, match="no store at .*: add documents first"):
        Store(missing, create=False)
    assert not missing.exists()


def test_a_store_created_and_never_used_leaves_no_file(tmp_path):
    unused = tmp_path / "unused.duckdb"
    Store(unused).close()
    assert list(tmp_path.iterdir()) == []
    used = tmp_path / "used.duckdb"
    with Store(used) as store:
        store.bind_model(MODEL, DIM)
    assert used.exists()


def test_a_folder_that_cannot_be_made_is_one_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StoreError, match="cannot create the folder for .*a-file/sub/store.duckdb"):
        Store(blocker / "sub" / "store.duckdb")


@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_a_damaged_store_is_one_error_naming_the_damage(store, db_path, damage):
    for number in range(40):
        add(store, make_document(f"doc{number:05d}", [f"Story {number}. " * 300]), seed=number)
    store.close()
    data = bytearray(db_path.read_bytes())
    if damage == "truncated":
        del data[len(data) // 10 :]
    else:
        data[300_000:320_000] = bytes(20_000)
    db_path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"is damaged \(.*\); restore a copy, or start a new store with --db"):
        with Store(db_path) as damaged:
            damaged.documents()
            damaged.doc_matrix()


# A full disk, simulated with a file size limit (SIGXFSZ ignored, so a write past it
# fails with EFBIG as a write to a full disk fails with ENOSPC), in a child process.
FULL_DISK_WRITE = """
import resource, signal, sys
import numpy as np
from provenance.models import Document, Passage
from provenance.store import Store
from provenance.errors import StoreError
store = Store(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, resource.RLIM_INFINITY))
text = "A long story. " * 4000
vectors = np.ones((1, 384), np.float32)
try:
    store.add_documents([(Document("big00000", text, "en", [Passage(0, 0, text, "en")]), vectors, vectors[0])])
except StoreError as error:
    print(error)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print(sorted(store.stored_ids(["big00000", "doc00000"])))
"""


def test_a_full_disk_is_one_error_and_the_store_stays_whole(store, db_path):
    add(store, make_document("doc00000", ["A story stored before the disk filled up."]))
    store.close()
    finished = subprocess.run(
        [sys.executable, "-c", FULL_DISK_WRITE, str(db_path)],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    error, stored = finished.stdout.strip().splitlines()
    assert error.startswith(f"cannot write to {db_path}: ") and error.endswith("; nothing was half-written"), error
    assert "File too large" in error
    assert stored == "['doc00000']"
    with Store(db_path) as reopened:
        assert [doc.doc_id for doc in reopened.documents()] == ["doc00000"]
