"""Outlets outside the lexicon: a cue that names the site of a stored article points at
it, in every phrasing and cue language, while a capitalised phrase that no stored site
answers to still gives no source (issue 18)."""

import pytest

from provenance.models import RawDocument
from provenance.outlets import SITE, TITLE, StoredOutlets, outlet_matches
from provenance.prepare import prepare
from provenance.tracker import Tracker

# Written for these tests: a small local story and an unrelated one.
LEDGER = (
    "The old harbour wall at Port Elling collapsed on Tuesday night after three days of heavy rain, "
    "flooding the fish market and the lower streets of the town.\n\n"
    "No one was hurt, the harbour master said, but eleven boats were damaged and two sank at their moorings.\n\n"
    "Engineers had warned the council in March that the wall, built in 1884, needed urgent repairs.\n\n"
    "The council said on Wednesday that it would ask the government for emergency funds and that the "
    "market would stay closed until the end of the month."
)
VALLEY = (
    "The county opened a new footbridge over the River Wend on Saturday, two years after floods swept "
    "the old crossing away.\n\n"
    "Several hundred people walked across it in the first hour, and the mayor cut a ribbon at the "
    "village end.\n\n"
    "The bridge cost four million pounds and was paid for by the county and a national heritage fund."
)
SUSPECTS = {
    "According to": (
        "According to The Coastal Ledger, the harbour wall at Port Elling gave way on Tuesday night after three "
        "days of heavy rain and flooded the fish market.\n\n"
        "Eleven boats were damaged and two sank, though nobody was injured.\n\n"
        "The council had been told in March that the 1884 wall needed urgent repairs."
    ),
    "the Ledger reported": (
        "The harbour wall at Port Elling gave way on Tuesday night after three days of heavy rain, the Ledger "
        "reported.\n\n"
        "Eleven boats were damaged and two sank, though nobody was injured.\n\n"
        "The council had been told in March that the 1884 wall needed urgent repairs."
    ),
    "Laut": (
        "Laut The Coastal Ledger ist die alte Hafenmauer von Port Elling am Dienstagabend nach drei Tagen "
        "Starkregen eingestürzt und hat den Fischmarkt überflutet.\n\n"
        "Elf Boote wurden beschädigt, zwei sanken an ihren Liegeplätzen; verletzt wurde niemand.\n\n"
        "Ingenieure hatten den Stadtrat schon im März gewarnt, dass die 1884 gebaute Mauer dringend repariert "
        "werden müsse."
    ),
    "Wie … berichtet": (
        "Wie The Coastal Ledger berichtet, ist die alte Hafenmauer von Port Elling am Dienstagabend nach drei "
        "Tagen Starkregen eingestürzt und hat den Fischmarkt überflutet.\n\n"
        "Elf Boote wurden beschädigt, zwei sanken an ihren Liegeplätzen; verletzt wurde niemand.\n\n"
        "Ingenieure hatten den Stadtrat schon im März gewarnt, dass die 1884 gebaute Mauer dringend repariert "
        "werden müsse."
    ),
}


@pytest.fixture
def ledger_store(db_path, tmp_path):
    """A store holding the Ledger's story and another outlet's, neither in the lexicon."""
    ledger, valley = tmp_path / "ledger.txt", tmp_path / "valley.txt"
    ledger.write_text(LEDGER, encoding="utf-8")
    valley.write_text(VALLEY, encoding="utf-8")
    with Tracker(db=db_path) as tracker:
        original = tracker.add(str(ledger), site="The Coastal Ledger", title="Harbour wall collapses", lang="en")[0].doc
        tracker.add(str(valley), site="Valley Times", title="New footbridge opens", lang="en")
    return original


@pytest.mark.parametrize("phrasing", list(SUSPECTS))
def test_a_cue_naming_a_stored_site_points_at_its_article(ledger_store, db_path, tmp_path, phrasing):
    suspect = tmp_path / "suspect.txt"
    suspect.write_text(SUSPECTS[phrasing], encoding="utf-8")
    with Tracker(db=db_path) as tracker:
        result = tracker.trace(str(suspect), keep=False)
    named = [cue for cue in result.suspect.cues if cue.outlet]
    assert [cue.outlet for cue in named] == ["Coastal Ledger"], result.suspect.cues
    assert outlet_matches(named[0], site=ledger_store.site, url=ledger_store.url, title=ledger_store.title)
    boosted = {match.source.doc_id for match in result.matches if match.candidate.cue_boost > 0}
    assert boosted == {ledger_store.doc_id}
    assert result.source is not None and result.source.source.doc_id == ledger_store.doc_id


def test_a_name_no_stored_site_answers_to_gives_no_cue(ledger_store, db_path, tmp_path):
    """A person whose surname is the end of a stored outlet's name is not that outlet."""
    suspect = tmp_path / "suspect.txt"
    suspect.write_text(SUSPECTS["According to"].replace("The Coastal Ledger", "John Ledger"), encoding="utf-8")
    with Tracker(db=db_path) as tracker:
        result = tracker.trace(str(suspect), keep=False)
    assert [cue.outlet for cue in result.suspect.cues] == []
    assert all(match.candidate.cue_boost == 0 for match in result.matches)


def _cues(text: str, stored: list[tuple[str, str]]) -> list[str | None]:
    outlets = StoredOutlets(lambda word: [(name, where) for name, where in stored if word in name.lower()])
    return [cue.outlet for cue in prepare(RawDocument(text=text, origin="t", lang="en"), outlets).cues]


def test_a_short_name_needs_one_stored_site_ending_so():
    text = "The harbour wall gave way on Tuesday night after three days of rain, the Ledger reported on Wednesday."
    assert _cues(text, [("The Coastal Ledger", SITE)]) == ["Coastal Ledger"]
    assert _cues(text, [("The Coastal Ledger", SITE), ("The Evening Ledger", SITE)]) == []  # which Ledger?
    assert _cues(text, [("The Coastal Ledger", TITLE)]) == []  # a title's part is matched whole only


def test_an_ambiguous_short_name_points_at_no_stored_site():
    """ "the Post" names an outlet by its outlet word, as it did before; with two stored
    Posts it stays that placeholder and favours neither."""
    text = "The harbour wall gave way on Tuesday night after three days of rain, the Post reported on Wednesday."
    assert _cues(text, [("The Harbour Post", SITE)]) == ["Harbour Post"]
    assert _cues(text, [("The Harbour Post", SITE), ("The Evening Post", SITE)]) == ["Post"]


def test_a_stored_domain_or_title_names_an_outlet():
    text = "According to Coastal Ledger, the harbour wall gave way on Tuesday night after three days of rain."
    assert _cues(text, [("www.coastalledger.com", SITE)]) == ["Coastal Ledger"]
    assert _cues(text, [("Coastal Ledger", TITLE)]) == ["Coastal Ledger"]
    assert _cues(text, [("Ledger", SITE)]) == []  # a stored name shorter than the cited one
    assert _cues(text, []) == []
