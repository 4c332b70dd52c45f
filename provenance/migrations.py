"""The store's schema, as an ordered list of steps (simonw/llm style).

Each step is a function of the connection and the vector dimension, applied once and
recorded in the `migrations` table by `Store`; a store knows its version by how many
it has. A schema change is one new function at the end of this file, under
`@migration`, never an edit to an applied one.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa

from .vectors import pack, text_key

Migration = Callable[[duckdb.DuckDBPyConnection, int], None]
MIGRATIONS: list[Migration] = []


def migration(step: Migration) -> Migration:
    """Register a schema step; steps run once each, in the order they are defined."""
    MIGRATIONS.append(step)
    return step


@migration
def m001_initial(con: duckdb.DuckDBPyConnection, dim: int) -> None:
    con.execute(
        f"""
        CREATE TABLE documents (
            doc_id VARCHAR PRIMARY KEY,
            url VARCHAR,
            title VARCHAR,
            site VARCHAR,
            author VARCHAR,
            published DATE,
            lang VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            cues JSON NOT NULL,
            added_at TIMESTAMP NOT NULL,
            embedding FLOAT[{dim}] NOT NULL
        );
        CREATE TABLE passages (
            doc_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            para INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            lang VARCHAR,
            text VARCHAR NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            embedding FLOAT[{dim}] NOT NULL,
            PRIMARY KEY (doc_id, idx)
        );
        CREATE TABLE embeddings (
            model VARCHAR NOT NULL,
            text_hash VARCHAR NOT NULL,
            embedding FLOAT[{dim}] NOT NULL,
            PRIMARY KEY (model, text_hash)
        );
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            suspect_id VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            params JSON NOT NULL,
            timings JSON NOT NULL,
            notes JSON NOT NULL,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE matches (
            run_id VARCHAR NOT NULL,
            rank INTEGER NOT NULL,
            source_id VARCHAR NOT NULL,
            retrieval_score DOUBLE,
            passage_score DOUBLE,
            doc_score DOUBLE,
            cue_boost DOUBLE,
            date_penalty DOUBLE,
            relation VARCHAR NOT NULL,
            confidence DOUBLE,
            direction VARCHAR NOT NULL,
            direction_reasons JSON NOT NULL,
            mode VARCHAR NOT NULL,
            suspect_aligned DOUBLE,
            source_covered DOUBLE,
            mean_link_score DOUBLE,
            order_score DOUBLE,
            same_language BOOLEAN,
            near_verbatim DOUBLE,
            shared_numbers JSON NOT NULL,
            shared_names JSON NOT NULL,
            aligned_passages INTEGER,
            body_passages INTEGER,
            PRIMARY KEY (run_id, rank)
        );
        CREATE TABLE alignments (
            run_id VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            link INTEGER NOT NULL,
            suspect_idx INTEGER[] NOT NULL,
            source_idx INTEGER[] NOT NULL,
            score DOUBLE,
            cosine DOUBLE,
            PRIMARY KEY (run_id, source_id, link)
        );
        """
    )


@migration
def m002_match_roles(con: duckdb.DuckDBPyConnection, dim: int) -> None:
    """What a related candidate is to the suspect (source, sibling, derived), and why."""
    con.execute("ALTER TABLE matches ADD COLUMN role VARCHAR NOT NULL DEFAULT ''")
    con.execute("ALTER TABLE matches ADD COLUMN role_reason VARCHAR NOT NULL DEFAULT ''")
    # runs saved before roles existed: their related verdicts were named as sources
    con.execute("UPDATE matches SET role = 'source' WHERE relation IN ('translation', 'copy', 'rewrite', 'partial')")


@migration
def m003_lineage(con: duckdb.DuckDBPyConnection, dim: int) -> None:
    """Stories: every pair the judge read while gathering one (so no pair is judged
    twice), and each story's graph, so `lineage` of any member re-reads it."""
    con.execute(
        """
        CREATE TABLE judged_pairs (
            suspect_id VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            relation VARCHAR NOT NULL,
            confidence DOUBLE NOT NULL,
            direction VARCHAR NOT NULL,
            reasons JSON NOT NULL,
            evidence JSON NOT NULL,
            links JSON NOT NULL,
            judged_at TIMESTAMP NOT NULL,
            PRIMARY KEY (suspect_id, source_id)
        )
        """
    )
    con.execute("CREATE TABLE stories (story_id VARCHAR PRIMARY KEY, built_at TIMESTAMP NOT NULL)")
    con.execute(
        """
        CREATE TABLE story_nodes (
            story_id VARCHAR NOT NULL,
            position INTEGER NOT NULL,  -- earliest first, as the graph ordered them
            node_id VARCHAR NOT NULL,  -- a doc id, or 'cited:' + what a stored article cites
            stored BOOLEAN NOT NULL,
            title VARCHAR,
            site VARCHAR,
            lang VARCHAR,
            published DATE,
            url VARCHAR,
            round_trip VARCHAR NOT NULL,
            PRIMARY KEY (story_id, node_id)
        )
        """
    )
    con.execute(
        """
        CREATE TABLE story_edges (
            story_id VARCHAR NOT NULL,
            parent_id VARCHAR NOT NULL,
            child_id VARCHAR NOT NULL,
            rank INTEGER NOT NULL,  -- 1 for the child's nearest parent
            relation VARCHAR NOT NULL,
            confidence DOUBLE NOT NULL,
            reason VARCHAR NOT NULL,
            direction_reasons JSON NOT NULL,
            kept INTEGER[] NOT NULL,
            dropped INTEGER[] NOT NULL,
            added INTEGER[] NOT NULL
        )
        """
    )


