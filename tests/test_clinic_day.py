"""The clinic's day: an assessment made now is as of today in the site's time zone (BONEMET_TIME_ZONE), and a
record timed with its zone before the assessment's instant is never after the assessment date, whatever its local
day says. The clock is moved with time-machine; the records carry the clinic's local times."""

import uuid
from datetime import UTC, datetime

import pytest
import time_machine

from service.cli import main
from service.config import Settings
from service.facts.dates import assessment_moment, parse_date
from support.answer_checks import without_advice
from support.fhir_builders import SCT, bundle, coded, condition, observation, patient, quantity

HOOK = "/cds-services/bonemet-patient-view"
PARIS_HALF_PAST_MIDNIGHT = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # 00:30 on 7 December in Paris
NEW_YORK_EVENING = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 20:00 on 6 December in New York


def searchset(*resources):
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def hook(conditions, observations):
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                         "observations": searchset(*observations), "procedures": None}}


def rades_card(app, body):
    cards = app.test_client().post(HOOK, json=body).get_json()["cards"]
    everything = "\n".join(card["summary"] + "\n" + card.get("detail", "") for card in cards)
    return next(c for c in without_advice(cards) if "Rades" in c["summary"]), everything


def paris_night(motor_at="2026-12-07T00:15:00+01:00", **compression):
    """A cord compression found at 22:00 in Paris; the motor status, the deficit and the visceral status recorded
    15 minutes past midnight, local time."""
    conditions = [condition("breast", SCT, "254837009", onset="2019-01-01"),
                  condition("mscc", SCT, "71286001", onset="2026-12-06T22:00:00+01:00", **compression)]
    observations = [observation("motor", "motor-function", effective=motor_at, **coded("not-ambulatory")),
                    observation("deficit", "days-developing-motor-deficits", effective="2026-12-07T00:15:00+01:00",
                                **quantity(2, "d")),
                    observation("visceral", "visceral-metastases", effective="2026-12-07T00:15:00+01:00",
                                **coded("2667000", SCT))]
    return conditions, observations


@pytest.mark.parametrize("zone,as_of", [("UTC", "2026-12-06"), ("Europe/Paris", "2026-12-07")])
def test_a_paris_record_after_local_midnight_scores_as_at_the_clinic(make_app, zone, as_of):
    """At 00:30 in Paris, records of 00:15 are before now: whatever the site's zone, none is "after the assessment
    date", and the deficit of 2 days counts no day more (0 days old). Before, with the UTC day, Rades was 26–43."""
    app = make_app(time_zone=zone)
    with time_machine.travel(PARIS_HALF_PAST_MIDNIGHT, tick=False):
        card, everything = rades_card(app, hook(*paris_night()))
    # breast 8, > 15 months 8, no visceral metastasis 8, not ambulatory 3, 1-7 days 4
    assert card["summary"].startswith("Spinal cord compression, Rades score 31: ")
    assert "| Motor function before radiotherapy | Not ambulatory | 3 | 2026-12-07 |" in card["detail"]
    assert "| Time developing motor deficits before radiotherapy | 1–7 days | 4 |" in card["detail"]
    assert "after the assessment date" not in everything and "counted on" not in everything
    assert f"Assessed as of {as_of}." in card["detail"]


def test_a_record_timed_after_now_or_dated_after_the_day_is_still_after_the_assessment_date(make_app):
    """The instant only settles a record timed before now: one timed 15 minutes ahead (a record made ahead), or a
    date-only one of the next day, is set aside as before."""
    app = make_app()
    for later in ("2026-12-07T00:45:00+01:00", "2026-12-07"):
        with time_machine.travel(PARIS_HALF_PAST_MIDNIGHT, tick=False):
            card, everything = rades_card(app, hook(*paris_night(motor_at=later)))
        assert card["summary"].endswith("Rades score 29–38: radiotherapy (§1.3), category undetermined, missing: "
                                        "motor status")
        assert "dated 2026-12-07, after the assessment date 2026-12-06" in everything


@pytest.mark.parametrize(("motor_at", "flagged"), [
    ("2026-12-06T23:35:00+00:00", "timed 23:35 on 2026-12-06 (UTC), later than the assessment (12:30): check its time"),
    ("2026-12-06T12:33:00+00:00", None),  # 3 minutes ahead: two clocks, not a record made ahead
    ("2026-12-06T12:00:00+00:00", None),
])
def test_a_record_timed_later_the_same_day_counts_and_says_its_time_beyond_a_few_minutes(make_app, motor_at, flagged):
    """Probe 20 (t12): a motor status timed at 23:35, read at 12:30 the same day, was counted with no word. It still
    counts (probe 22: set aside, a later paraplegia left an older "ambulatory" to score "excellent result"), and the
    card says its time is later than the assessment's."""
    with time_machine.travel(datetime(2026, 12, 6, 12, 30, tzinfo=UTC), tick=False):
        conditions, observations = paris_night(motor_at=motor_at)
        conditions[1]["onsetDateTime"] = "2026-12-05"
        observations[1]["effectiveDateTime"] = observations[2]["effectiveDateTime"] = "2026-12-05"
        card, everything = rades_card(make_app(), hook(conditions, observations))
    assert "| Motor function before radiotherapy | Not ambulatory | 3 | 2026-12-06 |" in card["detail"]
    assert (flagged in card["detail"]) if flagged else "later than the assessment" not in everything


