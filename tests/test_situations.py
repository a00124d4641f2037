"""The guideline's situations that are advice (§1.1, §1.4, §1.5): the pure rules (calculators/situations.py) and
what the facts layer reads for them (facts/situations.py, facts/procedures.py), on records built one fact at a
time. The hand-worked hospital records are in tests/corpus/g01-g09 (test_corpus.py)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from service.calculators import rule
from service.calculators.situations import (
    OligometastaticInputs,
    PainInputs,
    PostOperativeInputs,
    oligometastatic,
    pain,
    post_operative,
)
from service.facts import MappingOptions, extract_facts
from service.i18n import translate
from service.pipeline import assess_patient
from support.fhir_builders import (
    CIM10,
    FEMUR,
    FEMUR_SHAFT,
    HUMERUS,
    ICD10,
    LEFT,
    MCODE_LATERALITY,
    RIGHT,
    SCT,
    VERTEBRA,
    cc,
    coded,
    condition,
    lesion,
    lesion_observations,
    observation,
    patient,
    site,
)

AS_OF = date.today()
FIXATION, LAMINECTOMY, RADIOTHERAPY = "1653007", "387731002", "108290001"


def facts_of(*resources):
    return extract_facts([patient(), *resources], MappingOptions(as_of=AS_OF))


def situations(found, name):
    return [s for s in found.situations if s.situation == name]


def advice_of(found, name):
    return [rule(name).evaluate(s.inputs, None) for s in situations(found, name)]


def visceral(present, days_ago=10):
    return observation("visceral", "visceral-metastases", effective=(AS_OF - timedelta(days=days_ago)).isoformat(),
                       **coded("52101004" if present else "2667000", SCT))


def procedure(pid, code, days_ago, status="completed", reason=None, body_site=None):
    resource = {"resourceType": "Procedure", "id": pid, "status": status, "code": cc(SCT, code),
                "subject": {"reference": "Patient/p1"},
                "performedDateTime": (AS_OF - timedelta(days=days_ago)).isoformat()}
    if reason:
        resource["reasonReference"] = [{"reference": reason}]
    if body_site:
        resource["bodySite"] = body_site
    return resource


def spine(cid, text=None, code=VERTEBRA):
    concept = {"coding": [{"system": SCT, "code": code}]}
    if text:
        concept["text"] = text
    return condition(cid, SCT, "94222008", body_site=[concept])


# -- §1.5: counting sites by bone and side ------------------------------------------------------------


def counted(*resources):
    (found,) = situations(facts_of(*resources), "oligometastatic")
    return found.inputs.sites_low, found.inputs.sites_high


def test_two_records_of_one_bone_and_side_are_one_site_two_sides_are_two():
    assert counted(lesion("a"), lesion("b")) == (1, 1)
    assert counted(lesion("a", side=LEFT), lesion("b", side=RIGHT)) == (2, 2)


def test_a_paired_bone_without_its_side_beside_the_same_bone_may_be_one_site_or_two():
    assert counted(lesion("a", side=LEFT), lesion("b", side=None)) == (1, 2)
    assert counted(lesion("b", side=None)) == (1, 1)  # alone, it is one site whatever its side


def test_a_sacrum_is_one_site_whatever_levels_its_records_write():
    """The sacrum is one bone (S1-S5 fused), and sites are counted by bone and side (two records of the left femur
    are one site): "S1-S2" is one site, as is "S1" beside the sacrum (review 18: two, which could reach 4 and take the
    ablative advice away); beside a record of the spine with no level, maybe the same site; the coccyx its own."""
    sacrum = condition("s", SCT, "94222008", body_site=[site("54735007")])
    spanning = condition("s", SCT, "94222008", body_site=[{**site("54735007"), "text": "S1-S2"}])
    spine = condition("v", SCT, "94222008", body_site=[site("421060004")])
    coccyx = condition("c", SCT, "94222008", body_site=[site("64688005")])
    assert counted(sacrum) == (1, 1)
    assert counted(spanning) == (1, 1)
    assert counted(sacrum, spine) == (1, 2)
    assert counted(sacrum, coccyx) == (2, 2)


def test_a_record_with_no_site_may_be_a_site_already_counted_or_another_or_several():
    """A French hospital codes "Métastases osseuses multiples" (C79.5) once, whatever the number of sites: a record
    of no site is at least one site, with no bound above (it was "1 bone metastatic site", a firm ablative card)."""
    assert counted(lesion("a"), lesion("b", bone=None)) == (1, None)
    assert counted(lesion("b", bone=None)) == (1, None)


def _in_a_body_structure(cid, code, side=None, contained=True):
    """A bone metastasis whose site is only in a BodyStructure (FHIR's bodySite extension), as Mirels reads it."""
    structure = {"resourceType": "BodyStructure", "id": f"bs-{cid}", "location": cc(SCT, code),
                 "patient": {"reference": "Patient/p1"}}
    if side:
        structure["locationQualifier"] = [cc(SCT, side)]
    found = condition(cid, SCT, "94222008")
    reference = f"#bs-{cid}" if contained else f"BodyStructure/bs-{cid}"
    found["extension"] = [{"url": "http://hl7.org/fhir/StructureDefinition/bodySite",
                           "valueReference": {"reference": reference}}]
    if contained:
        found["contained"] = [structure]
        return (found,)
    return found, structure


def test_a_site_recorded_in_a_body_structure_is_counted_as_mirels_reads_it():
    """The count read the Condition's bodySite only: a left femur in a BodyStructure was "not read (no coded
    bone)", and three sites read "1 to 2" or "3 to 4" beside a Mirels card naming that femur."""
    for contained in (True, False):
        assert counted(*_in_a_body_structure("a", FEMUR, LEFT, contained), lesion("b", side=LEFT)) == (1, 1)
        assert counted(*_in_a_body_structure("a", FEMUR, LEFT, contained), lesion("b", side=RIGHT)) == (2, 2)
    assert counted(*_in_a_body_structure("a", FEMUR, LEFT), lesion("b", side=LEFT, bone=HUMERUS),
                   spine("c", "T7")) == (3, 3)


def test_ribs_are_bones_apart_and_levels_are_read_within_words_and_spans():
    """The rib code stands for twelve bones a side: four left ribs read "1 site" (probe 12). Levels within words
    ("corps vertébral de T7", "Th10") and spans ("L2-L3", "T12-L1") are read; "C79.5" is no level."""
    rib = "113197003"
    assert counted(lesion("a", bone=rib, side=LEFT), lesion("b", bone=rib, side=LEFT),
                   lesion("c", bone=rib, side=LEFT)) == (1, 3)
    assert counted(lesion("a", bone=rib, side=LEFT), lesion("b", bone=rib, side=LEFT),
                   lesion("c", bone=rib, side=RIGHT)) == (2, 3)  # a right rib is surely another bone
    assert counted(spine("a", "corps vertébral de T7"), spine("b", "Th10")) == (2, 2)
    # A span is one site or one per level (one lesion across two vertebrae; the sources do not say): a range.
    assert counted(spine("a", "L2-L3"), spine("b", "T9")) == (2, 3)
    assert counted(spine("a", "T12-L1")) == (1, 2)
    # Words naming more than vertebrae are not read as levels: the count stays open (review).
    for words in ("Métastases osseuses multiples dont T7", "T7 et côtes", "bassin, L3"):
        assert counted(condition("a", SCT, "94222008", body_site=[{"text": words}]))[1] is None, words


def test_vertebral_levels_written_apart_are_sites_apart_and_dorsal_is_thoracic():
    assert counted(spine("a", "T7"), spine("b", "T9")) == (2, 2)
    assert counted(spine("a", "T7"), spine("b", "D7")) == (1, 1)  # D7, as French records write it, is T7
    assert counted(spine("a"), spine("b")) == (1, 2)  # "vertebra" twice: one vertebra or two


def test_levels_apart_in_one_record_are_sites_apart_and_the_sacrum_is_no_thoracic_vertebra():
    """Probe 18: "Métastases rachidiennes D4, D7, L2" and a skull metastasis counted "2 to 4" and offered the ablative
    board, one line per level saying the record "may be a site already counted". Levels apart are as many sites
    (no lesion spans them): 4, so §1.5 does not apply; adjacent levels stay a range. And a sacrum beside T10 "may
    be a site already counted": the sacrum is one bone, of no other region."""
    thoracic, lumbar, sacrum = "122495006", "122496007", "54735007"
    several = condition("rach", SCT, "94222008", body_site=[
        {"coding": [{"system": SCT, "code": thoracic}], "text": "D4, D7"},
        {"coding": [{"system": SCT, "code": lumbar}], "text": "L2"}])
    several["bodySite"] = [{"text": "D4, D7, L2"}]
    assert counted(several) == (3, 3)
    assert counted(spine("a", "T4 à T6")) == (1, 3)  # adjacent: one lesion across them, or one a level
    assert counted(spine("a", "T4, T6, T5")) == (1, 3)  # in any order written (review 18)
    (found,) = situations(facts_of(spine("a", "T4 à T6")), "oligometastatic")
    assert sum("may be a site already counted" in str(item) for item in found.inputs.missing) == 1  # not one a level
    assert counted(spine("s", code=sacrum), spine("t", "T10", code=thoracic)) == (2, 2)
    assert counted(spine("s", code=sacrum), spine("s2", code=sacrum)) == (1, 1)
    assert counted(spine("s", code=sacrum), spine("v")) == (1, 2)  # a vertebra of no stated region may be it
    # Its levels are the one bone's (review 18: "S1" beside the sacrum, and "S1" beside "S2", counted two sites).
    assert counted(spine("s", "S1", code=sacrum), spine("s2", code=sacrum)) == (1, 1)
    assert counted(spine("s", "S1"), spine("s2", "S2")) == (1, 1)
    assert counted(spine("s", "S1-S2")) == (1, 1)
    assert counted(spine("ls", "L5-S1")) == (1, 2)  # the lumbosacral junction: one lesion or two (review 20)


def test_levels_in_the_diagnosis_words_are_sites_where_its_site_names_no_level():
    """Probe 23 (s13): "MTS rachis D4, D7, L2" (C79.5), its bodySite "vertebra", beside a humerus: counted as 2 sites,
    the ablative board offered. Its words name three levels apart: 4 sites, §1.5 does not apply."""
    diagnosis = spine("rach")
    diagnosis["code"] = {"coding": [{"system": CIM10, "code": "C79.5"}], "text": "MTS rachis D4, D7, L2"}
    assert counted(diagnosis, lesion("h", bone=HUMERUS)) == (4, 4)
    (found,) = situations(facts_of(diagnosis, lesion("h", bone=HUMERUS)), "oligometastatic")
    assert any("MTS rachis D4, D7, L2" in where.place.words() for where in found.about if where.place)  # as written
    diagnosis["code"]["text"] = "Métastase vertébrale D7"
    assert counted(diagnosis, spine("b", "T7")) == (1, 1)  # one level: the same vertebra as the other record's
    diagnosis["code"]["text"] = "Métastases osseuses dont D4, D7 et côtes"  # more than vertebrae: its site's count
    assert counted(diagnosis) == (1, 1)
    del diagnosis["bodySite"]
    diagnosis["code"]["text"] = "Métastases osseuses multiples L2"  # "multiple": the count stays open (review 26)
    assert counted(diagnosis)[1] is None


def test_a_cord_compression_stands_for_a_vertebral_site_at_its_level():
    compression = condition("mscc", CIM10, "G95.2", body_site=[{"text": "T7"}])
    assert counted(compression) == (1, 1)
    assert counted(compression, spine("a", "T7")) == (1, 1)
    assert counted(compression, spine("a", "T9")) == (2, 2)
    assert counted(compression, lesion("b")) == (2, 2)


def _sites_counted(client, conditions, language):
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "observations": {"resourceType": "Bundle", "type": "searchset"},
                         "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [
                             {"resource": resource} for resource in conditions]}}}
    cards = client.post("/cds-services/bonemet-patient-view", json=body,
                        headers={"Accept-Language": language}).get_json()["cards"]
    (card,) = [card for card in cards if card["source"]["topic"]["code"] == "oligometastatic"]
    (sites,) = [part for part in card["detail"].split("\n\n") if part.startswith(("**Sites counted**",
                                                                                  "**Sites comptés**"))]
    return sites.splitlines()[1:]


