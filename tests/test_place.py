"""Where a lesion is, said side first in English and French (service.facts.place), from every place a record
states a side; two lesions that differ only by side are never taken for one."""

import json
import re
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from service.data import data_dir
from service.facts import MappingOptions, extract_facts
from service.facts.place import BOTH_SIDES, Place, fracture_place
from service.facts.terminology import listed_words
from service.facts.vocabulary import BODY_SITE_REFERENCE, FEMUR_REGIONS, LATERALITY_VS, LONG_BONES, NOT_LONG_BONE_VS
from support.fhir_builders import (
    FEMUR,
    FEMUR_SHAFT,
    HUMERUS,
    LEFT,
    MCODE_LATERALITY,
    OWN,
    RIGHT,
    SCT,
    cc,
    coded,
    condition,
    lesion,
    observation,
    patient,
    quantity,
    site,
)

AS_OF = date.today()  # the builders date observations days before today
ULNA, TROCHANTER = "23416004", "182047004"


def lesions_of(*resources):
    return extract_facts([patient(), *resources], MappingOptions(as_of=AS_OF)).scored_by("mirels")


def only_place(*resources):
    (found,) = lesions_of(*resources)
    return found


def test_mcode_laterality_qualifier_and_peritrochanteric_region():
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR, LEFT, peritrochanteric=True)]))
    assert found.place == Place(FEMUR, LEFT, (OWN, "peritrochanteric-region"), "Bone structure of femur")
    assert found.where("en") == "left femur, peritrochanteric region"
    assert found.where("fr") == "fémur gauche, région trochantérienne"


def test_snomed_laterality_coding_in_the_body_site():
    body_site = {"coding": [{"system": SCT, "code": HUMERUS}, {"system": SCT, "code": RIGHT}]}
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[body_site]))
    assert (found.where("en"), found.where("fr")) == ("right humerus", "humérus droit")
    assert found.body_site == (HUMERUS, RIGHT)


def _sided(resource, side):
    """``resource`` with its side as mCODE may also write it: a laterality extension on the resource itself."""
    return {**resource, "extension": [{"url": MCODE_LATERALITY, "valueCodeableConcept": cc(SCT, side)}]}


def test_a_laterality_written_on_the_resource_itself_is_the_side_of_its_body_site():
    """mCODE's laterality qualifier may sit on any resource, not only on a bodySite: a femur Condition whose side is
    on the Condition read "femur (side not stated)", and its size, linked by bodySite and laterality, was not its
    own. Read as written on its bodySite, a bodySite that states the other side disagreeing with it."""
    femur = _sided(condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR_SHAFT)]), LEFT)
    size = _sided(observation("o-size", "lesion-size", body_site=site(FEMUR_SHAFT), **quantity(50, "%")), LEFT)
    left, right = lesions_of(femur, lesion("lesion-2", side=RIGHT), size)
    assert (left.where("en"), left.where("fr")) == ("left femur, shaft of femur", "fémur gauche, diaphyse fémorale")
    assert left.body_site[1] == LEFT
    assert (left.facts["lesion_size"].sources, right.facts["lesion_size"].missing) == (("Observation/o-size",), True)
    wrong = _sided(condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR_SHAFT, RIGHT)]), LEFT)
    assert only_place(wrong).place.side is None  # right on the bodySite, left on the Condition: not settled


def test_a_side_in_an_extension_no_standard_here_defines_is_quoted_never_read():
    """A vendor's extension on the Condition that no standard here defines ("…/lesion-laterality-v2", "Right"): the
    card read "Femur (side not stated)" and the extension was named nowhere (probe 14). Its words are quoted beside the
    place. (One named "laterality" whose value is a SNOMED CT laterality, Epic's, is read as mCODE's: probe 18.)"""
    femur = condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR_SHAFT)], extension=[{
        "url": "http://example.org/FHIR/StructureDefinition/lesion-laterality-v2",
        "valueCodeableConcept": {**cc(SCT, RIGHT), "text": "Right"}}])
    found = only_place(femur)
    assert found.place.side is None
    assert found.where("en") == "femur (side not stated), shaft of femur (“Right” in the record)"
    femur["extension"][0]["url"] = "http://open.epic.com/FHIR/StructureDefinition/extension/laterality"
    assert only_place(femur).where("en") == "right femur, shaft of femur"


