"""Mirels calculator against Tableau 3 of the guideline (004_…), typed here
independently of seeds/mirels.json so that a wrong table fails these tests."""

import itertools

import pytest

from service.calculators import Between, InvalidInput, MirelsInputs, OneOf, score_mirels

# Tableau 3, as published.
SITE = {"upper_limb": 1, "lower_limb": 2, "peritrochanteric": 3}
SIZE = {0.1: 1, 0.5: 2, 0.8: 3}  # a size inside each row
TYPE = {"blastic": 1, "mixed": 2, "lytic": 3}
PAIN = {"mild": 1, "moderate": 2, "functional": 3}


def published_category(total):
    if total <= 7:
        return "observation"
    if total == 8:
        return "tumour_board"
    return "prophylactic_fixation"


COMBINATIONS = list(itertools.product(SITE, SIZE, TYPE, PAIN))


def test_there_are_81_complete_combinations():
    assert len(COMBINATIONS) == 81


@pytest.mark.parametrize("site,size,kind,pain", COMBINATIONS)
def test_every_complete_combination_matches_the_published_table(site, size, kind, pain):
    score = score_mirels(MirelsInputs(site, size, kind, pain))
    expected_points = [SITE[site], SIZE[size], TYPE[kind], PAIN[pain]]
    assert [item.points for item in score.items] == expected_points
    assert score.total == sum(expected_points)
    assert score.total_min == score.total_max == sum(expected_points)
    assert score.category.value == published_category(sum(expected_points))
    assert score.is_complete and score.missing == () and score.uncertain == ()


def test_totals_run_from_4_to_12():
    totals = {score_mirels(MirelsInputs(*combo)).total for combo in COMBINATIONS}
    assert totals == set(range(4, 13))


@pytest.mark.parametrize(
    "size,points,row",
    [
        (0, 1, "under_one_third"),
        (0.33, 1, "under_one_third"),
        (1 / 3, 2, "one_third_to_two_thirds"),
        (0.3333333333333333, 2, "one_third_to_two_thirds"),
        (0.34, 2, "one_third_to_two_thirds"),
        (0.66, 2, "one_third_to_two_thirds"),
        (2 / 3, 2, "one_third_to_two_thirds"),
        (0.67, 3, "over_two_thirds"),
        (1, 3, "over_two_thirds"),
    ],
)
def test_size_boundaries(size, points, row):
    item = score_mirels(MirelsInputs(lesion_size=size)).item("lesion_size")
    assert (item.points, item.row) == (points, row)


@pytest.mark.parametrize(
    "row,points", [("under_one_third", 1), ("one_third_to_two_thirds", 2), ("over_two_thirds", 3)]
)
def test_size_given_as_a_coded_row(row, points):
    assert score_mirels(MirelsInputs(lesion_size=row)).item("lesion_size").points == points


def test_recommendations_follow_the_category():
    low = score_mirels(MirelsInputs("upper_limb", 0.1, "blastic", "mild"))
    eight = score_mirels(MirelsInputs("lower_limb", 0.5, "lytic", "mild"))
    high = score_mirels(MirelsInputs("peritrochanteric", 0.8, "lytic", "functional"))
    assert "radiotherapy alone" in low.recommendation
    assert eight.total == 8 and "tumour board" in eight.recommendation
    assert "Prophylactic surgical fixation first" in high.recommendation
    assert "15 days to 3 weeks" in high.recommendation
    assert (low.risk, eight.risk, high.risk) == ("low", "moderate", "high")


def test_damron_caveat_is_always_given():
    score = score_mirels(MirelsInputs("upper_limb", 0.1, "blastic", "mild"))
    assert [c.value for c in score.caveats] == ["low_sensitivity_specificity"]
    assert "67 %" in score.caveats[0].text and "48 %" in score.caveats[0].text


class TestCorticalOsteolysisRule:
    HIGH = ("peritrochanteric", 0.8, "lytic", "functional")  # 12

    def caveats(self, *inputs, axial, circumference):
        score = score_mirels(MirelsInputs(*inputs, axial, circumference))
        return [c.value for c in score.caveats]

    def test_applies_above_both_thresholds_with_mirels_9_or_more(self):
        assert "cortical_osteolysis" in self.caveats(*self.HIGH, axial=31, circumference=51)

    @pytest.mark.parametrize("axial,circumference", [(30, 60), (40, 50), (None, 60), (40, None)])
    def test_needs_both_strictly_above_and_known(self, axial, circumference):
        assert "cortical_osteolysis" not in self.caveats(*self.HIGH, axial=axial, circumference=circumference)

    def test_not_below_mirels_9(self):
        assert "cortical_osteolysis" not in self.caveats(
            "lower_limb", 0.5, "lytic", "mild", axial=40, circumference=60
        )

    def test_conditional_wording_when_the_total_is_undetermined(self):
        score = score_mirels(MirelsInputs("lower_limb", None, "lytic", "moderate", 40, 60))
        text = next(c.text for c in score.caveats if c.value == "cortical_osteolysis")
        assert text.startswith("Cortical osteolysis is") and "if the completed Mirels score is ≥ 9" in text

    def test_invalid_percentage(self):
        with pytest.raises(InvalidInput, match="cortical_osteolysis_axial_percent"):
            score_mirels(MirelsInputs(*self.HIGH, 120, 60))


