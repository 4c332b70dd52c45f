"""The store's schema, as an ordered list of steps (simonw/llm style).

Each step is a function of the connection and the vector dimension, applied once and
recorded in the `migrations` table by `Store`; a store knows its version by how many
it has. A schema change is one new function at the end of this file, under
`@migration`, never an edit to an applied one.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

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
