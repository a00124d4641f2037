"""The screens in a real browser: Debian's Chromium, headless, driven by Selenium through chromedriver,
against `bonemet serve` started on a free port (gunicorn, as in production).

From a patient-view card's link, a clinician completes the missing item and watches the total and
the category appear; the resources the page produces validate, and `$assess` with the same
QuestionnaireResponse gives the same result. The tester's page runs every example. axe-core (npm)
checks accessibility. Screenshots go to $BONEMET_SCREENSHOTS (default: a temporary folder).

`.ci/run` installs Chromium, chromedriver and axe-core; without them these tests say so and skip.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from service.config import Settings
from service.web import create_app
from support.answer_checks import is_advice_resource
from support.fhir_schema_check import schema_errors
from support.serving import served

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "bundles"
AXE = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # the test extra installs it
    webdriver = None

MISSING = [what for what, absent in [("Debian chromium", not CHROMIUM), ("chromedriver", not CHROMEDRIVER),
                                     ("selenium", webdriver is None),
                                     ("axe-core (npm ci --prefix tests/browser)", not AXE.exists())] if absent]
pytestmark = [pytest.mark.browser, pytest.mark.server,
              pytest.mark.skipif(bool(MISSING), reason=f"browser tests need {', '.join(MISSING)}")]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(tmp_path_factory, **environment):
    """`bonemet serve` on a free port; yields its base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BONEMET_PORT": str(port), "BONEMET_PUBLIC_URL": base,
           "BONEMET_FEEDBACK_DB": str(tmp_path_factory.mktemp("db") / "feedback.sqlite3"), "BONEMET_WORKERS": "2",
           **environment}
    with served(base, env, ROOT) as running:
        yield running


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="module")
def ehr():
    from support.smart_ehr import StandInEhr

    resources = [e["resource"] for e in json.loads((EXAMPLES / "09-missing-data.json").read_text("utf-8"))["entry"]]
    with StandInEhr(resources) as running:
        yield running


