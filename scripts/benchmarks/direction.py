"""The direction benchmark: which of an (original, translation) pair came first.

Pairs from NTREX, WMT22 and IWSLT (data.direction_set) in random order, judged three
ways: from the texts alone, with publication dates, and with attribution cues. The
text-alone figure is provenance.direction.text_direction's; the judge's own answer on
the same pairs is reported beside it.
"""

from __future__ import annotations

from collections import defaultdict

from provenance.direction import text_direction
from provenance.judge import compare
from provenance.models import UNKNOWN

from .data import DIRECTION_FULL, DIRECTION_QUICK, SEED, Pair, direction_set, with_cues, with_dates
from .records import show
from .workspace import Workspace, embed_all, pair_vectors


def run(ws: Workspace) -> dict:
    sizes = DIRECTION_QUICK if ws.quick else DIRECTION_FULL
    pairs = direction_set(SEED, **sizes)
    tracker = ws.tracker()
    embed_all(tracker, [cued for pair in pairs for cued in (pair, with_cues(pair))])

    conditions: dict[str, list[tuple[Pair, str]]] = defaultdict(list)
    for pair in pairs:
        for condition, variant in (("text", pair), ("dates", with_dates(pair)), ("cues", with_cues(pair))):
            suspect, suspect_vecs, source, source_vecs = pair_vectors(tracker, variant)
            conditions[condition].append((variant, compare(suspect, suspect_vecs, source, source_vecs).direction))
            if condition == "text":
                first, _, _ = text_direction(suspect, source)
                conditions["text (text_direction)"].append((variant, first))

    def scores(answers: list[tuple[Pair, str]]) -> dict:
        answered = [(pair, said) for pair, said in answers if said != UNKNOWN]
        right = sum(pair.label == said for pair, said in answered)
        return {
            "pairs": len(answers),
            "accuracy": right / len(answers),
            "answered": len(answered) / len(answers),
            "accuracy_answered": right / len(answered) if answered else float("nan"),
            "missed": [f"{pair.pair_id}: {said}" for pair, said in answers if said != pair.label][:20],
        }

    table = {}
    for condition, answers in conditions.items():
        table[condition] = {"all": scores(answers)}
        for corpus in ("ntrex", "wmt22", "iwslt"):
            subset = [(pair, said) for pair, said in answers if pair.kind.startswith(f"direction/{corpus}")]
            if subset:
                table[condition][corpus] = scores(subset)
        test = [(pair, said) for pair, said in answers if pair.split == "test"]
        table[condition]["test split"] = scores(test)
    show(
        f"direction: {len(pairs)} (original, translation) pairs in random order",
        ["condition", "subset", "pairs", "accuracy", "answered", "accuracy when answered"],
        [[condition, subset, s["pairs"], s["accuracy"], s["answered"], s["accuracy_answered"]]
         for condition, subsets in table.items() for subset, s in subsets.items()],
    )  # fmt: skip
    text_alone = table["text (text_direction)"]
    figures = {
        "direction.accuracy.text": text_alone["all"]["accuracy"],
        "direction.accuracy.text.test": text_alone["test split"]["accuracy"],
        "direction.accuracy.text_judge": table["text"]["all"]["accuracy"],
        "direction.accuracy.dates": table["dates"]["all"]["accuracy"],
        "direction.accuracy.cues": table["cues"]["all"]["accuracy"],
    }
    return {
        "data_files": ["ntrex/ntrex.*.jsonl", "wmt22/wmt22.*.jsonl", "iwslt15-envi/iwslt15.en-vi.jsonl"],
        "params": {"seed": SEED, **sizes, "pairs": len(pairs)},
        "figures": figures,
        "conditions": table,
    }