def test_a_vendors_side_as_a_string_or_under_another_name_is_quoted_never_read():
    """A vendor's side written as a string (Cerner's "…/laterality", ``valueString`` "D") or in an extension named
    "body-side": the card read "Humerus (side not stated)" and "D" was said nowhere (probe 29, r14, r14b). Quoted
    beside the place, as a coded one is; never the side, never one where the extension names none."""
    def humerus(url, **value):
        return condition("lesion-1", SCT, "94222008", body_site=[{**cc(SCT, HUMERUS), "extension": [
            {"url": url, **value}]}])
    cerner = "https://fhir.cerner.com/r4/StructureDefinition/"
    for url in (f"{cerner}laterality", f"{cerner}body-side", f"{cerner}bodySide"):
        found = only_place(humerus(url, valueString="D"))
        assert (found.place.side, found.body_site) == (None, (HUMERUS, None))
        assert (found.where("en"), found.where("fr")) == ("humerus (side not stated) (“D” in the record)",
                                                          "humérus (côté non précisé) (« D » dans le dossier)")
    assert only_place(humerus(f"{cerner}body-side", valueCoding={"code": "L", "display": "Left"})).where("en") == \
        "humerus (side not stated) (“Left” in the record)"
    # Not a side: an extension of another name, or a side-named one whose value is no side word, is not quoted.
    for url, value in ((f"{cerner}inside-note", "D"), (f"{cerner}body-side", "unknown"), (f"{cerner}side", " ")):
        assert only_place(humerus(url, valueString=value)).where("en") == "humerus (side not stated)"


def test_what_the_record_writes_beyond_the_codes_read_is_said_beside_them():
    """Two left-humerus lesions, proximal and distal by mCODE location qualifier, read alike ("left humerus"); a
    femur whose text says "L femur" read "femur (side not stated)". The record's words that the codes here do not
    read are said beside them; words that say nothing more (a coded side's "Left femur") are not repeated."""
    proximal = site(HUMERUS, LEFT)
    proximal["extension"].append({"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-body-location-"
                                         "qualifier", "valueCodeableConcept": {
                                             "coding": [{"system": SCT, "code": "40415009", "display": "Proximal"}]}})
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[proximal]))
    assert (found.where("en"), found.where("fr")) == ("left humerus (“Proximal” in the record)",
                                                      "humérus gauche (« Proximal » dans le dossier)")
    unsided = {"coding": [{"system": SCT, "code": FEMUR}], "text": "L femur proximal third"}
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[unsided]))
    # "L" right beside the bone's name is read as its side, flagged (probe 29: "side not stated" beside "fémur G"
    # read as a contradiction); never a side to score or link items by (the site reading's side stays the codes').
    assert found.where("en") == "left femur (side read from the text) (“L femur proximal third” in the record)"
    assert found.place.side == "7771000" and found.place.side_from_text and found.body_site == (FEMUR, None)
    shaft_in_words = {**site(FEMUR, RIGHT), "text": "fémur droit, diaphyse"}  # the region that decides its row
    assert only_place(condition("lesion-1", SCT, "94222008", body_site=[shaft_in_words])).where("fr") == \
        "fémur droit (« fémur droit, diaphyse » dans le dossier)"
    coded_side = {**site(FEMUR, LEFT, peritrochanteric=True), "text": "Left femur"}
    assert only_place(condition("lesion-1", SCT, "94222008", body_site=[coded_side])).where("en") == \
        "left femur, peritrochanteric region"


def test_a_lesion_without_a_site_is_named_in_the_readers_language_not_by_its_codes_title():
    unsited = condition("lesion-1", "http://hl7.org/fhir/sid/icd-10-cm", "C79.51")
    unsited["code"]["coding"][0]["display"] = "Secondary malignant neoplasm of bone"
    found = only_place(unsited)
    assert (found.where("en"), found.where("fr")) == ("bone metastasis, site not recorded",
                                                      "métastase osseuse, site non enregistré")
    unsited["code"]["text"] = "méta fémur ?"  # the clinician's own words may say where: kept
    assert only_place(unsited).where("fr") == "méta fémur ?, site non enregistré"