def test_an_abatement_timed_before_now_is_past_whatever_its_local_day(make_app):
    """A compression abated at 00:10 in Paris, assessed at 00:30 there with the UTC day: it has abated (before, it
    was read as abating tomorrow, so still active and scored)."""
    conditions, observations = paris_night()
    conditions[1].pop("clinicalStatus")
    conditions[1]["abatementDateTime"] = "2026-12-07T00:10:00+01:00"
    with time_machine.travel(PARIS_HALF_PAST_MIDNIGHT, tick=False):
        cards = make_app().test_client().post(HOOK, json=hook(conditions, observations)).get_json()["cards"]
    assert not [card for card in cards if "Rades" in card["summary"]]


def new_york_evening():
    """A compression found on 29 November with a deficit of 7 days then; the motor and visceral statuses recorded
    at 18:00 on 6 December, New York time."""
    conditions = [condition("breast", SCT, "254837009", onset="2026-01-15"),
                  condition("mscc", SCT, "71286001", onset="2026-11-29T20:00:00-05:00")]
    observations = [observation("motor", "motor-function", effective="2026-12-06T18:00:00-05:00",
                                **coded("ambulatory-without-aid")),
                    observation("deficit", "days-developing-motor-deficits", effective="2026-11-29T21:00:00-05:00",
                                **quantity(7, "d")),
                    observation("visceral", "visceral-metastases", effective="2026-12-06T18:00:00-05:00",
                                **coded("52101004", SCT))]
    return conditions, observations


@pytest.mark.parametrize("zone,as_of,days,total", [
    ("America/New_York", "2026-12-06", "14 days", 36),  # the clinic's 6 December: 8-14 days, 7 points, group II
    ("UTC", "2026-12-07", "15 days", 38),  # the UTC day: a day more, > 14 days, 9 points, group III
])
def test_a_new_york_evening_is_assessed_on_the_clinics_day(make_app, zone, as_of, days, total):
    app, (conditions, observations) = make_app(time_zone=zone), new_york_evening()
    with time_machine.travel(NEW_YORK_EVENING, tick=False):
        card, _ = rades_card(app, hook(conditions, observations))
        answer = app.test_client().post("/fhir/$assess", json=bundle(patient(), *conditions, *observations))
    assert card["summary"].startswith(f"Spinal cord compression, Rades score {total}: ")
    assert f"Assessed as of {as_of}." in card["detail"]
    assert f"7 days when recorded (2026-11-29), counted on to the assessment date: {days}" in card["detail"]
    outcome = next(entry["resource"] for entry in answer.get_json()["entry"]
                   if entry["resource"]["resourceType"] == "OperationOutcome")
    assert f"Patient/p1: 1 score(s) as of {as_of}" in [issue["diagnostics"] for issue in outcome["issue"]]


def test_the_site_now_is_in_its_zone_and_utc_by_default():
    with time_machine.travel(NEW_YORK_EVENING, tick=False):
        assert Settings.load({}).now().isoformat() == "2026-12-07T01:00:00+00:00"
        assert Settings.load({"BONEMET_TIME_ZONE": "America/New_York"}).now().isoformat() == \
            "2026-12-06T20:00:00-05:00"


def test_an_unknown_time_zone_stops_the_start_naming_the_setting(monkeypatch, capsys):
    monkeypatch.setenv("BONEMET_TIME_ZONE", "Europe/Pariss")
    assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert "BONEMET_TIME_ZONE: 'Europe/Pariss' is not a time zone" in error and "Europe/Paris" in error
    with pytest.raises(ValueError, match="BONEMET_TIME_ZONE"):
        Settings(time_zone="../etc/passwd")


def test_the_assessment_moment_is_now_on_its_day_else_the_end_of_the_day_asked():
    now = datetime(2026, 12, 6, 20, 0, tzinfo=Settings(time_zone="America/New_York").zone)
    assert assessment_moment(now.date(), now) == now
    earlier = assessment_moment(datetime(2026, 12, 1).date(), now)
    assert earlier is not None and earlier.isoformat() == "2026-12-01T23:59:59.999999-05:00"
    assert assessment_moment(now.date(), now.replace(tzinfo=None)) is None  # no zone: days alone are compared
    span = parse_date("2026-12-07T00:15:00+01:00")
    assert span is not None and span.instant == datetime(2026, 12, 6, 23, 15, tzinfo=UTC)
    assert parse_date("2026-12-07").instant is None and parse_date("2026-12-07T00:15:00").instant is None