@migration
def m004_compact_vectors(con: duckdb.DuckDBPyConnection, dim: int) -> None:
    """Vectors one byte a dimension (vectors.py); a sequence number for each document,
    which the vector index keys on and passages are found by (a passage table of eight
    million rows is found through an index on it: without one, fetching the passages
    of 70 documents scattered over a million reads most of the table's vector blocks,
    1.4 GB, where the index reads 40 MB); no index on the passages' (doc_id, idx) key,
    which at that size costs more memory than the vectors; and no second copy of every
    passage vector in the embedding cache, which now reads the passages."""
    con.execute(
        """
        CREATE TABLE documents_v4 (
            doc_id VARCHAR PRIMARY KEY,
            seq BIGINT NOT NULL,
            url VARCHAR,
            title VARCHAR,
            site VARCHAR,
            author VARCHAR,
            published DATE,
            lang VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            cues JSON NOT NULL,
            added_at TIMESTAMP NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE TABLE passages_v4 (
            seq BIGINT NOT NULL,
            doc_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            para INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            lang VARCHAR,
            text VARCHAR NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            text_key UBIGINT NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE TABLE embeddings_v4 (
            model VARCHAR NOT NULL,
            text_hash VARCHAR NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, text_hash)
        );
        CREATE TEMP TABLE document_seq AS
            SELECT doc_id, row_number() OVER (ORDER BY added_at, rowid) AS seq FROM documents;
        """
    )
    count = con.execute("SELECT count(*) FROM document_seq").fetchall()[0][0]
    for first in range(0, count, MIGRATION_CHUNK):
        span = [first, first + MIGRATION_CHUNK]
        documents = con.sql(
            "SELECT d.*, s.seq FROM documents d JOIN document_seq s USING (doc_id) "
            "WHERE s.seq > ? AND s.seq <= ? ORDER BY s.seq",
            params=span,
        ).to_arrow_table()
        documents = documents.append_column("vector", pack(_float_rows(documents.column("embedding"), dim)))
        con.register("chunk", documents.drop_columns(["embedding"]))
        con.execute("INSERT INTO documents_v4 BY NAME SELECT * FROM chunk")
        con.unregister("chunk")
        passages = con.sql(
            "SELECT p.*, s.seq FROM passages p JOIN document_seq s USING (doc_id) "
            "WHERE s.seq > ? AND s.seq <= ? ORDER BY s.seq, p.idx",
            params=span,
        ).to_arrow_table()
        passages = passages.append_column("vector", pack(_float_rows(passages.column("embedding"), dim)))
        passages = passages.append_column(
            "text_key", pa.array([text_key(text) for text in passages.column("text").to_pylist()], pa.uint64())
        )
        con.register("chunk", passages.drop_columns(["embedding"]))
        con.execute("INSERT INTO passages_v4 BY NAME SELECT * FROM chunk")
        con.unregister("chunk")
    cached = con.execute("SELECT count(*) FROM embeddings").fetchall()[0][0]
    for first in range(0, cached, MIGRATION_CHUNK * 10):
        rows = con.sql(
            "SELECT model, text_hash, embedding FROM embeddings ORDER BY model, text_hash LIMIT ? OFFSET ?",
            params=[MIGRATION_CHUNK * 10, first],
        ).to_arrow_table()
        rows = rows.append_column("vector", pack(_float_rows(rows.column("embedding"), dim)))
        con.register("chunk", rows.drop_columns(["embedding"]))
        con.execute("INSERT INTO embeddings_v4 BY NAME SELECT * FROM chunk")
        con.unregister("chunk")
    # the cache keeps what no stored passage holds: a suspect traced without being kept
    con.execute(
        "DELETE FROM embeddings_v4 WHERE model = (SELECT value FROM meta WHERE key = 'model') "
        "AND ('0x' || left(text_hash, 16))::UBIGINT IN (SELECT text_key FROM passages_v4)"
    )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('next_seq', ?)", [str(count + 1)])
    con.execute(
        """
        DROP TABLE document_seq;
        DROP TABLE passages;
        DROP TABLE documents;
        DROP TABLE embeddings;
        ALTER TABLE documents_v4 RENAME TO documents;
        ALTER TABLE passages_v4 RENAME TO passages;
        ALTER TABLE embeddings_v4 RENAME TO embeddings;
        CREATE INDEX passages_seq ON passages (seq);
        CREATE INDEX documents_seq ON documents (seq);
        """
    )