class TestPartialInputs:
    def test_nothing_known_gives_the_full_range_and_no_category(self):
        score = score_mirels(MirelsInputs())
        assert (score.total_min, score.total_max, score.total, score.category) == (4, 12, None, None)
        assert score.missing == ("lesion_site", "lesion_size", "lesion_type", "pain")
        assert score.possible_categories == ("observation", "tumour_board", "prophylactic_fixation")

    def test_missing_pain_still_determines_observation(self):
        score = score_mirels(MirelsInputs("upper_limb", 0.1, "blastic", None))
        assert (score.total_min, score.total_max) == (4, 6)
        assert score.category.value == "observation" and score.total is None
        assert score.missing == ("pain",)
        assert score.item("pain").possible_points == (1, 2, 3) and score.item("pain").points is None

    def test_missing_size_still_determines_fixation(self):
        score = score_mirels(MirelsInputs("peritrochanteric", None, "lytic", "functional"))
        assert (score.total_min, score.total_max) == (10, 12)
        assert score.category.value == "prophylactic_fixation"

    def test_range_across_categories_is_undetermined(self):
        score = score_mirels(MirelsInputs("lower_limb", 0.5, "mixed", None))
        assert (score.total_min, score.total_max) == (7, 9)
        assert score.category is None and score.recommendation is None
        assert score.possible_categories == ("observation", "tumour_board", "prophylactic_fixation")

    def test_uncertain_size_interval(self):
        score = score_mirels(MirelsInputs("lower_limb", Between(0.3, 0.5), "lytic", "moderate"))
        item = score.item("lesion_size")
        assert item.status == "uncertain" and item.possible_points == (1, 2)
        assert (score.total_min, score.total_max) == (8, 9) and score.category is None
        assert score.uncertain == ("lesion_size",)

    def test_uncertain_between_choices(self):
        score = score_mirels(MirelsInputs("upper_limb", 0.1, OneOf("blastic", "mixed"), "mild"))
        assert (score.total_min, score.total_max) == (4, 5) and score.category.value == "observation"

    def test_a_missing_item_never_gets_a_default(self):
        for name in ("lesion_site", "lesion_size", "lesion_type", "pain"):
            inputs = dict(lesion_site="lower_limb", lesion_size=0.5, lesion_type="mixed", pain="moderate")
            inputs[name] = None
            score = score_mirels(MirelsInputs(**inputs))
            assert score.total is None and score.item(name).points is None and score.missing == (name,)


@pytest.mark.parametrize(
    "inputs,item,allowed",
    [
        (dict(lesion_site="skull"), "lesion_site", "upper_limb, lower_limb, peritrochanteric"),
        (dict(lesion_size=1.2), "lesion_size", "0 <= lesion_size <= 1"),
        (dict(lesion_size=-0.1), "lesion_size", "0 <= lesion_size <= 1"),
        (dict(lesion_size=float("nan")), "lesion_size", "lesion_size"),
        (dict(lesion_size="big"), "lesion_size", "under_one_third"),
        (dict(lesion_size=True), "lesion_size", "lesion_size"),
        (dict(lesion_type="sclerotic"), "lesion_type", "blastic, mixed, lytic"),
        (dict(pain=3), "pain", "mild, moderate, functional"),
        (dict(lesion_size=Between(0.6, 0.2)), "lesion_size", "low <= high"),
        (dict(lesion_site=Between(1, 2)), "lesion_site", "upper_limb"),
    ],
)
def test_invalid_inputs_name_the_item_and_the_allowed_values(inputs, item, allowed):
    with pytest.raises(InvalidInput) as raised:
        score_mirels(MirelsInputs(**inputs))
    assert raised.value.item == item and allowed in str(raised.value)


def test_french_texts():
    score = score_mirels(MirelsInputs("peritrochanteric", 0.8, "lytic", "functional"), locale="fr")
    assert score.recommendation.startswith("Chirurgie prophylactique première")
    assert score.category_label == "Mirels ≥ 9"
    assert score.item("lesion_site").label == "Localisation de la lésion"
    assert score.item("lesion_site").row_label == "Région trochantérienne"
    assert "Damron" in score.caveats[0].text and "sensibilité" in score.caveats[0].text


def test_unknown_locale_is_refused():
    with pytest.raises(InvalidInput, match="locale"):
        score_mirels(MirelsInputs(), locale="de")