@pytest.mark.parametrize("language,lines", [
    ("en", (["- one site, 2 records (vertebra (“T7” in the record); spinal cord compression, “T7” (as written))"],
            ["- spinal cord compression: 2 records (“T7” (as written); “D7” (as written))"])),
    ("fr", (["- un même site, 2 entrées du dossier (vertèbre (« T7 » dans le dossier)\u202f; compression médullaire, "
             "« T7 » (tel qu'écrit))"],
            ["- compression médullaire\u202f: 2 entrées du dossier (« T7 » (tel qu'écrit)\u202f; « D7 » (tel "
             "qu'écrit))"]))])
def test_a_compression_counted_with_the_site_it_stands_for_is_named_as_one_not_as_a_lesion(client, language, lines):
    """A metastasis at T7 and a compression at T7 read "one site, 2 lesions", and one compression recorded twice "one
    site, 2 lesions": a compression is no lesion (it stands for its vertebral site). The count is unchanged."""
    def typed(text):  # « » as typed: the card sets a narrow no-break space inside them
        return [line.replace("«\u202f", "« ").replace("\u202f»", " »") for line in text]
    compression = condition("mscc", CIM10, "G95.2", body_site=[{"text": "T7"}])
    twice = condition("mscc-2", CIM10, "G95.2", body_site=[{"text": "D7"}])
    assert typed(_sites_counted(client, [compression, spine("a", "T7")], language)) == lines[0]
    assert typed(_sites_counted(client, [compression, twice], language)) == lines[1]
    assert counted(compression, twice) == (1, 1)
    assert _sites_counted(client, [compression], language) == [
        "- spinal cord compression, “T7” (as written)" if language == "en" else
        "- compression médullaire, «\u202fT7\u202f» (tel qu'écrit)"]
    assert _sites_counted(client, [lesion("a"), lesion("b")], language) == [  # lesions stay lesions
        "- left femur, shaft of femur: 2 lesions" if language == "en" else
        "- fémur gauche, diaphyse fémorale\u202f: 2 lésions"]


def test_refuted_or_inactive_records_are_not_sites():
    assert counted(lesion("a"), lesion("b", side=RIGHT, verification="refuted")) == (1, 1)
    assert counted(lesion("a"), lesion("b", side=RIGHT, clinical="resolved")) == (1, 2)  # it may count: said


def test_a_site_not_counted_for_its_status_is_named_on_the_card_a_refuted_one_is_not():
    """A resolved right femur was left out of the count with no word (a probe's three sites, one resolved, read
    "3 sites"): it is named, with the guideline's silence on whether such a site counts, and its place."""
    found = facts_of(lesion("a"), lesion("b", side=RIGHT, clinical="resolved"),
                     lesion("c", bone=HUMERUS, verification="refuted"), visceral(False))
    (oligo,) = situations(found, "oligometastatic")
    (note,) = [str(n) for n in oligo.inputs.missing if "not counted" in str(n)]
    assert note.startswith("Condition/b (right femur, shaft of femur) is not counted (resolved)")
    assert "the guideline does not say whether such a site counts" in note
    # It may count: 1 to 2 sites, within 1 to 3 either way. Three active and one resolved: 3 to 4, so "possible".
    assert (oligo.inputs.sites_low, oligo.inputs.sites_high) == (1, 2)
    four = facts_of(lesion("a"), lesion("b", side=RIGHT, clinical="resolved"), lesion("c", bone=HUMERUS, side=LEFT),
                    lesion("d", bone=HUMERUS, side=RIGHT), visceral(False))
    (advice,) = advice_of(four, "oligometastatic")
    assert advice.possible and any("not counted" in text for text in advice.missing_words("en"))


def test_a_bone_coded_on_both_sides_is_two_sites():
    """A tibia with laterality "right and left" beside a left femur and a right humerus: four sites, so no ablative
    proposal (it counted as "several sites", at least 2, and the card proposed it)."""
    both = lesion("c", bone="12611008", side="51440002")
    found = facts_of(lesion("a"), lesion("b", bone=HUMERUS, side=RIGHT), both, visceral(False))
    assert counted(lesion("a"), lesion("b", bone=HUMERUS, side=RIGHT), both) == (4, 4)
    assert advice_of(found, "oligometastatic") == [None]
    ribs = condition("ribs", SCT, "94222008", body_site=[site("113197003", "51440002")])  # a rib, both sides
    low, _ = counted(ribs, lesion("a"), lesion("b", bone=HUMERUS, side=RIGHT))
    assert low == 4  # two ribs at least (one read as one site, a §1.5 card for four: probe 15)
    sternum = condition("sternum", SCT, "94222008", body_site=[site("56873002", "51440002")])  # "bilateral"
    assert counted(sternum, lesion("a"), lesion("b", bone=HUMERUS, side=RIGHT)) == (3, 3)  # one bone: no sides (review)


def test_one_to_three_sites_and_no_visceral_metastasis_propose_the_ablative_intent():
    (advice,) = advice_of(facts_of(lesion("a"), visceral(False)), "oligometastatic")
    assert advice and not advice.possible
    assert advice.figures == {"sites_low": 1, "sites_high": 1, "visceral_known": True}
    three = [lesion("a"), lesion("b", side=RIGHT), lesion("c", bone=HUMERUS), visceral(False)]
    assert not advice_of(facts_of(*three), "oligometastatic")[0].possible
    four = [*three, lesion("d", bone=HUMERUS, side=RIGHT)]
    assert advice_of(facts_of(*four), "oligometastatic") == [None]
    assert advice_of(facts_of(lesion("a"), visceral(True)), "oligometastatic") == [None]


def test_unknowns_make_it_possible_and_say_what_is_missing():
    (advice,) = advice_of(facts_of(lesion("a")), "oligometastatic")
    assert advice.possible and any("Visceral metastases" in text for text in advice.missing_words("en"))
    assert advice.figures["visceral_known"] is False  # the summary says it (render.advice)
    # 1 or 2 sites would be within 1 to 3 whichever it is; but a record of no site may stand for several
    # ("Métastases osseuses multiples", coded once): open above, so only possible (probe 12).
    (advice,) = advice_of(facts_of(lesion("a"), lesion("b", bone=None), visceral(False)), "oligometastatic")
    assert advice.possible and advice.figures == {"sites_low": 1, "sites_high": None, "visceral_known": True}
    (advice,) = advice_of(facts_of(lesion("a"), lesion("b", side=RIGHT), visceral(False)), "oligometastatic")
    assert not advice.possible and advice.figures == {"sites_low": 2, "sites_high": 2, "visceral_known": True}
    three = [lesion("a"), lesion("b", side=RIGHT), lesion("c", bone=HUMERUS)]
    (advice,) = advice_of(facts_of(*three, lesion("d", bone=None), visceral(False)), "oligometastatic")
    assert advice.possible and any("not read" in text for text in advice.missing_words("en"))  # 3 or 4
    old = visceral(False, days_ago=120)  # older than the 90-day window: not counted, named
    (advice,) = advice_of(facts_of(lesion("a"), old), "oligometastatic")
    assert advice.possible and any("120 days" in text for text in advice.missing_words("en"))
    # Probe 27 (p22): a liver metastasis resected in 2023 was not named beside "nothing recorded" (the note was
    # dropped): said, with the guideline's silence on a past one.
    liver = condition("liver", ICD10, "C78.7", clinical="resolved", onset="2023-01-10")
    (advice,) = advice_of(facts_of(lesion("a"), liver), "oligometastatic")
    assert advice.possible
    assert ("Condition/liver: a metastasis recorded as no longer active, not counted as present now; the guideline "
            "does not say whether a past one counts") in advice.missing_words("en")


