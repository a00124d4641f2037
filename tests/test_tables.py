"""The tables in seeds/ are complete, cited, bilingual, and checked on load."""

import json
from fractions import Fraction

import pytest
from msgspec.structs import replace

from service.calculators import LOCALES, load_table
from service.calculators.tables import _check
from service.data import data_dir


@pytest.mark.parametrize("calculator", ["mirels", "rades"])
def test_every_entry_cites_its_source(calculator):
    raw = json.loads((data_dir("seeds") / f"{calculator}.json").read_text("utf-8"))
    # Cited by title (what a clinician can look up), never by a path of a file outside the repository.
    document = raw["source"]["document"]
    assert "Traitement local de la métastase osseuse par radiothérapie" in document and raw["source"]["table"]
    assert "/" not in document and ".txt" not in document
    for entry in raw["items"] + raw["categories"] + raw["caveats"]:
        assert entry["source"], entry
    assert raw["boundaries"], "boundary decisions are written in the table"


@pytest.mark.parametrize("calculator", ["mirels", "rades"])
def test_every_text_exists_in_every_locale(calculator):
    table = load_table(calculator)
    texts = [table.title, table.predicted_outcome] + [c.recommendation for c in table.categories]
    texts += [activity for c in table.categories for activity in c.activities]
    assert all(c.activities for c in table.categories)
    texts += [row.label for item in table.items for row in item.rows]
    for text in texts:
        assert all(text(locale) for locale in LOCALES)


def test_totals():
    assert load_table("mirels").total_range == (4, 12)
    assert load_table("rades").total_range == (21, 44)


def test_overlapping_bands_are_refused():
    table = load_table("mirels")
    size = table.item("lesion_size")
    bad_band = replace(size.bands[1], above=Fraction(1, 4))
    bad_item = replace(size, bands=(size.bands[0], bad_band, size.bands[2]))
    with pytest.raises(ValueError, match="must meet"):
        _check(replace(table, items=tuple(bad_item if i is size else i for i in table.items)))


def test_category_gap_is_refused():
    table = load_table("rades")
    gap = replace(table.categories[1], min=30)
    with pytest.raises(ValueError, match="without gaps"):
        _check(replace(table, categories=(table.categories[0], gap, table.categories[2])))


@pytest.mark.parametrize("calculator,primary,url", [
    ("mirels", "Mirels H. Metastatic disease in long bones", None),
    ("rades", "Rades D, Rudat V, Veninga T, et al. A score predicting posttreatment ambulatory status",
     "https://doi.org/10.1016/j.ijrobp.2008.02.018")])
def test_cards_and_resources_cite_the_guideline_and_the_tables_primary_article(calculator, primary, url):
    from service.calculators import MirelsInputs, RadesInputs, score_mirels, score_rades

    score = (score_mirels(MirelsInputs("lower_limb", 0.5, "lytic", "mild")) if calculator == "mirels" else
             score_rades(RadesInputs("breast", 20, "no", "ambulatory_with_aid", 10), locale="fr"))
    assert primary in score.citation and "Tableau" in score.citation and score.citation_url == url
    # Where the sources are silent, the citation says so rather than make up a publisher or year.
    assert ("not stated in the source documents" if calculator == "mirels" else
            "non indiqués dans les documents sources") in score.citation


def test_a_short_action_is_the_first_part_of_its_action_in_each_language():
    """A summary short of room gives a category's short action instead of its action (seeds/README.md): it must be
    what the action says first, never another advice, and a category without one keeps its whole action."""
    shortened = []
    for calculator in ("mirels", "rades", "sins"):
        for category in load_table(calculator).categories:
            if category.short_action is None:
                continue
            for locale in ("en", "fr"):
                assert category.action is not None
                assert category.action(locale).startswith(category.short_action(locale)), (calculator, locale)
            shortened.append((calculator, category.value))
    assert shortened == [("rades", "group_i"), ("rades", "group_ii"), ("rades", "group_iii")]