def test_a_record_of_the_next_day_is_after_a_past_as_of_however_few_minutes_past_midnight(make_app):
    """Review 22 (#1): the 5 minutes allowed for two clocks are not allowed past the end of an earlier asOf: a pain at
    00:03 on 2 December (Paris) counted for an assessment as of 1 December."""
    from support.fhir_builders import lesion, lesion_observations

    observations = lesion_observations()
    for measurement in observations:
        measurement["effectiveDateTime"] = "2026-11-30T10:00:00+01:00"
    observations[2]["effectiveDateTime"] = "2026-12-02T00:03:00+01:00"
    answer = make_app(time_zone="Europe/Paris").test_client().post(
        "/fhir/$assess?asOf=2026-12-01", json=bundle(patient(), lesion(onset="2026-11-01"), *observations)).get_json()
    (risk,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "RiskAssessment"]
    outcome = next(e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "OperationOutcome")
    assert risk["status"] == "preliminary"  # the pain is missing: 8-10
    assert any("Observation/o-pain" in issue["diagnostics"] and "dated 2026-12-02, after the assessment date "
               "2026-12-01" in issue["diagnostics"] for issue in outcome["issue"])


@pytest.mark.parametrize("written", ["2026-12-07T00:50:00+01:00", "2026-12-06T23:50:00Z", "2026-12-06T18:50:00-05:00"])
def test_a_record_ahead_is_said_on_the_sites_clock_whatever_zone_it_is_written_in(make_app, written):
    """Review 22 (#4, #5): now is 00:30 on 7 December in Paris; one instant 20 minutes ahead, written in three zones.
    Each counts, and each is said at 00:50 on the 7th, as the site's clock says it, with its zone."""
    with time_machine.travel(PARIS_HALF_PAST_MIDNIGHT, tick=False):
        conditions, observations = paris_night(motor_at=written)
        for record in (conditions[1], observations[1], observations[2]):
            record["onsetDateTime" if "onsetDateTime" in record else "effectiveDateTime"] = "2026-12-06"
        card, _ = rades_card(make_app(time_zone="Europe/Paris"), hook(conditions, observations))
    assert "| Motor function before radiotherapy | Not ambulatory | 3 |" in card["detail"]
    assert ("Motor function before radiotherapy: timed 00:50 on 2026-12-07 (CET), later than the assessment (00:30): "
            "check its time") in card["detail"]


def test_a_diagnosis_with_its_onset_timed_later_today_is_read_by_its_day(make_app):
    """Review 22 (#7): a cord compression whose onset is timed 14:00 today, read at 12:30: a time typed wrong, or the
    imaging's planned time. Read by its day, as before: its Rades card stands (never hidden for an hour's error)."""
    with time_machine.travel(datetime(2026, 12, 6, 12, 30, tzinfo=UTC), tick=False):
        conditions, observations = paris_night(motor_at="2026-12-06T09:00:00+00:00")
        conditions[1]["onsetDateTime"] = "2026-12-06T14:00:00+00:00"
        for record in observations[1:]:
            record["effectiveDateTime"] = "2026-12-06T09:00:00+00:00"
        card, _ = rades_card(make_app(), hook(conditions, observations))
    assert card["summary"].startswith("Spinal cord compression, Rades score ")


def test_an_operation_timed_later_today_is_read_by_its_day(make_app):
    """Probe 22 (t9): a decompressive laminectomy of the compression, completed and timed 16:00 today, read at 12:30.
    Set aside as after the assessment, it was named on no card, and the Rades card advised against laminectomy with
    no word of it. Read by its day, as before: the card says it first, and §1.4 gives its window."""
    laminectomy = {"resourceType": "Procedure", "id": "lami", "status": "completed",
                   "subject": {"reference": "Patient/p1"}, "performedDateTime": "2026-12-06T16:00:00+00:00",
                   "code": {"coding": [{"system": "https://www.ameli.fr/ccam", "code": "LFFA004"}],
                            "text": "Laminectomie décompressive D6-D8"},
                   "reasonReference": [{"reference": "Condition/mscc"}]}
    with time_machine.travel(datetime(2026, 12, 6, 12, 30, tzinfo=UTC), tick=False):
        conditions, observations = paris_night(motor_at="2026-12-05")
        conditions[1]["onsetDateTime"] = "2026-12-05"
        observations[1]["effectiveDateTime"] = observations[2]["effectiveDateTime"] = "2026-12-05"
        body = hook(conditions, observations)
        body["prefetch"]["procedures"] = searchset(laminectomy)
        card, everything = rades_card(make_app(), body)
    assert "“Laminectomie décompressive D6-D8”, 2026-12-06" in card["detail"]
    assert "post-operative radiotherapy" in everything