def test_a_compression_or_a_site_irradiated_is_said_beside_the_ablative_intent():
    """Probe 27 (p11, p26): "1 bone metastatic site recorded, no visceral metastasis: discuss ablative radiotherapy"
    beside a spinal cord compression (§1.3's emergency) or a site irradiated already, neither named. The guideline
    is silent on both: each is said, the advice unchanged."""
    compression = condition("mscc", CIM10, "G95.2", body_site=[{"coding": [{"system": SCT, "code": VERTEBRA}],
                                                                 "text": "T7"}])
    course = procedure("rt", RADIOTHERAPY, 10, reason="Condition/a")
    (found,) = situations(facts_of(lesion("a"), course, visceral(False)), "oligometastatic")
    assert [str(note) for note in found.notes] == [
        "Condition/a: a radiotherapy of it is recorded (Procedure/rt); the guideline does not say whether a site "
        "irradiated already counts for the ablative intent"]
    (found,) = situations(facts_of(compression, visceral(False)), "oligometastatic")
    assert [str(note) for note in found.notes] == [  # its place, not its code (review 32: "“G95.2”")
        "a spinal cord compression is recorded (vertebra (“T7” in the record)) (§1.3); the guideline does not say "
        "whether the ablative intent applies to it"]
    (advice,) = advice_of(facts_of(compression, visceral(False)), "oligometastatic")
    assert not advice.possible  # the advice stands: the guideline's silence is said beside it
    # One not confirmed was said as a compression, with §1.3's emergency: its doubt is said with it.
    provisional = condition("mscc", CIM10, "G95.2", verification="provisional",
                            body_site=[{"coding": [{"system": SCT, "code": VERTEBRA}], "text": "T7"}])
    (found,) = situations(facts_of(provisional, visceral(False)), "oligometastatic")
    assert [str(note) for note in found.notes] == [
        "a spinal cord compression is recorded (vertebra (“T7” in the record)), provisional diagnosis (§1.3): if it "
        "is confirmed, the guideline does not say whether the ablative intent applies"]
    assert translate(found.notes[0], "fr").startswith("une compression médullaire est enregistrée (vertèbre (« T7 » "
                                                      "dans le dossier)), diagnostic provisoire (§1.3)")


def _oligometastatic_card(client, body):
    cards = client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"]
    (card,) = [card for card in cards if card["source"]["topic"]["code"] == "oligometastatic"]
    return card


@pytest.mark.parametrize("cut", ["total", "next"])
def test_diagnoses_sent_in_part_leave_the_count_open_above_and_say_so(client, cut):
    """One femur site and no visceral metastasis proposes the ablative intent; but when the EHR sent 2 of the
    patient's 9 diagnoses (or a first page it could not complete), the 7 others may record more sites: the count
    is at least 1, the advice possible only, and the card says why (the last session's note: counted with no
    hedge). The mapping options carry it, and a whole record is unchanged."""
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(),
                         "observations": {"resourceType": "Bundle", "type": "searchset",
                                          "entry": [{"resource": visceral(False)}]},
                         "conditions": {"resourceType": "Bundle", "type": "searchset", "total": 2, "entry": [
                             {"resource": lesion("a")}, {"resource": condition("primary", CIM10, "C50.4")}]}}}
    whole = _oligometastatic_card(client, body)
    assert whole["summary"].startswith("1 bone metastatic site recorded"), whole["summary"]
    if cut == "total":
        body["prefetch"]["conditions"]["total"] = 9
    else:
        body["prefetch"]["conditions"]["link"] = [{"relation": "next", "url": "https://ehr.example.org/fhir/p2"}]
    card = _oligometastatic_card(client, body)
    assert card["summary"].startswith("Possible:") and "at least 1 bone metastatic site" in card["summary"]
    assert "the EHR sent only part of the patient's diagnoses: the others may record more sites" in card["detail"]
    (advice,) = advice_of(extract_facts([patient(), lesion("a"), visceral(False)], MappingOptions(
        as_of=AS_OF, partial=frozenset({"Condition"}))), "oligometastatic")
    assert advice.possible and advice.figures["sites_high"] is None
    # Observations sent in part: the count stands, but "absent" may be followed by a "present" not sent (review 21).
    (advice,) = advice_of(extract_facts([patient(), lesion("a"), visceral(False)], MappingOptions(
        as_of=AS_OF, partial=frozenset({"Observation"}))), "oligometastatic")
    assert advice.possible and advice.figures == {"sites_low": 1, "sites_high": 1, "visceral_known": False}
    assert any("sent only part of the patient's observations" in text for text in advice.missing_words("en"))
    (advice,) = advice_of(extract_facts([patient(), lesion("a"), visceral(True)], MappingOptions(
        as_of=AS_OF, partial=frozenset({"Observation"}))), "oligometastatic")
    assert advice is None  # "present" stands, whatever was not sent


def test_no_bone_metastasis_nothing_to_say():
    assert situations(facts_of(condition("sein", CIM10, "C50.4")), "oligometastatic") == []


@pytest.mark.parametrize("low,high,visceral_status,expected", [
    (1, 1, False, "certain"), (3, 3, False, "certain"), (4, 4, False, None), (2, 4, False, "possible"),
    (1, None, False, "possible"), (1, 1, None, "possible"), (1, 1, True, None), (0, 0, False, None),
])
def test_the_oligometastatic_rule(low, high, visceral_status, expected):
    advice = oligometastatic(OligometastaticInputs(low, high, visceral_status))
    assert (None if advice is None else "possible" if advice.possible else "certain") == expected


# -- §1.4: after surgery --------------------------------------------------------------------------------


@pytest.mark.parametrize("days_ago,phase", [(10, "before"), (14, "before"), (15, "open"), (18, "open"),
                                            (21, "open"), (22, "passed"), (30, "passed")])
def test_the_window_is_day_15_to_day_21_after_the_operation(days_ago, phase):
    operated = AS_OF - timedelta(days=days_ago)
    advice = post_operative(PostOperativeInputs(operated, operated, AS_OF))
    assert advice.phase == phase and not advice.possible
    assert (advice.figures["opens"], advice.figures["closes"]) == (operated + timedelta(days=15),
                                                                   operated + timedelta(days=21))


def test_an_operation_known_by_its_month_gives_the_widest_window_and_says_so():
    advice = post_operative(PostOperativeInputs(date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 10)))
    assert advice.possible and (advice.figures["opens"], advice.figures["closes"]) == (date(2026, 10, 16),
                                                                                       date(2026, 11, 21))
    undated = post_operative(PostOperativeInputs(None, None, AS_OF))
    assert "opens" not in undated.figures and "not recorded" in undated.missing_words("en")[0]


@pytest.mark.parametrize("as_of,phase,days", [
    (date(2026, 12, 6), "maybe", (date(2026, 11, 15), date(2026, 11, 21))),  # open for a third of November only
    (date(2026, 11, 10), "before", None), (date(2026, 12, 22), "passed", None),
    (date(2026, 11, 18), "maybe", (date(2026, 11, 1), date(2026, 11, 3))),
])
def test_an_operation_known_by_its_month_is_open_today_only_if_every_day_of_it_says_so(as_of, phase, days):
    """Operated "2026-11": on 2026-12-06 the window is open only for an operation on 15 to 21 November; it was
    said "post-operative radiotherapy now" (a category that not every completion gives)."""
    advice = post_operative(PostOperativeInputs(date(2026, 11, 1), date(2026, 11, 30), as_of))
    assert advice.phase == phase and advice.possible
    assert (advice.figures.get("open_if_from"), advice.figures.get("open_if_to")) == (days or (None, None))


def test_an_operation_over_several_days_is_any_of_them_as_a_month_is():
    """performedPeriod 2026-11-16 to 2026-11-19 was read as done on the 19th: "now, until 2026-12-10", where an
    operation on the 16th has its window closing on 2026-12-07."""
    operated = procedure("fix", FIXATION, 0, reason="Condition/lesion-1")
    del operated["performedDateTime"]
    operated["performedPeriod"] = {"start": (AS_OF - timedelta(days=20)).isoformat(),
                                   "end": (AS_OF - timedelta(days=17)).isoformat()}
    patient_facts = facts_of(lesion(), operated)
    (found,) = situations(patient_facts, "post_operative")
    assert (found.inputs.operated_from, found.inputs.operated_to) == (AS_OF - timedelta(days=20),
                                                                      AS_OF - timedelta(days=17))
    # Named with its whole period where a card names it (the day alone would be its first).
    assert patient_facts.labels["Procedure/fix"].when == (f"{(AS_OF - timedelta(days=20)).isoformat()} – "
                                                          f"{(AS_OF - timedelta(days=17)).isoformat()}")
    operated["performedPeriod"]["start"] = (AS_OF - timedelta(days=17)).isoformat() + "T08:00:00Z"  # one day
    (found,) = situations(facts_of(lesion(), operated), "post_operative")
    assert found.inputs.operated_from == found.inputs.operated_to == AS_OF - timedelta(days=17)