@migration
def m005_ingested_items(con: duckdb.DuckDBPyConnection, dim: int) -> None:
    """The items of bulk sources (a crawl's pages, a folder's files, a feed's links)
    already stored, by URL or by a hash of their bytes, so that a re-run skips them
    before extracting them again: the way `add` resumes after Ctrl-C or a crash."""
    con.execute(
        """
        CREATE TABLE ingested_items (
            item_key VARCHAR PRIMARY KEY,  -- 'url:' + the URL the source lists, or 'sha256:' + the bytes' hash
            doc_id VARCHAR NOT NULL,  -- the (first) document the item gave
            added_at TIMESTAMP NOT NULL
        )
        """
    )


@migration
def m006_sweeps(con: duckdb.DuckDBPyConnection, dim: int) -> None:
    """One row per sweep (`provenance sweep`, or a Spark sweep imported): what it was
    asked, what it found, and the corpus records it skipped; its pairs are in judged_pairs."""
    con.execute(
        """
        CREATE TABLE sweeps (
            sweep_id VARCHAR PRIMARY KEY,
            finished_at TIMESTAMP NOT NULL,
            engine VARCHAR NOT NULL,  -- 'one machine', or the Spark master it ran on
            params JSON NOT NULL,  -- window_days, since, until, corpus files
            figures JSON NOT NULL,  -- documents, pairs, related, seconds per step
            bad_records JSON NOT NULL  -- [[origin, reason], ...]
        )
        """
    )


# --- what the steps share ---------------------------------------------------------


MIGRATION_CHUNK = 10_000  # documents a step while m004 rewrites the vectors


def _float_rows(column: pa.ChunkedArray, dim: int) -> np.ndarray:
    """An (n, dim) float32 array from a FLOAT[dim] column (the schema before m004)."""
    chunks = [chunk.flatten().to_numpy() for chunk in column.chunks]
    return np.concatenate(chunks).reshape(-1, dim) if chunks else np.empty((0, dim), dtype=np.float32)
