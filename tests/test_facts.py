"""facts.py: the numbers and names an aligned pair disagrees on."""

from decimal import Decimal

import pytest

from provenance.facts import Differences, differences, number_values


@pytest.mark.parametrize(
    "written, values",
    [
        ("4,7", {"4.7"}),
        ("4.7", {"4.7"}),
        ("250 000", {"250000"}),
        ("250\u202f000", {"250000"}),
        ("250,000", {"250000", "250"}),  # a lone separator before three digits reads both ways
        ("250.000", {"250000", "250"}),
        ("1,250,000", {"1250000"}),
        ("1.250.000,5", {"1250000.5"}),
        ("09", {"9"}),
    ],
)
def test_a_number_means_what_its_notation_can_mean(written, values):
    assert number_values(written) == {Decimal(value) for value in values}


def test_a_changed_date_is_flagged_and_notation_is_not():
    french = "Le 15 mars, le conseil a voté 4,7 millions d'euros pour 250 000 habitants."
    english = "On 14 March the council voted 4.7 million euros for 250,000 residents."
    assert differences(french, english, same_language=False) == Differences(
        suspect_numbers=["15"], source_numbers=["14"]
    )
    assert not differences(french.replace("15", "14"), english, same_language=False)


def test_a_number_on_one_side_only_is_a_notation_not_a_change():
    # "09" has no partner, but nothing replaced it: a month written out
    assert not differences("The council met on 2024-09-11.", "The council met on 11 September 2024.", True, "en")


def test_a_changed_name_is_flagged_within_one_language_only():
    suspect, source = "President Macron said on Tuesday that taxes would rise.", "President Merkel said on Tuesday that taxes would rise."
    assert differences(suspect, source, same_language=True, lang="en") == Differences(
        suspect_names=["Macron"], source_names=["Merkel"]
    )
    assert not differences(suspect, source, same_language=False)  # Germany / Allemagne is no change
    # German capitalises every noun: no names to compare
    assert not differences("Der Rat tagte am Montag.", "Der Ausschuss tagte am Montag.", True, "de")


def test_names_are_not_sentence_openers_and_match_in_any_case():
    assert not differences(
        "Apple must pay 13 billion euros, the European Commission said.",
        "The commission said Apple must pay 13 billion euros, European officials said.",
        True,
        "en",
    )
