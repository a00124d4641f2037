"""SINS against the published table (Fisher et al., Spine 2010), typed here independently of
seeds/sins.json, as reproduced in the two references the seed cites."""

import itertools
import random

import pytest

from service.calculators import InvalidInput, OneOf
from service.calculators.registry import calculator
from service.calculators.sins import SinsInputs, score_sins

# The published table, row by row.
LOCATION = {"junctional_spine": 3, "mobile_spine": 2, "semi_rigid_spine": 1, "rigid_spine": 0}
PAIN = {"mechanical_pain": 3, "occasional_non_mechanical_pain": 1, "pain_free_lesion": 0}
LESION = {"lytic_bone_lesion": 2, "mixed_bone_lesion": 1, "blastic_bone_lesion": 0}
ALIGNMENT = {"subluxation_translation": 4, "de_novo_deformity": 2, "normal_alignment": 0}
COLLAPSE = {"collapse_over_50_percent": 3, "collapse_under_50_percent": 2,
            "no_collapse_over_50_percent_involved": 1, "no_collapse_none_of_the_above": 0}
POSTEROLATERAL = {"posterolateral_bilateral": 3, "posterolateral_unilateral": 1, "posterolateral_none": 0}
ITEMS = (LOCATION, PAIN, LESION, ALIGNMENT, COLLAPSE, POSTEROLATERAL)
COMBINATIONS = list(itertools.product(*ITEMS))


def published_band(total):
    if 0 <= total <= 6:
        return "stable"
    if 7 <= total <= 12:
        return "indeterminate"
    assert 13 <= total <= 18
    return "unstable"


def test_there_are_1296_complete_combinations():
    assert len(COMBINATIONS) == 4 * 3 * 3 * 3 * 4 * 3 == 1296


def test_every_complete_combination_is_the_published_sum_and_band():
    for combination in COMBINATIONS:
        score = score_sins(SinsInputs(*combination))
        expected = [table[row] for table, row in zip(ITEMS, combination, strict=True)]
        assert [item.points for item in score.items] == expected, combination
        assert score.total == sum(expected), combination
        assert score.category.value == published_band(sum(expected)), combination


def test_totals_run_from_0_to_18_and_every_total_is_reached():
    assert {score_sins(SinsInputs(*c)).total for c in COMBINATIONS} == set(range(19))


def test_seven_or_more_calls_for_a_surgical_consultation_in_the_references_words():
    for total_rows, band, consult in ((("rigid_spine", "occasional_non_mechanical_pain", "blastic_bone_lesion",
                                        "de_novo_deformity", "collapse_under_50_percent", "posterolateral_unilateral"),
                                       "stable", False),  # 6
                                      (("rigid_spine", "occasional_non_mechanical_pain", "mixed_bone_lesion",
                                        "de_novo_deformity", "collapse_under_50_percent", "posterolateral_unilateral"),
                                       "indeterminate", True)):  # 7
        score = score_sins(SinsInputs(*total_rows))
        assert score.category.value == band
        assert ("surgical consultation" in score.recommendation) is consult
    assert score.total == 7


def test_the_registry_runs_it():
    assert calculator("sins").score(SinsInputs(*COMBINATIONS[0])).total == 18


def _completions(values):
    rows = [list(table) if value is None else list(value.values) if isinstance(value, OneOf) else [value]
            for table, value in zip(ITEMS, values, strict=True)]
    return [sum(table[row] for table, row in zip(ITEMS, combination, strict=True))
            for combination in itertools.product(*rows)]


def _partial(rng):
    values = []
    for table in ITEMS:
        rows = list(table)
        kind = rng.random()
        if kind < 0.3:
            values.append(None)
        elif kind < 0.6:
            values.append(OneOf(*rng.sample(rows, rng.randint(2, len(rows)))))
        else:
            values.append(rng.choice(rows))
    return values


def _agrees(values):
    score = score_sins(SinsInputs(*values))
    totals = _completions(values)
    assert (score.total_min, score.total_max) == (min(totals), max(totals)), values
    bands = {published_band(total) for total in totals}
    if len(bands) == 1:
        assert score.category is not None and score.category.value == bands.pop(), values
    else:
        assert score.category is None, values
    assert (score.total is not None) == (len(set(totals)) == 1 and all(
        v is not None and not isinstance(v, OneOf) for v in values)) or score.total is None


@pytest.mark.slow  # over a quarter of a second: the full suite runs it, the fast loop does not
def test_brute_force_over_partial_inputs_agrees_with_the_ranges_and_categories():
    rng = random.Random(2010)
    for _ in range(3000):
        _agrees(_partial(rng))


@pytest.mark.slow  # over a quarter of a second: the full suite runs it, the fast loop does not
def test_every_single_missing_item_over_every_combination():
    for combination in COMBINATIONS:
        for missing in range(6):
            _agrees([None if i == missing else row for i, row in enumerate(combination)])


def test_nothing_known_is_the_full_range_and_no_band():
    score = score_sins(SinsInputs())
    assert (score.total_min, score.total_max, score.category) == (0, 18, None)


def test_a_thoracic_spine_lesion_without_its_level_keeps_both_rows():
    score = score_sins(SinsInputs(OneOf("junctional_spine", "semi_rigid_spine"), "mechanical_pain",
                                  "lytic_bone_lesion", "de_novo_deformity", "collapse_under_50_percent",
                                  "posterolateral_unilateral"))
    assert (score.total_min, score.total_max) == (11, 13)
    assert score.category is None


@pytest.mark.parametrize("inputs,item", [
    (SinsInputs(spinal_location="T12"), "spinal_location"),
    (SinsInputs(bone_lesion="lytic"), "bone_lesion"),  # Mirels' row, not SINS's
    (SinsInputs(mechanical_pain=3), "mechanical_pain"),
])
def test_invalid_inputs_name_the_item(inputs, item):
    with pytest.raises(InvalidInput) as raised:
        score_sins(inputs)
    assert item in str(raised.value)


def test_french_texts_and_the_beyond_the_guideline_caveat():
    score = score_sins(SinsInputs(*COMBINATIONS[0]), "fr")
    assert score.category_label == "SINS 13-18 : instable"
    assert "avis chirurgical" in score.recommendation
    assert [c.value for c in score.caveats] == ["beyond_guideline"]
    assert "ne figure pas dans le référentiel" in score.caveats[0].text