def test_a_fixed_lesion_gets_no_mirels_score_and_the_post_operative_window():
    found = facts_of(lesion(), *lesion_observations(), procedure("nail", FIXATION, 18, reason="Condition/lesion-1"))
    assert found.scored_by("mirels") == []
    assert "fixed" in found.entry("Condition/lesion-1").reason
    (operated,) = situations(found, "post_operative")
    assert [where.ref for where in operated.about] == ["Procedure/nail", "Condition/lesion-1"]
    assert rule("post_operative").evaluate(operated.inputs, None).phase == "open"
    size = found.entry("Observation/o-size")  # said as what it is, not as a measurement of no lesion
    assert size.reason == "of a lesion already fixed (Procedure/nail): no Mirels score; not used"
    assert not size.attention


def test_a_fixation_linked_by_bone_and_side_only_fixes_that_side():
    found = facts_of(lesion("left"), lesion("right", side=RIGHT),
                     procedure("nail", FIXATION, 18, body_site=[site(FEMUR_SHAFT, LEFT)]))
    assert [lesion_facts.condition for lesion_facts in found.scored_by("mirels")] == ["Condition/right"]
    side_on_the_procedure = {**procedure("nail", FIXATION, 18, body_site=[site(FEMUR_SHAFT)]),  # as mCODE allows
                             "extension": [{"url": MCODE_LATERALITY, "valueCodeableConcept": cc(SCT, LEFT)}]}
    found = facts_of(lesion("left"), lesion("right", side=RIGHT), side_on_the_procedure)
    assert [lesion_facts.condition for lesion_facts in found.scored_by("mirels")] == ["Condition/right"]


def test_a_fixation_before_the_lesion_began_does_not_end_its_score():
    early = lesion(onset=(AS_OF - timedelta(days=5)).isoformat())
    found = facts_of(early, procedure("nail", FIXATION, 18, reason="Condition/lesion-1"))
    assert [f.condition for f in found.scored_by("mirels")] == ["Condition/lesion-1"]


@pytest.mark.parametrize("status", ["in-progress", "not-done", "entered-in-error", "preparation"])
def test_only_an_operation_done_counts(status):
    found = facts_of(lesion(), procedure("nail", FIXATION, 18, status=status, reason="Condition/lesion-1"))
    assert situations(found, "post_operative") == [] and len(found.scored_by("mirels")) == 1


def test_a_window_passed_says_the_post_operative_radiotherapy_is_always_indicated():
    """"post-operative radiotherapy window passed on 2026-11-28" read as "too late" (review 16), where the guideline
    says it is always indicated (§1.4, "à faire systématiquement") and is silent on a later start."""
    from service.render.advice import summary

    compression = condition("mscc", CIM10, "G95.2")
    found = facts_of(compression, procedure("lami", LAMINECTOMY, 25, reason="Condition/mscc"))
    (operated,) = situations(found, "post_operative")
    advice = rule("post_operative").evaluate(operated.inputs, None)
    closed = (AS_OF - timedelta(days=4)).isoformat()
    assert advice.phase == "passed"
    assert summary(operated, advice, "en").endswith(
        f"post-operative radiotherapy always indicated; window closed {closed}, start for the team")
    assert "radiothérapie post-opératoire toujours indiquée, fenêtre close le" in summary(operated, advice, "fr")