@pytest.fixture(scope="module")
def smart_service(tmp_path_factory, ehr):
    yield from _serve(tmp_path_factory, BONEMET_SMART_CLIENT_ID="bonemet",
                      BONEMET_FHIR_ALLOWED_HOSTS=ehr.base.removeprefix("http://"))


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1600"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = Path(os.environ.get("BONEMET_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def patient_view(base, source, patient_id, language="en"):
    resources = [entry["resource"] for entry in source["entry"]]

    def searchset(kind):
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources if r["resourceType"] == kind]}
    request = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
               "context": {"userId": "Practitioner/dr-martin", "patientId": patient_id},
               "prefetch": {"patient": next(r for r in resources if r["resourceType"] == "Patient"),
                            "conditions": searchset("Condition"), "observations": searchset("Observation")}}
    answer = requests.post(f"{base}/cds-services/bonemet-patient-view", json=request,
                           headers={"Accept-Language": language}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["cards"]


def accessibility_violations(browser):
    """axe-core's violations of impact serious or critical on the current page."""
    browser.execute_script(AXE.read_text("utf-8"))
    result = browser.execute_async_script("const done = arguments[arguments.length - 1];"
                                          "axe.run(document).then(r => done(r.violations));")
    counts = {impact: sum(1 for v in result if v["impact"] == impact) for impact in ("minor", "moderate",
                                                                                       "serious", "critical")}
    print(f"axe-core on {browser.current_url.split('?')[0].rsplit('/', 1)[-1] or '/'}: {counts}")
    return [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in result
            if v["impact"] in ("serious", "critical")]


def _downloaded_json(target, seconds=10):
    """The downloaded file once Chromium has written it whole: it may exist, empty or half written, first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return json.loads(target.read_text("utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _total(browser):
    """The score's total once the page's script has put it in (right after loading, or a swap)."""
    return WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#scores .total"))


def _wait_for_total(browser, expected):
    # The script swaps the scores in while we look: an element may go stale between two reads.
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#scores .total").get_attribute("data-total") == expected)


def test_a_card_link_opens_the_page_where_the_missing_item_completes_the_score(service, browser, downloads,
                                                                               screenshots):
    source = json.loads((EXAMPLES / "09-missing-data.json").read_text("utf-8"))
    cards = patient_view(service, source, "example")
    (card,) = [c for c in cards if c.get("links")]
    (link,) = card["links"]
    assert link["type"] == "absolute" and "example" not in link["url"]  # nothing about the patient in the URL
    browser.get(link["url"])
    total = _total(browser)
    assert total.get_attribute("data-total") == "" and "8–10" in total.text  # the range while pain is missing
    browser.save_screenshot(str(screenshots / "assessment-missing-pain.png"))
    assert accessibility_violations(browser) == []
    (pain,) = browser.find_elements(By.CSS_SELECTOR, "select[name$='|pain']")
    Select(pain).select_by_value("functional")  # the script recomputes at once, no button pressed
    _wait_for_total(browser, "10")
    total = _total(browser)
    assert total.get_attribute("data-category") == "prophylactic_fixation"
    assert "answered" in browser.find_element(By.CSS_SELECTOR, "#scores").text
    browser.save_screenshot(str(screenshots / "assessment-completed.png"))
    assert accessibility_violations(browser) == []
    browser.find_element(By.ID, "download").click()
    target = downloads / "bonemet-assessment.json"
    produced = _downloaded_json(target)
    resources = [entry["resource"] for entry in produced["entry"]]
    # The answer, extracted as the Observation that records the item (SDC), then the score's three resources.
    assert [r["resourceType"] for r in resources] == ["QuestionnaireResponse", "Observation", "Observation",
                                                     "RiskAssessment", "CarePlan"]
    assert all(schema_errors(r) == [] for r in resources) and schema_errors(produced) == []
    _validate_if_possible(resources)
    (score,) = [r for r in resources if r["resourceType"] == "Observation" and "valueInteger" in r]
    assert score["valueInteger"] == 10
    # The same through $assess: the record plus the QuestionnaireResponse give the same resources.
    response = resources[0]
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": e["resource"]} for e in source["entry"]] + [{"resource": response}]}
    answer = requests.post(f"{service}/fhir/$assess", json={"resourceType": "Parameters", "parameter": [
        {"name": "asOf", "valueDate": score["effectiveDateTime"][:10]}, {"name": "bundle", "resource": bundle}]},
        timeout=10).json()
    again = {r["resourceType"]: r for r in (e["resource"] for e in answer["entry"])
             if r["resourceType"] in ("Observation", "RiskAssessment", "CarePlan") and not is_advice_resource(r)}
    assert again["Observation"]["valueInteger"] == 10
    for kind in ("Observation", "RiskAssessment", "CarePlan"):
        (mine,) = [r for r in resources[2:] if r["resourceType"] == kind]  # after the answer and its extraction
        assert again[kind]["identifier"] == mine["identifier"]


def _validate_if_possible(resources):
    sys.path.insert(0, str(ROOT / "fhir_profiles" / "source"))
    import build

    if build.tools_missing():
        return
    result = subprocess.run(["node", str(ROOT / "fhir_profiles" / "source" / "validate.js")],
                            input=json.dumps([{"name": str(i), "resource": r} for i, r in enumerate(resources)]),
                            capture_output=True, text=True, check=True)
    errors = [(r["name"], r["issues"]) for r in json.loads(result.stdout)
              if any(i.get("severity") == "error" for i in r["issues"])]
    assert errors == []


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_the_testers_page_shows_what_an_ehr_would_show_for_every_example(service, browser, screenshots, name):
    language = "fr" if name.endswith(("-i", "fixation")) else "en"
    browser.get(f"{service}/?lang={language}")
    Select(browser.find_element(By.ID, "example")).select_by_value(name)
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 10).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "section.patient"))
    expected = json.loads((ROOT / "examples" / "expected" / f"{name}.json").read_text("utf-8"))
    cards = browser.find_elements(By.CSS_SELECTOR, "article.card")
    assert (cards or not expected["scores"]) and all(c.find_element(By.CSS_SELECTOR, ".summary").text for c in cards)
    text = browser.find_element(By.TAG_NAME, "main").text
    for score in expected["scores"]:
        assert score["condition"] in text
    assert browser.find_element(By.ID, "download-answer").is_displayed()
    browser.save_screenshot(str(screenshots / f"tester-{name}-{language}.png"))
    if name in ("03-mirels-11-fixation", "09-missing-data"):
        assert accessibility_violations(browser) == []


def test_a_smart_launch_in_the_browser_reads_the_ehr_and_saves_back(smart_service, ehr, browser, screenshots):
    """The EHR launches the app; Chromium follows the authorization (PKCE) to the page, the clinician
    answers, and the results are written back to the EHR's FHIR server in one transaction."""
    browser.get(f"{smart_service}/smart/launch?iss={ehr.fhir}&launch=abc&lang=fr")
    WebDriverWait(browser, 10).until(lambda driver: "/assessment/" in driver.current_url)
    assert "8–10" in _total(browser).text
    Select(browser.find_element(By.CSS_SELECTOR, "select[name$='|pain']")).select_by_value("mild")
    _wait_for_total(browser, "8")
    browser.save_screenshot(str(screenshots / "smart-launch-fr.png"))
    browser.find_element(By.ID, "save").click()
    WebDriverWait(browser, 10).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "td.stored"))
    assert [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "td.stored")] == ["201 Created"] * 5
    (transaction,) = ehr.stored
    assert transaction["entry"][2]["resource"]["valueInteger"] == 8  # after the answer's extracted Observation


