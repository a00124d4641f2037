"""Rades calculator against Tableau 4 of the guideline (004_…), typed here
independently of seeds/rades.json."""

import itertools

import pytest

from service.calculators import Between, InvalidInput, OneOf, RadesInputs, score_rades

# Tableau 4, as published.
PRIMARY = {
    "breast": 8, "prostate": 7, "myeloma_lymphoma": 9, "nsclc": 5, "sclc": 6,
    "unknown_primary": 5, "kidney": 6, "colorectal": 6, "other": 6,
}
MONTHS = {6: 6, 24: 8}  # a value inside each row
VISCERAL = {"yes": 5, "no": 8}
MOTOR = {"ambulatory_without_aid": 10, "ambulatory_with_aid": 9, "not_ambulatory": 3, "paraplegic": 1}
DAYS = {3: 4, 10: 7, 30: 9}


def published_group(total):
    if 21 <= total <= 28:
        return "group_i"
    if 29 <= total <= 37:
        return "group_ii"
    assert 38 <= total <= 44
    return "group_iii"


COMBINATIONS = list(itertools.product(PRIMARY, MONTHS, VISCERAL, MOTOR, DAYS))


def test_there_are_432_complete_combinations():
    assert len(COMBINATIONS) == 432


@pytest.mark.parametrize("primary,months,visceral,motor,days", COMBINATIONS)
def test_every_complete_combination_matches_the_published_table(primary, months, visceral, motor, days):
    score = score_rades(RadesInputs(primary, months, visceral, motor, days))
    expected = [PRIMARY[primary], MONTHS[months], VISCERAL[visceral], MOTOR[motor], DAYS[days]]
    assert [item.points for item in score.items] == expected
    assert score.total == sum(expected)
    assert score.category.value == published_group(sum(expected))
    assert [c.value for c in score.caveats] == (["nsclc_outdated"] if primary == "nsclc" else [])


def test_totals_run_from_21_to_44():
    totals = {score_rades(RadesInputs(*combo)).total for combo in COMBINATIONS}
    assert min(totals) == 21 and max(totals) == 44


@pytest.mark.parametrize(
    "months,points", [(0, 6), (14.9, 6), (15, 6), (15.0, 6), (15.01, 8), (16, 8), (240, 8)]
)
def test_interval_boundaries(months, points):
    assert score_rades(RadesInputs(months_to_cord_compression=months)).item(
        "months_to_cord_compression").points == points


@pytest.mark.parametrize(
    "days,points", [(0, 4), (1, 4), (7, 4), (7.5, 7), (8, 7), (14, 7), (14.5, 9), (15, 9), (400, 9)]
)
def test_motor_deficit_boundaries(days, points):
    assert score_rades(RadesInputs(days_developing_motor_deficits=days)).item(
        "days_developing_motor_deficits").points == points


def test_group_recommendations():
    group_i = score_rades(RadesInputs("nsclc", 6, "yes", "paraplegic", 3))
    group_ii = score_rades(RadesInputs("breast", 6, "yes", "not_ambulatory", 30))
    group_iii = score_rades(RadesInputs("myeloma_lymphoma", 24, "no", "ambulatory_without_aid", 30))
    assert (group_i.total, group_ii.total, group_iii.total) == (21, 31, 44)
    assert "hypofractionation" in group_i.recommendation and "no benefit from surgery" in group_i.recommendation
    assert "laminectomy" in group_ii.recommendation
    assert "excellent result without surgery" in group_iii.recommendation


def test_nsclc_caveat():
    score = score_rades(RadesInputs("nsclc", 6, "no", "ambulatory_with_aid", 10))
    assert score.caveats[0].value == "nsclc_outdated"
    assert "molecular profile" in score.caveats[0].text


class TestPartialInputs:
    def test_lung_cancer_without_histology_is_uncertain_not_guessed(self):
        score = score_rades(RadesInputs(OneOf("nsclc", "sclc"), 24, "no", "ambulatory_without_aid", 30))
        item = score.item("primary_tumour")
        assert item.status == "uncertain" and item.possible_points == (5, 6) and item.points is None
        assert (score.total_min, score.total_max) == (40, 41)
        assert score.category.value == "group_iii"  # both completions agree
        assert score.caveats[0].text.startswith("If the lung cancer is non-small-cell")

    def test_interval_straddling_15_months(self):
        score = score_rades(RadesInputs("breast", Between(14, 16), "no", "ambulatory_with_aid", 10))
        assert score.item("months_to_cord_compression").possible_points == (6, 8)
        assert (score.total_min, score.total_max) == (38, 40) and score.category.value == "group_iii"

    def test_range_across_groups_is_undetermined(self):
        score = score_rades(RadesInputs("breast", 6, "yes", None, 10))
        assert (score.total_min, score.total_max) == (27, 36)
        assert score.category is None and score.possible_categories == ("group_i", "group_ii")
        assert score.missing == ("motor_function",)

    def test_nothing_known(self):
        score = score_rades(RadesInputs())
        assert (score.total_min, score.total_max) == (21, 44) and score.category is None
        assert len(score.missing) == 5 and score.caveats == ()

    def test_days_interval_within_one_row(self):
        score = score_rades(RadesInputs(days_developing_motor_deficits=Between(8, 14)))
        item = score.item("days_developing_motor_deficits")
        assert item.status == "known" and item.points == 7


@pytest.mark.parametrize(
    "inputs,item",
    [
        (dict(primary_tumour="lung"), "primary_tumour"),
        (dict(months_to_cord_compression=-1), "months_to_cord_compression"),
        (dict(months_to_cord_compression="soon"), "months_to_cord_compression"),
        (dict(visceral_metastases=True), "visceral_metastases"),
        (dict(motor_function="walking"), "motor_function"),
        (dict(days_developing_motor_deficits=-2), "days_developing_motor_deficits"),
        (dict(days_developing_motor_deficits=float("inf")), "days_developing_motor_deficits"),
    ],
)
def test_invalid_inputs(inputs, item):
    with pytest.raises(InvalidInput) as raised:
        score_rades(RadesInputs(**inputs))
    assert raised.value.item == item and "allowed:" in str(raised.value)


def test_french_texts():
    score = score_rades(RadesInputs("nsclc", 6, "yes", "paraplegic", 3), locale="fr")
    assert score.recommendation.startswith("Groupe I : faible taux de maintien ambulatoire")
    assert "hypofractionnement" in score.recommendation
    assert "CBNPC" in score.caveats[0].text
    assert score.item("motor_function").row_label == "Paraplégique"