def test_a_radiotherapy_since_the_operation_closes_the_advice_and_an_old_operation_is_history():
    compression = condition("mscc", CIM10, "G95.2")
    found = facts_of(compression, procedure("lami", LAMINECTOMY, 18, reason="Condition/mscc"),
                     procedure("rt", RADIOTHERAPY, 16))
    (operated,) = situations(found, "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None) is None
    assert found.entry("Procedure/rt").outcome == "used"
    old = facts_of(compression, procedure("lami", LAMINECTOMY, 60, reason="Condition/mscc"))
    assert situations(old, "post_operative") == [] and "passed" in old.entry("Procedure/lami").reason


def test_a_radiotherapy_of_another_site_leaves_the_operated_sites_window_open():
    """A femur fixed 18 days ago and a radiotherapy of the spinal cord compression 16 days ago: another course,
    which ends nothing; the femur's window is still said. A radiotherapy of the fixed lesion ends it."""
    compression = condition("mscc", CIM10, "G95.2")
    fixed_femur = procedure("nail", FIXATION, 18, reason="Condition/lesion-1")
    found = facts_of(lesion(), compression, fixed_femur, procedure("rt", RADIOTHERAPY, 16, reason="Condition/mscc"))
    (operated,) = situations(found, "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None).phase == "open"
    found = facts_of(lesion(), compression, fixed_femur, procedure("rt", RADIOTHERAPY, 16, reason="Condition/lesion-1"))
    (operated,) = situations(found, "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None) is None
    # One that names the primary cancer says no site: its bodySite, the fixed femur, makes it this one's course.
    breast = condition("breast", SCT, "254837009")
    on_femur = procedure("rt", RADIOTHERAPY, 16, reason="Condition/breast", body_site=[site(FEMUR_SHAFT, LEFT)])
    (operated,) = situations(facts_of(lesion(), breast, fixed_femur | {"bodySite": [site(FEMUR_SHAFT, LEFT)]},
                                      on_femur), "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None) is None


def test_a_fixation_naming_its_lesion_only_is_of_that_lesions_bone_a_course_under_way_or_in_words_is_said():
    """Probe 16. A femur fixation naming its lesion only (no bodySite), and a radiotherapy of the right humerus since:
    taken as the femur's post-operative course, the §1.4 card vanished with no word. A post-operative course under
    way (in-progress) was not read as given: "post-operative radiotherapy now". One coded outside the lists (CCAM),
    its words naming a radiotherapy, was dropped: "now" again. Under way, it is given; in words, it is said."""
    fixed_femur = procedure("nail", FIXATION, 18, reason="Condition/lesion-1")
    humerus = procedure("rt", RADIOTHERAPY, 2, body_site=[site(HUMERUS, RIGHT)])
    (operated,) = situations(facts_of(lesion(), fixed_femur, humerus), "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None).phase == "open"
    left_femur = procedure("rt", RADIOTHERAPY, 2, body_site=[site(FEMUR_SHAFT, LEFT)])  # this bone: its course
    (operated,) = situations(facts_of(lesion(), fixed_femur, left_femur), "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None) is None
    under_way = procedure("rt", RADIOTHERAPY, 2, status="in-progress", reason="Condition/lesion-1")
    found = facts_of(lesion(), fixed_femur, under_way)
    (operated,) = situations(found, "post_operative")
    assert operated.inputs.radiotherapy_since and rule("post_operative").evaluate(operated.inputs, None) is None
    assert found.entry("Procedure/rt").outcome == "used"
    in_words = procedure("rt", "ZZNL050", 2, reason="Condition/lesion-1") | {"code": {"coding": [
        {"system": "https://www.ameli.fr/ccam", "code": "ZZNL050"}], "text": "RTE post-op fémur G 20 Gy/5"}}
    found = facts_of(lesion(), fixed_femur, in_words)
    (operated,) = situations(found, "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None).phase == "open"  # never read as given
    assert [str(note) for note in operated.notes][1:] == [
        "a radiotherapy is recorded (Procedure/rt), its code in none of the procedure lists read here: if it is this "
        "site's since the operation, the post-operative radiotherapy is given or under way; check it"]
    assert found.entry("Procedure/rt").outcome == "used"
    from service.render.advice import summary  # "now" may be done: the summary says to check it first (probe 17)

    advice = rule("post_operative").evaluate(operated.inputs, None)
    assert summary(operated, advice, "en").startswith("Left femur: radiotherapy recorded since, check it first — ")
    before = in_words | {"performedDateTime": (AS_OF - timedelta(days=30)).isoformat()}  # before the operation
    (operated,) = situations(facts_of(lesion(), fixed_femur, before), "post_operative")
    assert not any("a radiotherapy is recorded" in str(note) for note in operated.notes)
    # Whatever else its words say (imaging, a follow-up): said, for the clinician to check (review 20: silent).
    for words in ("Séance d'irradiation externe, contrôle par imagerie (IGRT)", "Suivi radiothérapie fémur G"):
        said_so = in_words | {"code": {**in_words["code"], "text": words}}
        (operated,) = situations(facts_of(lesion(), fixed_femur, said_so), "post_operative")
        assert any("a radiotherapy is recorded (Procedure/rt)" in str(note) for note in operated.notes), words


def test_surgery_coded_outside_the_lists_its_words_naming_it_opens_a_possible_post_operative_window():
    """Probe 16: every French record codes operations in CCAM; a "Laminectomie décompressive D9-D11" naming the
    compression 18 days ago gave no §1.4 card, and the delay to radiotherapy went unflagged. Its words name surgery:
    the window is given as possible, what the operation was to check; a cementoplasty (interventional radiology),
    a bare code, or an operation of nothing scored open none."""
    compression = condition("mscc", CIM10, "G95.2")
    ccam = {"system": "https://www.ameli.fr/ccam", "code": "LFFA004"}

    def coded_otherwise(words, days_ago=18, reason="Condition/mscc"):
        return procedure("op", "x", days_ago, reason=reason) | {"code": {"coding": [ccam], "text": words}}

    (operated,) = situations(facts_of(compression, coded_otherwise("Laminectomie décompressive D9-D11")),
                             "post_operative")
    advice = rule("post_operative").evaluate(operated.inputs, None)
    assert advice.phase == "open" and advice.possible and advice.figures["kind_unread"]
    assert [str(text) for text in advice.missing] == [
        "what the operation was is not read (its code is in none of the procedure lists read here): if it was "
        "surgery of this site, the post-operative radiotherapy applies; check it"]
    for other in (coded_otherwise("Cimentoplastie T10"), coded_otherwise("Laminectomie", reason="Condition/x"),
                  coded_otherwise("Laminectomie décompressive", days_ago=60),
                  procedure("op", "x", 18, reason="Condition/mscc") | {"code": {"coding": [ccam]}}):
        assert situations(facts_of(compression, other), "post_operative") == [], other


def test_a_course_of_another_site_or_stopped_early_leaves_the_window_and_is_said():
    """Probe 17: a breast radiotherapy (bodySite the breast, reason the cancer) ended a fixed femur's window with no
    word, and a post-operative course stopped after one fraction counted as given. Neither surely is the femur's
    whole course: the window stays, and the card says what to check."""
    fixed_femur = procedure("nail", FIXATION, 17, reason="Condition/lesion-1")
    breast = procedure("rt", RADIOTHERAPY, 5, body_site=[cc(SCT, "80248007")])
    stopped = procedure("rt", RADIOTHERAPY, 5, status="stopped", reason="Condition/lesion-1")
    for course, why in ((breast, "its site not read as this one's"), (stopped, "stopped or paused before its end")):
        (operated,) = situations(facts_of(lesion(), fixed_femur, course), "post_operative")
        assert rule("post_operative").evaluate(operated.inputs, None).phase == "open"
        assert any(f"a radiotherapy is recorded since the operation (Procedure/rt), {why}" in str(note)
                   for note in operated.notes), operated.notes
    under_way = procedure("rt", RADIOTHERAPY, 5, status="in-progress", reason="Condition/lesion-1")
    (operated,) = situations(facts_of(lesion(), fixed_femur, under_way), "post_operative")
    assert rule("post_operative").evaluate(operated.inputs, None) is None  # under way: it is being given


def test_surgery_in_words_needs_its_reason_and_a_course_in_words_is_no_operation():
    """Review 17: "Radiothérapie du fémur droit après enclouage" got a §1.4 card of its own (read as surgery);
    a hip arthroplasty for osteoarthritis (bodySite only) got a "Possible" window; the same laminectomy recorded in
    SNOMED CT and in CCAM gave two cards. Probe 17: "clou gamma" and "nailing" opened none."""
    compression = condition("mscc", CIM10, "G95.2")
    ccam = {"system": "https://www.ameli.fr/ccam", "code": "XXXX000"}

    def coded_otherwise(pid, words, **kwargs):
        return procedure(pid, "x", 18, **kwargs) | {"code": {"coding": [ccam], "text": words}}

    for words in ("Clou gamma long fémur G", "Intramedullary nailing, left femur"):
        found = facts_of(lesion(), coded_otherwise("op", words, reason="Condition/lesion-1"))
        assert len(situations(found, "post_operative")) == 1, words
    course = coded_otherwise("rt", "Radiothérapie du fémur gauche après enclouage, 20 Gy en 5 fractions",
                             reason="Condition/lesion-1")
    assert situations(facts_of(lesion(), course), "post_operative") == []
    hip = coded_otherwise("op", "Arthroplastie totale de hanche gauche (coxarthrose)",
                          body_site=[site(FEMUR_SHAFT, LEFT)])
    assert situations(facts_of(lesion(), hip), "post_operative") == []
    twice = [procedure("lami", LAMINECTOMY, 18, reason="Condition/mscc"),
             coded_otherwise("lami-ccam", "Laminectomie décompressive", reason="Condition/mscc")]
    assert len(situations(facts_of(compression, *twice), "post_operative")) == 1


def test_an_operation_whose_date_cannot_be_read_says_so_not_only_that_it_is_not_recorded():
    """The CDS Hooks door checks shapes only: a date like "yesterday" reaches the mapper, which cannot read it."""
    nail = procedure("nail", FIXATION, 18, reason="Condition/lesion-1") | {"performedDateTime": "yesterday"}
    (operated,) = situations(facts_of(lesion(), nail), "post_operative")
    assert "the operation's date ('yesterday') cannot be read" in operated.notes


def test_an_operation_after_the_assessment_date_is_not_read():
    found = facts_of(lesion(), procedure("nail", FIXATION, -3, reason="Condition/lesion-1"))
    assert situations(found, "post_operative") == [] and len(found.scored_by("mirels")) == 1


# -- §1.1: a painful uncomplicated bone metastasis ------------------------------------------------------


def test_pain_needs_a_low_fracture_risk():
    from service.calculators import MirelsInputs, score_mirels

    low = score_mirels(MirelsInputs("upper_limb", 0.2, "blastic", "moderate"))
    high = score_mirels(MirelsInputs("peritrochanteric", 0.7, "lytic", "functional"))
    undetermined = score_mirels(MirelsInputs("upper_limb", 0.7, None, "moderate"))  # 7 to 9
    assert pain(PainInputs(True), low) is not None
    assert pain(PainInputs(True), high) is None and pain(PainInputs(True), undetermined) is None
    assert pain(PainInputs(None), low) is None


def test_a_cord_compression_elsewhere_does_not_withhold_a_painful_long_bones_advice():
    """"Non compliquées" qualifies each metastasis. A compression at T7 withheld the right humerus's §1.1 line, and
    nothing said why: the compression is another metastasis's complication, with a card of its own."""
    humerus = lesion(bone=HUMERUS, side=RIGHT)
    record = [patient(), humerus, *lesion_observations(kind="blastic"), condition("mscc", CIM10, "G95.2")]
    result = assess_patient(record, "Patient/p1", when=datetime.now(UTC), as_of=AS_OF)
    assert "pain" in [advised.advice.situation.name for advised in result.advice]
    assert [scored.condition for scored in result.facts.scored_by("rades")] == ["Condition/mscc"]


def test_a_painless_or_unrecorded_pain_gives_no_statement():
    found = facts_of(lesion(bone=HUMERUS), *lesion_observations(kind="blastic")[:2])  # no pain record
    assert situations(found, "pain") == []


def test_a_lesion_or_compression_irradiated_already_says_so_beside_its_score_and_advice():
    """The right humerus irradiated 10 days ago (a probe's record): its Mirels card said "radiotherapy alone" and
    §1.1 "radiotherapy is the first treatment", with no word of the course. Now the course is a flag of the lesion
    (and of a compression) and a note of §1.1, named by its words; the advice stays (the guideline has no rule
    against irradiating again); another lesion's course is not said."""
    humerus = lesion(bone=HUMERUS, side=RIGHT)
    observations = lesion_observations(kind="blastic")
    given = procedure("rt", RADIOTHERAPY, 10, reason="Condition/lesion-1")
    found = facts_of(humerus, *observations, given)
    (scored,) = found.scored_by("mirels")
    assert any("a radiotherapy of it is recorded (Procedure/rt)" in str(flag) for flag in scored.condition_flags)
    (advice,) = situations(found, "pain")
    assert any("a radiotherapy of it is recorded" in str(note) for note in advice.notes)
    assert found.entry("Procedure/rt").outcome == "used"
    elsewhere = facts_of(humerus, *observations, procedure("rt", RADIOTHERAPY, 10, reason="Condition/other"))
    assert not any("radiotherapy of it" in str(f) for f in elsewhere.scored_by("mirels")[0].condition_flags)
    assert [s.notes for s in situations(elsewhere, "pain")] == [()]
    compression = condition("mscc", CIM10, "G95.2")
    found = facts_of(compression, procedure("rt", RADIOTHERAPY, 10, reason="Condition/mscc"))
    assert any("radiotherapy of it" in str(f) for f in found.scored_by("rades")[0].condition_flags)


def test_an_operation_for_a_lesion_coded_outside_the_procedure_value_sets_is_said_first_on_its_card():
    """An intramedullary nailing coded as such (no ValueSet holds it) for the lesion: it may have fixed the bone.
    It was said on the data-review card only, while the lesion's own card read "fixation opinion before
    radiotherapy" (probe 16: a CCAM nailing naming the lesion; the same one linked by its bodySite was said first)."""
    nailing = procedure("nail", "179116006", 18, reason="Condition/lesion-1")
    found = facts_of(lesion(), *lesion_observations(), nailing)
    (scored,) = found.scored_by("mirels")
    assert [str(flag) for flag in scored.fixations_to_check] == [
        "an operation of this lesion is recorded (Procedure/nail), its code in none of the procedure lists read here: "
        "if it fixed the bone, Mirels no longer applies; check it first"]
    assert found.entry("Procedure/nail").outcome == "used"
    # Before the lesion began, it is said as such: what it treated is to check.
    early = procedure("nail", "179116006", 400, reason="Condition/lesion-1")
    begun = lesion(onset=(AS_OF - timedelta(days=40)).isoformat())
    (scored,) = facts_of(begun, *lesion_observations(), early).scored_by("mirels")
    assert "recorded before it began" in str(scored.fixations_to_check[0])
    # Of another lesion, it is not this one's.
    other = facts_of(lesion(), lesion("b", bone=HUMERUS), *lesion_observations(), nailing | {
        "reasonReference": [{"reference": "Condition/b"}]})
    assert not next(s for s in other.scored_by("mirels") if s.condition == "Condition/lesion-1").fixations_to_check
    mastectomy = procedure("breast-op", "69031006", 18, reason="Condition/breast")  # not a bone's: not said
    found = facts_of(lesion(), condition("breast", SCT, "254837009"), mastectomy)
    assert not found.entry("Procedure/breast-op").attention


def test_an_unconfirmed_bone_metastasis_may_be_a_site_and_is_named():
    """A probe's three provisional, differential or unconfirmed lesions beside a confirmed one counted as four
    sites: no §1.5 card, and no word. A diagnosis not confirmed may not hold: it widens the count, and is named."""
    found = facts_of(lesion("a"), lesion("b", side=RIGHT, verification="provisional"),
                     lesion("c", bone=HUMERUS, verification="differential"),
                     lesion("d", bone=HUMERUS, side=RIGHT, verification="unconfirmed"), visceral(False))
    (oligo,) = situations(found, "oligometastatic")
    assert (oligo.inputs.sites_low, oligo.inputs.sites_high) == (1, 4)
    notes = [str(note) for note in oligo.inputs.missing]
    assert "Condition/b (right femur, shaft of femur): its diagnosis is not confirmed, so it may be a site" in notes
    (advice,) = advice_of(found, "oligometastatic")
    assert advice.possible
    # A confirmed record of the same site counts it, whatever the unconfirmed one says.
    assert counted(lesion("a"), lesion("b", verification="provisional")) == (1, 1)


def test_a_us_core_health_concern_is_no_confirmed_diagnosis_unless_it_says_so():
    """Probe 19: "Concern for metastasis R humerus - f/u MRI", US Core category health-concern, no verificationStatus:
    scored with no hedge, and counted as a certain §1.5 site. A concern is a diagnosis only when confirmed: it counts,
    said first as a concern, and widens the count only; one confirmed counts as any diagnosis."""
    concern = lesion("b", bone=HUMERUS, side=RIGHT)
    del concern["verificationStatus"]
    concern["category"] = [{"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/condition-category",
                                        "code": "health-concern"}]}]
    found = facts_of(lesion("a"), concern, visceral(False))
    (humerus,) = [f for f in found.scored if f.condition == "Condition/b"]
    assert "a health concern, not a confirmed diagnosis" in [str(flag) for flag in humerus.condition_flags]
    assert counted(lesion("a"), concern) == (1, 2)
    concern["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                 "code": "confirmed"}]}
    assert counted(lesion("a"), concern) == (2, 2)


def test_a_provisional_bone_metastasis_alone_makes_the_ablative_intent_possible_never_certain():
    """An outside review's case: one provisional lesion, nothing else, read as 1 site for certain and "discuss
    ablative radiotherapy" with no caveat. It may be no metastasis at all: 0 to 1 sites, a possible card."""
    found = facts_of(lesion("a", verification="provisional"), visceral(False))
    (oligo,) = situations(found, "oligometastatic")
    assert (oligo.inputs.sites_low, oligo.inputs.sites_high) == (0, 1)
    (advice,) = advice_of(found, "oligometastatic")
    assert advice.possible and any("not confirmed" in text for text in advice.missing_words("en"))


def test_an_unconfirmed_record_naming_several_sites_leaves_the_count_open_above():
    """An outside review's case: a provisional metastasis coded at the humerus, the femur and a vertebra, beside a
    confirmed femur: "1 to 2 sites", a confident ablative proposal, where confirmed it would be 4 sites or more."""
    several = lesion("b", verification="provisional")
    several["bodySite"] = [site(HUMERUS, RIGHT), site(FEMUR_SHAFT, RIGHT), site(VERTEBRA)]
    found = facts_of(lesion("a"), several, visceral(False))
    (oligo,) = situations(found, "oligometastatic")
    assert (oligo.inputs.sites_low, oligo.inputs.sites_high) == (1, None)
    (advice,) = advice_of(found, "oligometastatic")
    assert advice.possible


def _reversed(resource, start_days_ago, end_days_ago):
    del resource["performedDateTime"]
    resource["performedPeriod"] = {"start": (AS_OF - timedelta(days=start_days_ago)).isoformat(),
                                   "end": (AS_OF - timedelta(days=end_days_ago)).isoformat()}
    return resource


def test_a_procedure_whose_period_ends_before_it_starts_may_be_of_either_day():
    """FHIR's per-1: a period's start comes before its end. Reversed, its end was read as the day of the operation
    (a window opened from a date that may be the wrong one); which date is wrong is not guessed: either may be its
    day, as with a month. A radiotherapy so dated is still one given (a first fix dropped it, and §1.4 advised
    radiotherapy again)."""
    nail = _reversed(procedure("nail", FIXATION, 18, reason="Condition/lesion-1"), 18, 40)
    (operated,) = situations(facts_of(lesion(), nail), "post_operative")
    assert any("ends (" in note and "either may be its day" in note for note in operated.notes), operated.notes
    assert (operated.inputs.operated_from, operated.inputs.operated_to) == (AS_OF - timedelta(days=40),
                                                                            AS_OF - timedelta(days=18))
    nail = procedure("nail", FIXATION, 30, reason="Condition/lesion-1")
    given = _reversed(procedure("rt", RADIOTHERAPY, 8, reason="Condition/lesion-1"), 8, 12)
    (operated,) = situations(facts_of(lesion(), nail, given), "post_operative")
    assert operated.inputs.radiotherapy_since


def test_a_fixation_coded_on_one_side_whose_words_give_the_other_is_said_on_both_and_fixes_neither():
    """Probe 23 (s10): a fixation coded left femur, its words "Enclouage fémur D": the left femur read as operated
    (§1.4 "Left femur"), the right offered fixation. Which side is right is not known: said on both, neither fixed."""
    nail = procedure("nail", FIXATION, 10, body_site=[site(FEMUR, LEFT)])
    nail["code"]["text"] = "Enclouage fémur D"
    found = facts_of(lesion("left", side=LEFT), lesion("right", side=RIGHT), *lesion_observations("Condition/left"),
                     nail)
    assert len(found.scored_by("mirels")) == 2
    for scored in found.scored_by("mirels"):
        assert any("its code giving one side and its words the other: if it is this lesion's, Mirels no longer "
                   "applies; check the side first" in flag for flag in scored.fixations_to_check), scored.condition


@pytest.mark.parametrize("status", ["completed", "in-progress"])
def test_a_fixation_naming_a_lesion_coded_on_the_other_side_fixes_it_not_and_is_said_first(status):
    """This session: a nail naming the left femur's lesion (reasonReference) coded on the right femur took the lesion
    as fixed: its Mirels 10-12 gone, the post-operative card reading "Right femur, operated …" and nothing more.
    Which side is right is not known: the lesion is scored, the fixation said first, the §1.4 card names the lesion
    with the disagreement."""
    nail = procedure("nail", FIXATION, 5, status=status, reason="Condition/left", body_site=[site(FEMUR, RIGHT)])
    found = facts_of(lesion("left", side=LEFT), *lesion_observations("Condition/left"), nail)
    (scored,) = found.scored_by("mirels")
    assert [str(flag) for flag in scored.fixations_to_check] == [
        "a fixation naming this lesion is recorded, its own record placing it elsewhere (Procedure/nail: right "
        "femur): if it fixed this lesion, Mirels no longer applies; check its site and side first"
        if status == "completed" else
        "a fixation naming this lesion is recorded in progress, its own record placing it elsewhere (Procedure/nail: "
        "right femur): if it is being or has been done on this lesion, Mirels no longer applies; check its site and "
        "side before any other fixation"]
    if status == "completed":
        (operated,) = situations(found, "post_operative")
        assert [str(note) for note in operated.notes] == [
            "it names Condition/left (left femur, shaft of femur) as its reason, and its own record places it "
            "elsewhere (right femur): check its site and side"]
        # Its window may be this lesion's: named for it, its own place saying both sides, neither asserted.
        assert [where.ref for where in operated.about] == ["Procedure/nail", "Condition/left"]
        assert operated.about[0].place.sides_disagree and operated.about[0].place.side is None
    # Coded on the lesion's own side, it fixed it, as before.
    found = facts_of(lesion("left", side=LEFT), *lesion_observations("Condition/left"),
                     procedure("nail", FIXATION, 5, reason="Condition/left", body_site=[site(FEMUR, LEFT)]))
    assert found.scored_by("mirels") == []


@pytest.mark.parametrize("body_site", [None, [{"coding": [{"system": SCT, "code": FEMUR}]}]])
def test_a_radiotherapy_whose_site_or_side_is_not_coded_is_said_on_each_lesion_of_the_bone_it_may_be_of(body_site):
    """Probe 23 (v10, v11): "RTE fémur D 8 Gy", no bodySite, or the femur with no side, naming no Condition: said on
    no card, the femur's read "observation and radiotherapy alone". Said on each femur's, never settled; not on a
    humerus's."""
    course = procedure("rt", RADIOTHERAPY, 20, body_site=body_site)
    course["code"]["text"] = "RTE fémur D 8 Gy"
    found = facts_of(lesion("left", side=LEFT), lesion("right", side=RIGHT), lesion("arm", bone=HUMERUS),
                     *lesion_observations("Condition/left"), course)
    said = {scored.condition: [str(f) for f in scored.condition_flags if "(Procedure/rt)" in str(f)]
            for scored in found.scored_by("mirels")}
    flag = ("a radiotherapy that may be of this lesion is recorded (Procedure/rt), its site, or the side of one of "
            "them, not coded: if it is, this card's advice may be what was given; check what it covered")
    assert said == {"Condition/left": [flag], "Condition/right": [flag], "Condition/arm": []}


@pytest.mark.parametrize("body_site", [{"coding": [{"system": SCT, "code": FEMUR}], "text": "fémur droit"},
                                       site(HUMERUS, LEFT), {"text": "fémur droit"}, {"text": "Humérus G"}])
def test_a_fixation_naming_a_lesion_placed_elsewhere_in_words_or_on_another_bone_fixes_it_not(body_site):
    """Review 31: the other side written in the fixation's bodySite words ("fémur droit"), or another bone coded (the
    left humerus for the left femur's lesion): the lesion was taken as fixed, its Mirels 12 hidden. The same with a
    bodySite in words only (no code: the bone and side its words write)."""
    nail = procedure("nail", FIXATION, 5, reason="Condition/left", body_site=[body_site])
    found = facts_of(lesion("left", side=LEFT), *lesion_observations("Condition/left"), nail)
    (scored,) = found.scored_by("mirels")
    assert any("its own record placing it elsewhere" in str(flag) for flag in scored.fixations_to_check)


@pytest.mark.parametrize("words, fixed", [("Enclouage fémur D", False), ("Enclouage centromédullaire", True),
                                          ("Enclouage fémur G", True)])
def test_a_fixation_naming_a_lesion_with_no_body_site_is_placed_by_its_own_words(words, fixed):
    """A nail naming the left femur's lesion, no bodySite, its name "Enclouage fémur D": it fixed the lesion it names
    surely no more than one coded on the right (said first, the lesion scored, its words quoted). Words naming no side,
    or this side, leave it fixed as before."""
    nail = procedure("nail", FIXATION, 5, reason="Condition/left")
    nail["code"]["text"] = words
    found = facts_of(lesion("left", side=LEFT), *lesion_observations("Condition/left"), nail)
    if fixed:
        assert found.scored_by("mirels") == []
        return
    (scored,) = found.scored_by("mirels")
    assert [str(flag) for flag in scored.fixations_to_check] == [
        "a fixation naming this lesion is recorded, its own record placing it elsewhere (Procedure/nail: by its "
        "name): if it fixed this lesion, Mirels no longer applies; check its site and side first"]
    (operated,) = situations(found, "post_operative")
    assert [str(note) for note in operated.notes] == [
        "it names Condition/left (left femur, shaft of femur) as its reason, and its own record places it elsewhere "
        "(by its name): check its site and side"]
    # The §1.4 card's place is its name, never the lesion's ("Left femur, operated").
    assert operated.about[0].place.words() == "“Enclouage fémur D” (as written)"


@pytest.mark.parametrize("body_site, on", [(None, ["Condition/left", "Condition/right"]),
                                            ([site(FEMUR, LEFT)], ["Condition/left"])])
def test_a_radiotherapy_coded_in_no_list_naming_no_lesion_is_said_on_each_lesion_of_its_bone(body_site, on):
    """Probe 27 (p50, p50d): "RTE fémur G 8 Gy" coded in CCAM ("Séance d'irradiation externe"), naming no Condition,
    was said nowhere, where the same course coded in SNOMED CT was said on the femur's card. Said on the card of each
    lesion of its bone (by its bodySite, else its words: a side in words links nothing), never settled."""
    course = procedure("rt", RADIOTHERAPY, 40, body_site=body_site)
    course["code"] = {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "ZZNL050",
                                  "display": "Séance d'irradiation externe"}], "text": "RTE fémur G 8 Gy"}
    found = facts_of(lesion("left", side=LEFT), lesion("right", side=RIGHT), lesion("arm", bone=HUMERUS),
                     *lesion_observations("Condition/left"), course)
    flag = ("a radiotherapy that may be of this lesion is recorded (Procedure/rt), its code in none of the procedure "
            "lists read here: if it is, this card's advice may be what was given; check what it covered")
    # Its words naming the other side (review 31): said so on the right femur's card, not as one of its own.
    other_side = ("a radiotherapy is recorded (Procedure/rt), its code in none of the procedure lists read here, its "
                  "words naming this bone on the other side: check which side it covered")
    said = {scored.condition: [str(f) for f in scored.condition_flags if "(Procedure/rt)" in str(f)]
            for scored in found.scored_by("mirels")}
    assert said == {condition: [other_side if condition == "Condition/right" else flag] if condition in on else []
                    for condition in said}


@pytest.mark.parametrize("words", ["Ostéosynthèse fémorale par clou droit verrouillé",
                                   "Enclouage du fémur d'une fracture imminente"])
def test_words_beside_a_coded_fixation_that_give_no_side_leave_it_fixed(words):
    """Review 26: "clou droit" (a straight nail) and "fémur d'une" read as the right side, undoing a fixation coded on
    the left femur. Only a side right beside the bone's name disagrees."""
    nail = procedure("nail", FIXATION, 10, body_site=[site(FEMUR, LEFT)])
    nail["code"]["text"] = words
    found = facts_of(lesion("left", side=LEFT), *lesion_observations("Condition/left"), nail)
    assert found.scored_by("mirels") == []  # fixed: no Mirels


def test_a_radiotherapy_that_may_be_the_lesions_done_before_it_began_is_not_said():
    course = procedure("rt", RADIOTHERAPY, 2000, body_site=[{"coding": [{"system": SCT, "code": FEMUR}]}])
    found = facts_of(lesion("left", side=LEFT, onset=(AS_OF - timedelta(days=60)).isoformat()),
                     *lesion_observations("Condition/left"), course)
    (scored,) = found.scored_by("mirels")
    assert not [flag for flag in scored.condition_flags if "(Procedure/rt)" in str(flag)]


def test_a_fixation_of_the_same_bone_whose_side_is_not_stated_is_said_first_on_each_lesion_of_that_bone():
    """A nail coded "femur" with its side in words only ("Enclouage fémur G": abbreviations are never read as a
    side) was linked to no lesion and dropped without a word: a left femur got "fixation first", both femurs got
    "observation" beside a §1.4 card for that nail (probe 11). Said first on each, never settled."""
    nail = procedure("nail", FIXATION, 10, body_site=[{"coding": [{"system": SCT, "code": FEMUR}],
                                                        "text": "Enclouage fémur G"}])
    found = facts_of(lesion("left", side=LEFT), lesion("right", side=RIGHT), *lesion_observations("Condition/left"),
                     nail)
    for scored in found.scored_by("mirels"):
        assert any("its side not stated: if it is this lesion's, Mirels no longer applies" in flag
                   for flag in scored.fixations_to_check), scored.condition


def test_an_operation_of_the_lesions_bone_coded_outside_the_value_sets_is_said_first():
    """A right femur nailed 17 days ago, coded in CCAM (NBCA006, "Enclouage centromédullaire préventif du fémur
    droit"), naming no lesion, was dropped without a word beside "Mirels 11: fixation first" (probe 12)."""
    nail = {"resourceType": "Procedure", "id": "ccam", "status": "completed", "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "NBCA006"}],
                     "text": "Enclouage centromédullaire préventif du fémur droit"},
            "performedDateTime": (AS_OF - timedelta(days=17)).isoformat(), "bodySite": [site(FEMUR_SHAFT, RIGHT)]}
    found = facts_of(lesion("right", side=RIGHT), lesion("left", side=LEFT), nail,
                     *lesion_observations("Condition/right"))
    flagged = {scored.condition: scored.fixations_to_check for scored in found.scored_by("mirels")}
    assert any("its code in none of the procedure lists read here" in flag for flag in flagged["Condition/right"])
    assert flagged["Condition/left"] == ()  # the other side's femur
    assert found.entry("Procedure/ccam").outcome == "used"


def test_an_operation_coded_outside_the_value_sets_with_no_site_is_said_on_the_bone_its_words_name():
    """Probe 23 (v02, s09): "Enclouage centromédullaire fémur G" in CCAM, no bodySite, no reason: said on no card,
    the femur offered fixation. Its words name the femur: said on each femur's card (a side in words links nothing),
    on no humerus's."""
    nail = {"resourceType": "Procedure", "id": "ccam", "status": "completed", "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "NBCA005"}],
                     "text": "Enclouage centromédullaire fémur G"},
            "performedDateTime": (AS_OF - timedelta(days=17)).isoformat()}
    found = facts_of(lesion("right", side=RIGHT), lesion("left", side=LEFT), lesion("arm", bone=HUMERUS), nail,
                     *lesion_observations("Condition/right"))
    flagged = {scored.condition: scored.fixations_to_check for scored in found.scored_by("mirels")}
    for femur in ("Condition/right", "Condition/left"):
        assert [flag for flag in flagged[femur] if "(Procedure/ccam)" in flag] == [
            "an operation of the same bone is recorded (Procedure/ccam), its code in none of the procedure lists read "
            "here: if it fixed the bone, Mirels no longer applies; check it first"], femur
    assert flagged["Condition/arm"] == ()


HIP_REGION = {"system": SCT, "code": "29836001", "display": "Hip region structure"}


@pytest.mark.parametrize("hip,said", [
    ({"coding": [HIP_REGION, {"system": SCT, "code": LEFT}]}, True),
    ({"text": "hanche gauche"}, True),
    ({"text": "hanche droite"}, False),  # the other side's hip
    ({"coding": [HIP_REGION, {"system": SCT, "code": RIGHT}]}, False),
    ({"text": "épaule gauche"}, False),  # no hip: not the femur
    ({"text": "cotyle gauche (hanche)"}, False),  # the pelvis's side of the hip (review 21)
])
@pytest.mark.parametrize("words", ["Prothèse totale de hanche (métastase col fémoral)", None,  # its display alone
                                   "Cimentoplastie hanche"])  # no replacement: the pelvis's as much as the femur's
def test_a_hip_replacement_naming_no_lesion_may_be_the_femurs_and_is_said_first(hip, said, words):
    """A total hip replacement 8 days ago for a left femoral-neck metastasis, its site "Hip region structure" + Left,
    naming no lesion: read as nothing ("Procedure is not read"), the card still said "fixation first" (probe 20). The
    hip holds the femur's head and neck: said first on the left femur's card, never settled; not on the right's."""
    replacement = {"resourceType": "Procedure", "id": "thr", "status": "completed",
                   "subject": {"reference": "Patient/p1"},
                   "code": {"coding": [{"system": SCT, "code": "52734007", "display": "Total replacement of hip"}]},
                   "performedDateTime": (AS_OF - timedelta(days=8)).isoformat(), "bodySite": [hip]}
    if words:
        replacement["code"]["text"] = words
    if words and "Cimentoplastie" in words:
        del replacement["code"]["coding"][0]["display"]
        said = False
    found = facts_of(lesion("left", side=LEFT), replacement, *lesion_observations("Condition/left"))
    (flags,) = [scored.fixations_to_check for scored in found.scored_by("mirels")]
    assert any("an operation of the same bone is recorded" in flag for flag in flags) is said, flags
    assert (found.entry("Procedure/thr").outcome == "used") is said


def test_a_brain_metastasis_beside_visceral_absent_leaves_the_ablative_intent_possible_and_says_why():
    """A brain metastasis beside a visceral status "absent" gave a firm §1.5 card ("no visceral metastasis") and the
    brain metastasis was on no card; without the Observation the card was "Possible" (probe 12): the guideline
    does not class brain."""
    brain = condition("brain", CIM10, "C79.3")
    (advice,) = advice_of(facts_of(lesion("a"), brain, visceral(False)), "oligometastatic")
    assert advice.possible and any("the guideline does not say whether it counts as visceral" in text
                                   for text in advice.missing_words("en"))
    (advice,) = advice_of(facts_of(lesion("a"), visceral(False)), "oligometastatic")
    assert not advice.possible
    # A resolved liver metastasis beside "absent": named, and possible (the guideline does not say whether a past
    # one counts; it was named only where the visceral status was missing).
    liver = condition("liver", CIM10, "C78.7", clinical="resolved")
    (advice,) = advice_of(facts_of(lesion("a"), liver, visceral(False)), "oligometastatic")
    assert advice.possible and any("no longer active, beside the visceral status" in text
                                   for text in advice.missing_words("en"))


def test_a_radiotherapy_known_to_the_month_of_the_operation_may_be_before_or_after_it_and_is_named():
    """Both known to the month only, the radiotherapy was read as surely after the operation (the §1.4 card
    vanished); an operation of the 20th beside a radiotherapy of that month read "radiotherapy now", the course
    never named (probe 12). Either may be: the window stays, the course is named."""
    month = (AS_OF - timedelta(days=20)).isoformat()[:7]
    nail = procedure("nail", FIXATION, 20, reason="Condition/lesion-1") | {"performedDateTime": month}
    course = procedure("rt", RADIOTHERAPY, 20, reason="Condition/lesion-1") | {"performedDateTime": month}
    (operated,) = situations(facts_of(lesion(), nail, course), "post_operative")
    assert not operated.inputs.radiotherapy_since
    assert any("whose dates do not say whether it came before or after the operation" in note
               for note in operated.notes), operated.notes
    exact = procedure("nail", FIXATION, 20, reason="Condition/lesion-1")
    later = procedure("rt", RADIOTHERAPY, 5, reason="Condition/lesion-1")
    (operated,) = situations(facts_of(lesion(), exact, later), "post_operative")
    assert operated.inputs.radiotherapy_since  # surely after: the window is closed, as before


def test_a_lesion_of_no_side_beside_a_fixation_of_its_bone_with_a_side_says_it_first():
    """A femur lesion of no side and a right femur's fixation: nothing was said, a firm Mirels card (review)."""
    nail = procedure("nail", FIXATION, 10, body_site=[site(FEMUR_SHAFT, RIGHT)])
    found = facts_of(lesion("femur", side=None), nail, *lesion_observations("Condition/femur"))
    (scored,) = found.scored_by("mirels")
    assert any("this lesion's side is not stated: if it is this lesion's, Mirels no longer applies" in flag
               for flag in scored.fixations_to_check), scored.condition_flags


@pytest.mark.parametrize("status, words", [("in-progress", "in progress"), ("preparation", "in preparation")])
def test_a_fixation_not_recorded_as_done_of_its_bone_beside_a_lesion_of_no_side_or_both_is_said_first(status, words):
    """Probe 25 (r58, r54): a humerus lesion with no side, or both sides, Mirels 10, and "Enclouage centromédullaire
    humérus D en cours" (in progress, bodySite right humerus): the card offered "fixation first" and said the nailing
    nowhere; completed, it was said. Either way it is said first, with its status."""
    nail = procedure("nail", FIXATION, 0, body_site=[site(FEMUR_SHAFT, RIGHT)]) | {"status": status}
    for side, sides in ((None, "this lesion's side is not stated"),
                        ("51440002", "this lesion is recorded on both sides")):
        found = facts_of(lesion("femur", side=side), nail, *lesion_observations("Condition/femur"))
        (scored,) = found.scored_by("mirels")
        assert any(f"a fixation of the same bone is recorded {words} (Procedure/nail), and {sides}: if it is this "
                   "lesion's and is being or has been done, Mirels no longer applies" in flag
                   for flag in scored.fixations_to_check), scored.condition_flags
    # Of the same side: said once, as the lesion's own fixation under way (as before).
    found = facts_of(lesion("femur", side=RIGHT), nail, *lesion_observations("Condition/femur"))
    (scored,) = found.scored_by("mirels")
    assert [flag.split(" (")[0] for flag in scored.fixations_to_check] == [
        f"a fixation of this lesion is recorded {words}"], scored.fixations_to_check


def test_an_operation_coded_outside_the_lists_under_way_or_before_the_lesion_is_said_too():
    """Only completed ones after the lesion began were said: a CCAM nailing in progress, or one of years before,
    was dropped without a word (review)."""
    def ccam(status, days_ago):
        return {"resourceType": "Procedure", "id": "ccam", "status": status, "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "NBCA006"}]},
                "performedDateTime": (AS_OF - timedelta(days=days_ago)).isoformat(),
                "bodySite": [site(FEMUR_SHAFT, LEFT)]}
    for status, days_ago, said in (("in-progress", 1, "if it fixed the bone, Mirels no longer applies"),
                                   ("completed", 900, "before this lesion began")):
        found = facts_of(lesion(onset=(AS_OF - timedelta(days=30)).isoformat()), ccam(status, days_ago),
                         *lesion_observations())
        (scored,) = found.scored_by("mirels")
        assert any(said in flag for flag in scored.fixations_to_check), (status, scored.condition_flags)


def test_a_health_concern_whose_verification_is_a_local_code_still_says_to_check_it():
    """Review 19: a health concern whose verificationStatus is a local code ("ruled out") lost the "its verification
    may say refuted, check it" flag, the concern's flag taking its place: both are said."""
    concern = lesion("b", bone=HUMERUS, side=RIGHT)
    concern["verificationStatus"] = {"coding": [{"system": "http://hopital.example/ver", "code": "RULED-OUT"}],
                                     "text": "ruled out"}
    concern["category"] = [{"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/condition-category",
                                        "code": "health-concern"}]}]
    (humerus,) = facts_of(concern).scored
    flags = [str(flag) for flag in humerus.condition_flags]
    assert "a health concern, not a confirmed diagnosis" in flags and len(flags) >= 2, flags