def test_a_feminine_bone_agrees_in_french():
    found = only_place(lesion(bone=ULNA, side=RIGHT))
    assert (found.where("en"), found.where("fr")) == ("right ulna", "ulna droite")


def test_body_structure_location_qualifier():
    resource = lesion(bone=None)
    resource["extension"] = [{"url": BODY_SITE_REFERENCE, "valueReference": {"reference": "BodyStructure/bs-1"}}]
    structure = {"resourceType": "BodyStructure", "id": "bs-1", "patient": {"reference": "Patient/p1"},
                 "location": cc(SCT, FEMUR), "locationQualifier": [cc(SCT, LEFT), cc(SCT, TROCHANTER)]}
    found = only_place(resource, structure)
    assert found.place.side == LEFT and not found.place.side_from_text
    assert (found.where("en"), found.where("fr")) == ("left femur, trochanter", "fémur gauche, trochanter")


def test_a_side_only_the_text_states_is_said_flagged_and_never_links():
    body_site = {"text": "Fémur droit", "coding": [{"system": SCT, "code": FEMUR}]}
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[body_site]))
    assert found.place.side == RIGHT and found.place.side_from_text
    assert found.body_site == (FEMUR, None)  # orders and observations are linked by coded sides only
    assert found.where("en") == "right femur (side read from the text)"
    assert found.where("fr") == "fémur droit (côté lu dans le texte)"


def test_a_coded_side_the_text_contradicts_is_no_side_and_both_are_said():
    """The coded side won over the text: a probe's "Fémur gauche" coded right read "Right femur" on a card asking
    for a fixation, the text nowhere. Neither is picked now; the place says both are recorded, with the words."""
    body_site = {**site(FEMUR, LEFT), "text": "right femur"}
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[body_site]))
    assert found.place.side is None and found.place.sides_disagree and not found.place.side_from_text
    assert found.where("en") == "femur (left and right both recorded) (“right femur” in the record)"


def test_no_side_is_said():
    found = only_place(lesion(bone=FEMUR, side=None))
    assert (found.where("en"), found.where("fr")) == ("femur (side not stated)", "fémur (côté non précisé)")


def test_the_sacrum_and_the_coccyx_are_midline_bones_said_with_no_side():
    """Probe 14: a sacrum was said in the record's words (“S1-S2” (as written)) as a bone no ValueSet listed; it is
    one bone on the midline, like a vertebra: its words, never "side not stated"."""
    for code, words in (("54735007", ("sacrum", "sacrum")), ("64688005", ("coccyx", "coccyx"))):
        place = Place(bone=code)
        assert (place.words("en"), place.words("fr")) == words
    written = Place(bone="54735007", written="S1-S2")
    assert (written.words("en"), written.words("fr")) == ("sacrum (“S1-S2” in the record)",
                                                          "sacrum (« S1-S2 » dans le dossier)")


def test_a_code_the_value_sets_do_not_list_is_said_in_the_records_words():
    body_site = {"text": "Left iliac crest", "coding": [{"system": SCT, "code": "123"}]}
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[body_site]))
    # Quoted, and said to be the record's words: no code here says which bone it is (nor that it is a long bone).
    assert (found.where("en"), found.where("fr")) == ("“Left iliac crest” (as written)",
                                                      "« Left iliac crest » (tel qu'écrit)")


def test_both_sides_coded_on_one_condition():
    body_site = {"coding": [{"system": SCT, "code": FEMUR}, {"system": SCT, "code": BOTH_SIDES}]}
    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[body_site]))
    assert (found.where("en"), found.where("fr")) == ("femur, both sides", "fémur, des deux côtés")


