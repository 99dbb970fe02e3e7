from marketplace.search.index import offer_terms
from marketplace.search.text import stem, terms


def test_inflections_share_a_stem() -> None:
    assert stem("spiseforstyrrelser") == stem("spiseforstyrrelse")
    assert stem("bostøtten") == stem("bostøtte")
    assert stem("botilbuddet") == stem("botilbud")


def test_a_compound_contains_its_part() -> None:
    assert stem("hjerneskade") in stem("senhjerneskade")


def test_terms_drop_stop_words_and_repeats() -> None:
    assert terms("Støtte og støtten til unge med autisme") == ["støt", "ung", "autism"]


def test_a_term_keeps_the_weight_of_its_best_field() -> None:
    weighted = offer_terms(
        "Bostedet Engly", "Et bosted for unge med autisme", ["Autismespektrum"], ["KRAP"]
    )
    assert weighted["bosted"] == 8  # in the name and the description: the name counts
    assert weighted["autismespektrum"] == 6
    assert weighted["krap"] == 4
    assert weighted["autism"] == 2