def test_an_altered_or_unknown_link_shows_a_clean_page(service, browser):
    browser.get(f"{service}/assessment/not-a-token")
    assert "can no longer be used" in browser.find_element(By.TAG_NAME, "h1").text
    assert accessibility_violations(browser) == []


def _hostile_record(base):
    """A record whose texts are written to run, fetch and link, everywhere a card may quote a record: a
    Condition's words and bodySite, an Observation's value, an unplaced metastasis, a display."""
    hostile = [f"![t]({base}/track.png)", f'"><img src="{base}/img.png" onerror="window.__hit=1">',
               "<script>window.__hit=2</script>", "[click](javascript:window.__hit=3)",
               f'<iframe src="{base}/frame"></iframe>', f"<{base}/autolink>"]
    text = " ".join(hostile)
    sct = "http://snomed.info/sct"
    lesion = {"resourceType": "Condition", "id": "bm", "subject": {"reference": "Patient/p1"},
              "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                             "code": "active"}]},
              "code": {"coding": [{"system": sct, "code": "94222008", "display": text}], "text": text},
              "bodySite": [{"coding": [{"system": sct, "code": "41111004"}], "text": text}]}
    elsewhere = {"resourceType": "Condition", "id": "other", "subject": {"reference": "Patient/p1"},
                 "code": {"coding": [{"system": sct, "code": "128462008"}], "text": text},
                 "bodySite": [{"text": text}]}
    typed = {"resourceType": "Observation", "id": "type", "status": "final", "subject": {"reference": "Patient/p1"},
             "code": {"coding": [{"system": "http://bonemet-cds.org/fhir/CodeSystem/bonemet", "code": "lesion-type"}]},
             "focus": [{"reference": "Condition/bm"}], "effectiveDateTime": time.strftime("%Y-%m-%d"),
             "valueCodeableConcept": {"text": text}}
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()), "context": {"patientId": "p1",
                                                                                   "userId": "Practitioner/1"},
            "prefetch": {"patient": {"resourceType": "Patient", "id": "p1"},
                         "conditions": {"resourceType": "Bundle", "type": "searchset",
                                        "entry": [{"resource": lesion}, {"resource": elsewhere}]},
                         "observations": {"resourceType": "Bundle", "type": "searchset",
                                          "entry": [{"resource": typed}]}}}