def test_two_lesions_that_differ_only_by_the_side_in_their_text_are_not_one():
    def by_text(cid, words):
        return condition(cid, SCT, "94222008", body_site=[{"text": words, "coding": [{"system": SCT, "code": FEMUR}]}])

    found = lesions_of(by_text("lesion-1", "left femur"), by_text("lesion-2", "right femur"))
    assert [f.where("en") for f in found] == ["left femur (side read from the text)",
                                              "right femur (side read from the text)"]
    assert not any("same bone and side" in flag for f in found for flag in f.facts["lesion_site"].flags)
    same = lesions_of(by_text("lesion-1", "left femur"), by_text("lesion-2", "femur, left"))
    assert all(any("same bone and side" in flag for flag in f.facts["lesion_site"].flags) for f in same)


def test_an_observation_naming_a_side_links_only_to_the_lesion_of_that_side():
    left, right = lesion("lesion-l", bone=FEMUR, side=LEFT), lesion("lesion-r", bone=FEMUR, side=RIGHT)
    typed = observation("o-type", "lesion-type", body_site=site(FEMUR, RIGHT), **coded("lytic"))
    found = {f.condition: f for f in lesions_of(left, right, typed)}
    assert found["Condition/lesion-r"].facts["lesion_type"].value == "lytic"
    assert found["Condition/lesion-l"].facts["lesion_type"].missing
    assert not any("same bone and side" in flag for f in found.values() for flag in f.facts["lesion_site"].flags)


def test_a_cord_compression_is_said_where_its_body_site_says_else_by_its_code():
    primary = condition("primary", SCT, "254837009", onset="2024-01-01")
    compression = condition("scc", SCT, "71286001", onset="2026-11-01",
                            body_site=[{"coding": [{"system": SCT, "code": "122495006"}], "text": "T7"}])
    facts = extract_facts([patient(), primary, compression], MappingOptions(as_of=AS_OF))
    (found,) = facts.scored_by("rades")
    # The level the text gives, which no code here reads, is said beside the region (a surgeon asks which vertebra).
    assert (found.where("en"), found.where("fr")) == ("thoracic spine (“T7” in the record)",
                                                      "rachis thoracique (« T7 » dans le dossier)")
    facts = extract_facts([patient(), primary, {**compression, "bodySite": [{"text": "T7"}]}],
                          MappingOptions(as_of=AS_OF))
    assert facts.scored_by("rades")[0].where("fr") == "« T7 » (tel qu'écrit)"
    del compression["bodySite"]
    facts = extract_facts([patient(), primary, compression], MappingOptions(as_of=AS_OF))
    assert facts.scored_by("rades")[0].place is None
    # No bodySite: plain words in the reader's language, not the code's English title.
    assert (facts.scored_by("rades")[0].where("en"), facts.scored_by("rades")[0].where("fr")) == (
        "spinal cord compression", "compression médullaire")


SWAP = {LEFT: RIGHT, RIGHT: LEFT}


@settings(max_examples=30, deadline=None)
@given(bone=st.sampled_from([FEMUR, FEMUR_SHAFT, HUMERUS, ULNA, "12611008", "87342007", "62413002"]),
       side=st.sampled_from([LEFT, RIGHT]), how=st.sampled_from(["mcode", "coding", "text"]),
       locale=st.sampled_from(["en", "fr"]))
def test_swapping_every_side_swaps_the_words(bone, side, how, locale):
    def record(side):
        if how == "mcode":
            body_site = site(bone, side)
        elif how == "coding":
            body_site = {"coding": [{"system": SCT, "code": bone}, {"system": SCT, "code": side}]}
        else:
            body_site = {"text": {LEFT: "gauche", RIGHT: "droit"}[side], "coding": [{"system": SCT, "code": bone}]}
        return only_place(condition("lesion-1", SCT, "94222008", body_site=[body_site])).where(locale)

    words, swapped = record(side), record(SWAP[side])
    said = {LEFT: {"en": "left", "fr": "gauche"}, RIGHT: {"en": "right", "fr": "droit"}}
    assert said[side][locale] in words and said[SWAP[side]][locale] not in words
    assert said[SWAP[side]][locale] in swapped and said[side][locale] not in swapped
    words, swapped = (re.sub(r"\b(left|right|gauche|droite?)\b", "<side>", text) for text in (words, swapped))
    assert words == swapped


