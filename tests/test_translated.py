"""The translation detector on lone articles: `provenance trace` through the real CLI,
Tracker and default model, with no source stored and no cue naming one in another
language (the translated article's one cue, "according to Bloomberg", names an English
outlet), notes a translated article and says nothing of an original.

The articles are read from the public bench data at test time (never committed): the
human English translation of a Russian Kommersant article (WMT22 ru-en, a test-split
document the detector was not fitted on), and an English BBC original from NTREX-128.
"""

import json

import pytest
from click.testing import CliRunner
from conftest import bench_path

from provenance import translated
from provenance.cli import NO_SOURCE_EXIT, cli

TRANSLATED_DOC = "kommersant.51718"  # WMT22 ru-en: Russian original, English reference
ORIGINAL_DOC = "bbc.381735"  # NTREX-128: an English original
STORED_DOC = "cnn.304404"  # another NTREX English original: the store must hold one document


def _record(path, doc_id: str) -> dict:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["doc_id"] == doc_id:
                return record
    raise AssertionError(f"{doc_id} is not in {path}")


def _article(sentences: list[str]) -> str:
    """Two sentences a paragraph, as an article pasted from the web reads."""
    return "\n\n".join(" ".join(sentences[n : n + 2]) for n in range(0, len(sentences), 2))


@pytest.fixture
def articles(tmp_path):
    ru_en = _record(bench_path("wmt22", "wmt22.ru-en.jsonl"), TRANSLATED_DOC)
    ntrex = bench_path("ntrex", "ntrex.eng.jsonl")
    files = {
        "translated": _article(ru_en["ref_sentences"]["A"]),
        "original": _article(_record(ntrex, ORIGINAL_DOC)["sentences"]),
        "stored": _article(_record(ntrex, STORED_DOC)["sentences"]),
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _trace(runner: CliRunner, path) -> dict:
    result = runner.invoke(cli, ["trace", str(path), "--json", "--no-store"])
    assert result.exit_code == NO_SOURCE_EXIT, result.output  # a lone article: no source stored
    return json.loads(result.stdout)


def test_trace_notes_a_lone_translation_and_not_an_original(articles):
    runner = CliRunner()
    added = runner.invoke(cli, ["add", str(articles["stored"])])
    assert added.exit_code == 0, added.output

    notes = _trace(runner, articles["translated"])["notes"]
    detected = [note for note in notes if note.startswith("reads as a translation")]
    assert len(detected) == 1, notes
    reading = translated.read(articles["translated"].read_text(encoding="utf-8"), "en")
    assert reading.probability >= reading.threshold
    assert detected[0] == reading.note()
    assert detected[0].endswith("likely from ru")

    assert not [note for note in _trace(runner, articles["original"])["notes"] if "translation" in note]


def test_no_reading_where_the_model_cannot_read():
    """A language the model was not fitted for, or too short a text, gets no reading
    (and so no note), rather than a guess."""
    long_text = "Le conseil municipal a approuvé un plan. " * 30
    assert translated.read(long_text, "fr") is not None
    assert translated.read(long_text, "vi") is None  # Vietnamese is only ever a translation in the data
    assert translated.read("Le conseil a voté.", "fr") is None
    assert translated.note("Le conseil a voté.", "fr") == []
    assert set(translated.languages()) >= {"en", "de", "fr", "ru", "uk", "ja", "zh"}


def test_the_benchmark_set_splits_by_source_item():
    """A reference, its MT outputs and its original share one split, so the detector's
    test figures never read a text whose other versions it was fitted on."""
    bench_path("wmt22", "wmt22.ru-en.jsonl")
    from benchmarks.translated import languages_in, translated_set

    texts = translated_set()
    splits: dict[str, set[str]] = {}
    for text in texts:
        splits.setdefault(text.item, set()).add(text.split)
    assert all(len(found) == 1 for found in splits.values())
    counts = languages_in([text for text in texts if text.split == "dev"])
    for lang in translated.languages():
        assert min(counts[lang].values()) >= 15, (lang, counts[lang])