def test_record_text_rendered_as_an_ehr_renders_cards_runs_fetches_and_links_nothing(browser, tmp_path):
    """Every card of every corpus record, and of a record written to attack, rendered the way some EHRs render
    a card's detail (Markdown with raw HTML, no CSP) in Chromium: no element, request or link comes from a
    record's text. The only links are the card's own (the scale)."""
    import http.server
    import threading

    import markdown
    from test_corpus import CASES, hook_request

    requested = []

    class Logged(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Logged)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    client = create_app(Settings(feedback_db=str(tmp_path / "feedback.sqlite3"))).test_client()
    requests_ = [_hostile_record(base)] + [hook_request(name) for name, case in sorted(CASES.items())
                                           if "cds" in case["doors"]]
    details = []
    for request in requests_:
        for language in ("en", "fr"):
            answer = client.post("/cds-services/bonemet-patient-view", json=request,
                                 headers={"Accept-Language": language})
            details += [card["detail"] for card in answer.get_json()["cards"]]
    assert any("onerror" in detail for detail in details)  # the hostile words are in the cards, as words
    body = "\n".join(f"<section>{markdown.markdown(detail, extensions=['tables'])}</section>" for detail in details)
    (tmp_path / "cards.html").write_text(f"<!doctype html><html><body>{body}</body></html>", "utf-8")
    try:
        browser.get(f"{base}/cards.html")
        time.sleep(1)  # what the page would fetch, it fetches now
        found = browser.execute_script(
            "return {hit: window.__hit || null, elements: document.querySelectorAll('img,script,iframe,object,"
            "embed,video,audio,link,style,form').length, links: [...document.querySelectorAll('a')].map(a => a.href)}")
    finally:
        server.shutdown()
    assert found["hit"] is None and found["elements"] == 0
    assert all(link.startswith("http://127.0.0.1:8080/scale/") for link in found["links"]), found["links"][:5]
    assert [path for path in requested if path not in ("/cards.html", "/favicon.ico")] == []


def test_a_clinician_scores_a_lesion_by_hand_on_the_calculator_page(service, browser, screenshots):
    """No card, no record: the page's link alone; each choice recomputes, the range narrows to the total."""
    browser.get(f"{service}/calculators/mirels?lang=fr")
    total = _total(browser)
    assert total.get_attribute("data-total") == "" and "4–12" in total.text
    for item, row in (("lesion_site", "lower_limb"), ("lesion_size", "over_two_thirds"), ("lesion_type", "lytic")):
        Select(browser.find_element(By.ID, f"item-{item}")).select_by_value(row)
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda driver: "9–11" in driver.find_element(By.CSS_SELECTOR, "#scores .total").text)
    assert _total(browser).get_attribute("data-category") == "prophylactic_fixation"  # 9, 10 or 11: all ≥ 9
    Select(browser.find_element(By.ID, "item-pain")).select_by_value("functional")
    _wait_for_total(browser, "11")  # 2 + 3 + 3 + 3
    assert "Total\u202f: 11" in _total(browser).text
    browser.save_screenshot(str(screenshots / "calculator-mirels.png"))
    assert accessibility_violations(browser) == []


def test_the_assessment_page_names_the_patient(service, browser, screenshots):
    source = json.loads((EXAMPLES / "09-missing-data.json").read_text("utf-8"))
    patient = next(e["resource"] for e in source["entry"] if e["resource"]["resourceType"] == "Patient")
    (card,) = [c for c in patient_view(service, source, patient["id"], "fr") if c.get("links")]
    browser.get(card["links"][0]["url"])
    shown = {field: browser.find_element(By.ID, f"banner-{field}").text for field in ("name", "birth", "id")}
    assert shown["id"] == patient["id"]
    assert shown["name"] == (" ".join([*patient["name"][0].get("given", []), patient["name"][0]["family"]])
                             if patient.get("name") else "non renseigné")
    if patient.get("birthDate"):
        year, month, day = patient["birthDate"].split("-")
        assert shown["birth"] == f"{day}/{month}/{year}"
    browser.save_screenshot(str(screenshots / "assessment-banner.png"))
    assert accessibility_violations(browser) == []