def test_a_record_named_by_a_codes_title_is_named_in_the_readers_words_where_a_value_set_gives_them():
    """Probe 28 (r18): a lesion coded 94222008 with the code's display only was named « Secondary malignant neoplasm
    of bone » on French cards; the ValueSet gives its French words. The record's own words (its text) stay as
    written, in every language."""
    from service.facts.record import PatientRecord
    from service.facts.terminology import load_terminology

    record = PatientRecord([], load_terminology(), {}, AS_OF)
    titled = lesion("a")
    titled["code"]["coding"][0]["display"] = "Secondary malignant neoplasm of bone"
    label = record.label(titled)
    assert (label.said_in("en").split(",")[0], label.said_in("fr").split(",")[0]) == (
        "“Secondary malignant neoplasm of bone”", "“Tumeur maligne secondaire de l'os”")
    titled["code"]["text"] = "MTS fémur G"
    assert record.label(titled).said_in("fr").startswith("“MTS fémur G”")


def test_a_compression_recorded_as_over_is_a_site_that_may_count_and_said_so():
    """Probe 29 (r05): a D6 compression in remission since 2025 beside an L2 one: "1 bone metastatic site", the D6
    vertebra left out with no word (a compression has a metastasis of its vertebra behind it). It may count, as a
    metastasis in remission does: 1 to 2 sites, and said on the card even where the advice holds either way."""
    old = condition("old", CIM10, "G95.2", clinical="remission", body_site=[{"text": "D6"}])
    found = facts_of(condition("mscc", CIM10, "G95.2", body_site=[{"text": "L2"}]), old, visceral(False))
    (oligo,) = situations(found, "oligometastatic")
    assert (oligo.inputs.sites_low, oligo.inputs.sites_high) == (1, 2)
    (advice,) = advice_of(found, "oligometastatic")
    assert not advice.possible and any("Condition/old" in text and "is not counted (in remission)" in text
                                       for text in advice.missing_words("en")), advice.missing_words("en")
    # At the level of an active metastasis counted: one vertebra, not a site more (review 36).
    assert counted(condition("mscc", CIM10, "G95.2", body_site=[{"text": "L2"}]), old, spine("d6", "D6")) == (2, 2)