def test_every_site_and_laterality_code_of_the_value_sets_has_french_and_english_words():
    for vs_id in [*LONG_BONES, *FEMUR_REGIONS, NOT_LONG_BONE_VS, LATERALITY_VS]:
        raw = json.loads((data_dir("fhir_profiles") / f"ValueSet-{vs_id}.json").read_text("utf-8"))
        for include in raw["compose"]["include"]:
            for concept in include["concept"]:
                for locale in ("en", "fr"):
                    assert listed_words(include["system"], concept["code"], locale), (vs_id, concept, locale)


def test_the_renderer_says_the_side_in_the_narratives():
    from service.calculators import score_mirels
    from service.render import render

    found = only_place(condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR, LEFT, peritrochanteric=True)]))
    for locale, words in (("en", "left femur, peritrochanteric region"),
                          ("fr", "fémur gauche, région trochantérienne")):
        assessment = render(score_mirels(found.inputs(), locale=locale), found, "Patient/p1",
                            datetime(2026, 11, 5, tzinfo=UTC))
        assert words in assessment.observation["text"]["div"]
        assert words in assessment.risk_assessment["text"]["div"]



def test_an_icd_10_cm_pathological_fracture_code_states_bone_and_side():
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    assert fracture_place({"system": icd, "code": "M84.552A"}) == Place(FEMUR, LEFT, record_words="M84.552A")
    assert fracture_place({"system": "urn:oid:2.16.840.1.113883.6.90", "code": "M84551D"}).side == RIGHT
    assert fracture_place({"system": icd, "code": "M84.561A"}).words("fr") == "tibia droit"
    assert fracture_place({"system": icd, "code": "M84.553A"}).words("en") == "femur (side not stated)"
    assert fracture_place({"system": icd, "code": "C79.51"}) is None  # bone metastasis: no side in the code
    assert fracture_place({"system": "http://hl7.org/fhir/sid/icd-10", "code": "M84.55"}) is None


def test_an_injury_fracture_code_states_its_bone_and_an_icd_10_cm_title_its_side():
    """S72 is a fracture of the femur in every ICD-10 edition; only ICD-10-CM's title says the side (its
    characters put it in the 5th or the 6th place depending on the subcategory, so they are not decoded)."""
    icd, who, cim = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10",
                     "https://smt.esante.gouv.fr/terminologie-cim-10")
    titled = {"system": icd, "code": "S72.142A", "display": "Displaced intertrochanteric fracture of left femur"}
    assert (fracture_place(titled).bone, fracture_place(titled).side) == (FEMUR, LEFT)
    assert fracture_place({"system": icd, "code": "S72.142A"}).side is None  # no title: the side is not guessed
    assert fracture_place({"system": who, "code": "S72.3"}).words("en") == "femur (side not stated)"
    assert fracture_place({"system": cim, "code": "S723", "display": "Fracture du corps du fémur droit"}).side is None
    assert fracture_place({"system": who, "code": "S42.3"}).bone == HUMERUS
    assert fracture_place({"system": icd, "code": "S82.401A"}).bone == "87342007"  # fibula
    for elsewhere in ("S42.0", "S52.5", "S82.0", "S82.5", "S32.5", "S32.8"):  # clavicle, forearm, patella, malleolus,
        assert fracture_place({"system": who, "code": elsewhere}) is None  # pubis, two editions' "other parts"
    # The bones outside the limbs where a metastasis is counted (§1.1, §1.5): a rib, the ilium (probe 25).
    assert fracture_place({"system": who, "code": "S22.3"}).bone == "113197003"
    assert fracture_place({"system": who, "code": "S32.3"}).bone == "22356005"
    # A vertebra's fracture or collapse states the region of the spine (the 5th character of M48.5), never a side.
    assert fracture_place({"system": who, "code": "S32.0"}).bone == "122496007"  # lumbar
    assert fracture_place({"system": icd, "code": "S22.050A"}).bone == "122495006"  # thoracic
    assert fracture_place({"system": icd, "code": "S12.500A"}).bone == "122494005"  # C6
    assert fracture_place({"system": who, "code": "S32.1"}).bone == "54735007"  # the sacrum
    assert fracture_place({"system": icd, "code": "M48.56XA"}).bone == "122496007"
    assert fracture_place({"system": icd, "code": "M48.50XA"}).bone == "421060004"  # the spine: its region not stated
    assert fracture_place({"system": icd, "code": "M48.52XA", "display": "Collapsed vertebra, cervical region, left "
                                                                          "sided"}).side is None
    assert fracture_place({"system": SCT, "code": "S72"}) is None


