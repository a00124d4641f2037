"""The calculator pages score by hand as the service scores: every complete combination of Mirels, Rades and
SINS items through the page's form (the server-rendered partial the page's script asks for) gives the total
and category the table gives; partial choices give the range of every completion and a category only when
every completion agrees. The expected figures are summed here from the table's rows, not by the calculators."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from service.calculators import NAMES, load_table

TOTAL = re.compile(r'class="total" data-total="(\d*)" data-category="(\w*)"')
RANGE = re.compile(r"(\d+)–(\d+)</strong>")




def _category(table, total: int) -> str:
    (category,) = [c.value for c in table.categories if c.min <= total <= c.max]
    return category


def _post(client, name: str, chosen: dict[str, str]) -> str:
    answer = client.post(f"/calculators/{name}", data={f"item|{item}": row for item, row in chosen.items()},
                         headers={"X-Bonemet-Partial": "scores"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data(as_text=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_complete_combination_gives_the_tables_total_and_category(client, name):
    table = load_table(name)
    rows = [[(item.name, row.value, row.points) for row in item.rows] for item in table.items]
    count = 0
    for combination in itertools.product(*rows):
        total = sum(points for _, _, points in combination)
        page = _post(client, name, {item: row for item, row, _ in combination})
        assert TOTAL.search(page).groups() == (str(total), _category(table, total)), combination
        count += 1
    print(f"{name}: {count} complete combinations, every total and category as the table gives them")
    assert count == len(list(itertools.product(*rows)))


@pytest.mark.parametrize("name", NAMES)
def test_items_not_chosen_give_the_range_and_a_category_only_when_every_completion_agrees(client, name):
    table = load_table(name)
    draw = random.Random(31)
    for _ in range(150):
        chosen = {item.name: draw.choice(item.rows).value for item in table.items if draw.random() < 0.5}
        points = [[table.item(item.name).row(chosen[item.name]).points] if item.name in chosen
                  else [row.points for row in item.rows] for item in table.items]
        totals = {sum(combination) for combination in itertools.product(*points)}
        categories = {_category(table, total) for total in totals}
        page = _post(client, name, chosen)
        total, category = TOTAL.search(page).groups()
        if len(totals) == 1:
            assert total == str(min(totals))
        else:
            assert total == "" and RANGE.search(page).groups() == (str(min(totals)), str(max(totals)))
        assert category == (categories.pop() if len(categories) == 1 else ""), chosen


def test_the_page_is_linkable_titled_and_refuses_what_is_no_row(client):
    page = client.get("/calculators/mirels?lang=fr&item|pain=functional").get_data(as_text=True)
    assert "Score de Mirels" in page and 'value="functional" selected' in page and "<svg" in page
    assert 'width="' not in page.split("<svg", 1)[1].split(">", 1)[0]  # a viewBox only: any width
    assert client.get("/calculators/other").status_code == 404
    assert client.post("/calculators/mirels", data={"item|pain": "unbearable"}).status_code == 400
    assert client.post("/calculators/mirels", data={"item|colour": "red"}).status_code == 400
    assert client.get("/calculators").status_code == 200


def test_the_mirels_page_gives_the_cortical_osteolysis_caveat_as_the_service_does(client):
    """Not an item of the table, but the guideline's caveat on consolidation surgery rests on it: the page
    asks for both percentages, and says the caveat only past both thresholds, as the calculator does."""
    complete = {"item|lesion_site": "lower_limb", "item|lesion_size": "over_two_thirds", "item|lesion_type": "lytic",
                "item|pain": "functional"}  # 11
    over = client.post("/calculators/mirels?lang=en",
                       data={**complete, "figure|cortical_osteolysis_axial_percent": "40",
                             "figure|cortical_osteolysis_circumference_percent": "60"})
    under = client.post("/calculators/mirels?lang=en",
                        data={**complete, "figure|cortical_osteolysis_axial_percent": "20",
                              "figure|cortical_osteolysis_circumference_percent": "60"})
    assert "consolidation" in over.get_data(as_text=True) and "consolidation" not in under.get_data(as_text=True)
    too_much = client.post("/calculators/mirels", data={"figure|cortical_osteolysis_axial_percent": "140"})
    assert too_much.status_code == 400
    assert client.post("/calculators/mirels", data={"figure|cortical_osteolysis_axial_percent": "x"}).status_code == 400