def test_a_summary_short_of_room_keeps_a_spinal_level_written_as_a_level():
    """Several spine cards read "Thoracic spine, Rades score 41" and "Rachis thoracique, SINS …" where the detail says
    T12, T4 and L1 (the place gave way, French first: probe 15). A level written alone stays, compactly."""
    thoracic = Place("122495006", written="T12")
    assert (thoracic.words("en", as_written=False), thoracic.words("fr", as_written=False)) == (
        "thoracic spine “T12”", "rachis thoracique « T12 »")  # quoted: as the record writes it ("D10" too)
    assert thoracic.words("en") == "thoracic spine (“T12” in the record)"  # the full form, as before
    assert Place("122495006", written="Compression médullaire dorsale").words("en", as_written=False) == \
        "thoracic spine"  # words that are not a level give way
    assert Place("122495006", written="L2").words("en", as_written=False) == "thoracic spine"  # coded thoracic, "L2"
    assert Place("122495006", written="D10").words("en", as_written=False) == "thoracic spine “D10”"  # dorsal


def test_one_record_of_a_right_femur_and_a_left_humerus_is_never_one_bone_on_both_sides():
    """A Condition whose two bodySites are a right femoral shaft and a left humerus was placed "humerus, both sides,
    shaft of femur" on the §1.5 card (the regression check): the record's words are said, as on its Mirels card."""
    from service.facts.items.site import read_site_and_place
    from service.facts.terminology import load_terminology

    sites = [{**site(FEMUR_SHAFT, RIGHT), "text": "diaphyse fémorale droite"},
             {**site(HUMERUS, LEFT), "text": "humérus gauche"}]
    _, place = read_site_and_place(load_terminology(), sites)
    assert place is not None and place.words("en") == "“diaphyse fémorale droite, humérus gauche” (as written)"


def test_one_record_of_two_bones_coded_with_no_words_of_its_own_names_each_in_the_readers_words():
    """Probe 28 (r48): a Condition, or an operation, coded left femur and right humerus with only the codes' displays
    read "“Bone structure of femur, Bone structure of humerus” (as written)" on a French card ("« Bone structure of
    femur »" in its summary), both sides lost. Each bone with its own side, in the reader's words; the record's own
    words, where it has some, stay first (the test above)."""
    from service.facts.items.site import read_site_and_place
    from service.facts.terminology import load_terminology

    sites = [{"coding": [{**site(FEMUR, LEFT)["coding"][0], "display": "Bone structure of femur"}],
              "extension": site(FEMUR, LEFT).get("extension", [])},
             {"coding": [{**site(HUMERUS, RIGHT)["coding"][0], "display": "Bone structure of humerus"}],
              "extension": site(HUMERUS, RIGHT).get("extension", [])}]
    reading, place = read_site_and_place(load_terminology(), sites)
    for found in (reading.place, place):
        assert found is not None
        assert (found.words("en"), found.words("fr")) == ("left femur + right humerus", "fémur gauche + humérus droit")
    # A bone of the two with no side coded says so (review 33: "tibia, left femur" read as both left).
    sites[1] = {"coding": [{"system": "http://snomed.info/sct", "code": "12611008"}]}  # tibia, no side
    _, place = read_site_and_place(load_terminology(), sites)
    assert place is not None and place.words("en") == "tibia (side not stated) + left femur"


def test_a_summary_short_of_room_keeps_both_bones_of_one_record_giving_up_their_asides_first():
    """Review 34: « Tibia (côté non…), score de Mirels 8–9 : … » lost the femur and cut inside its parenthesis."""
    from service.render.card_text import shortened

    assert shortened("Tibia (côté non précisé) + fémur gauche", 20, 24) == "Tibia + fémur gauche"
    assert shortened("Fémur gauche + humérus droit", 10, 24) == "Fémur gauche + humérus droit"
