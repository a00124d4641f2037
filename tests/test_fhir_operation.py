"""POST /fhir/$assess and GET /fhir/metadata: inputs, errors as OperationOutcomes, conformance."""

import json
from datetime import date

import pytest
from fhir.resources.R4B import get_fhir_model_class

from support.answer_checks import is_advice_resource
from support.fhir_builders import SCT, bundle, coded, lesion, lesion_observations, observation, patient
from support.fhir_schema_check import schema_errors


@pytest.fixture(scope="module")
def client(make_app):
    return make_app(max_body_bytes=100_000).test_client()  # a body limit small enough to reach


def resources_of(answer, kind=None):
    return [e["resource"] for e in answer["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def test_answer_bundle_is_valid_r4_and_links_by_urn_uuid(client):
    answer = client.post("/fhir/$assess", json=bundle(patient(), lesion(), *lesion_observations())).get_json()
    assert answer["type"] == "collection" and schema_errors(answer) == []
    kinds = [r["resourceType"] for r in resources_of(answer) if not is_advice_resource(r)]
    assert kinds == ["Device", "Observation", "RiskAssessment", "CarePlan", "OperationOutcome", "Provenance"]
    # One bone site, no visceral status recorded: §1.5's advice, possible, as a CarePlan of its own.
    (advice,) = [r for r in resources_of(answer) if is_advice_resource(r)]
    assert advice["category"][0]["coding"][0]["code"] == "oligometastatic" and "Possible" in advice["title"]
    for resource in resources_of(answer):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    full_urls = {e["fullUrl"] for e in answer["entry"]}
    (risk,) = resources_of(answer, "RiskAssessment")
    assert risk["basis"][0]["reference"] in full_urls  # the score Observation, inside the Bundle
    # Inputs are cited as the input Bundle names them: by their entries' fullUrls.
    assert {"urn:uuid:lesion-1", "urn:uuid:o-size"} <= {b.get("reference") for b in risk["basis"]}
    assert "Mirels H. Metastatic disease in long bones" in risk["basis"][-1]["display"]  # the cited article
    (provenance,) = resources_of(answer, "Provenance")
    assert {t["reference"] for t in provenance["target"]} <= full_urls and len(provenance["target"]) == 4
    assert {"urn:uuid:lesion-1", "urn:uuid:o-pain"} <= {e["what"]["reference"] for e in provenance["entity"]}
    assert provenance["agent"][0]["who"]["reference"] in full_urls
    (device,) = resources_of(answer, "Device")
    assert [v["type"]["text"].split()[0] for v in device["version"]] == ["bonemet-cds", "mirels", "rades", "sins"]


def test_parameters_body_and_language(client):
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "language", "valueCode": "fr"},
        {"name": "bundle", "resource": bundle(patient(), lesion(), *lesion_observations())}]}
    answer = client.post("/fhir/$assess", json=body).get_json()
    (care_plan,) = [r for r in resources_of(answer, "CarePlan") if not is_advice_resource(r)]
    assert "Chirurgie prophylactique" in care_plan["description"]


def test_bundle_of_another_type_and_references_by_urn_uuid(client):
    source = bundle(patient(), lesion(), *lesion_observations(focus="urn:uuid:lesion-1"), kind="transaction")
    for entry in source["entry"]:
        entry["request"] = {"method": "POST", "url": entry["resource"]["resourceType"]}
        entry["resource"]["subject"] = {"reference": "urn:uuid:p1"} if entry["resource"]["resourceType"] != "Patient" \
            else None
        if entry["resource"]["subject"] is None:
            del entry["resource"]["subject"]
    answer = client.post("/fhir/$assess", json=source).get_json()
    (score,) = [r for r in resources_of(answer, "Observation")]
    # No id is made up: the answer cites the inputs by their urn:uuid fullUrls, as the transaction does.
    assert score["valueInteger"] == 9 and score["subject"]["reference"] == "urn:uuid:p1"
    assert score["focus"] == [{"reference": "urn:uuid:lesion-1"}]


def test_invalid_fhir_is_400_with_an_operation_outcome_saying_where(client):
    bad = lesion()
    bad["onsetDateTime"] = "yesterday"
    response = client.post("/fhir/$assess", json=bundle(patient(), bad))
    assert response.status_code == 400 and response.mimetype == "application/fhir+json"
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome" and schema_errors(outcome) == []
    (issue,) = outcome["issue"]
    assert issue["severity"] == "error" and issue["expression"] == ["Bundle.entry[1].resource.onsetDateTime"]


@pytest.mark.parametrize("body,where", [
    ({"resourceType": "Patient", "id": "x"}, "must be a FHIR Bundle"),
    ({"resourceType": "Bundle", "entry": {}}, "Bundle.entry"),
    ({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}, "Bundle.entry[0]"),
    ({"resourceType": "Parameters", "parameter": [{"name": "other"}]}, "no parameter named 'bundle'"),
    ({"resourceType": "Parameters", "parameter": [{"name": "bundle", "resource": {"resourceType": "Patient"}}]},
     "Parameters.parameter[0].resource"),
])
def test_malformed_inputs_are_400_operation_outcomes(client, body, where):
    response = client.post("/fhir/$assess", json=body)
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert where in json.dumps(outcome)


def test_non_json_language_and_size_errors(client):
    response = client.post("/fhir/$assess", data=b"{nope", content_type="application/fhir+json")
    assert response.status_code == 400 and response.get_json()["resourceType"] == "OperationOutcome"
    response = client.post("/fhir/$assess?language=de", json=bundle(patient()))
    assert response.status_code == 400 and "language" in response.get_json()["issue"][0]["diagnostics"]
    response = client.post("/fhir/$assess", data=b" " * 200_000, content_type="application/fhir+json")
    assert response.status_code == 413 and response.get_json()["issue"][0]["code"] == "too-long"


def test_several_patients_are_assessed_each_on_their_own(client):
    a = [patient("a"), lesion(pid="a"), *[dict(o, subject={"reference": "Patient/a"}) for o in lesion_observations()]]
    b = [patient("b"), lesion(pid="b", cid="lesion-b")]
    answer = client.post("/fhir/$assess", json=bundle(*a, *b)).get_json()
    scores = {r["subject"]["reference"]: r for r in resources_of(answer, "Observation")}
    assert scores["urn:uuid:a"]["valueInteger"] == 9
    # Only the site is known: 2, plus 3 to 9.
    assert scores["urn:uuid:b"]["valueRange"] == {"low": {"value": 5}, "high": {"value": 11}}
    outcomes = resources_of(answer, "OperationOutcome")
    assert len(outcomes) == 2 and len(resources_of(answer, "Provenance")) == 2


def test_empty_bundle_says_there_is_nothing_to_assess(client):
    answer = client.post("/fhir/$assess", json={"resourceType": "Bundle", "type": "collection"}).get_json()
    (outcome,) = resources_of(answer, "OperationOutcome")
    assert outcome["issue"][0]["code"] == "not-found"


def test_metadata_is_a_valid_capability_statement_naming_the_operation(client):
    response = client.get("/fhir/metadata")
    statement = response.get_json()
    assert response.mimetype == "application/fhir+json" and schema_errors(statement) == []
    assert statement["fhirVersion"] == "4.0.1" and statement["software"]["version"]
    operation = statement["rest"][0]["operation"][0]
    assert operation["name"] == "assess"
    definition = client.get("/fhir/OperationDefinition/assess").get_json()
    assert definition["url"] == operation["definition"] and definition["code"] == "assess"
    assert schema_errors(definition) == []


def test_one_id_for_two_different_resources_is_400_and_an_exact_duplicate_counts_once(client):
    observations = lesion_observations()
    changed = dict(observations[2], valueCodeableConcept={"coding": [
        {"system": "http://bonemet-cds.org/fhir/CodeSystem/bonemet", "code": "mild"}]})
    response = client.post("/fhir/$assess", json=bundle(patient(), lesion(), *observations, changed))
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["Bundle.entry[5].resource.id"]
    answer = client.post("/fhir/$assess", json=bundle(patient(), lesion(), *observations, observations[2])).get_json()
    (score,) = resources_of(answer, "Observation")
    assert score["valueInteger"] == 9 and "conflict" not in json.dumps(answer)


def test_as_of_that_is_not_a_date_is_400_naming_the_parameter(client):
    parameters = {"resourceType": "Parameters", "parameter": [
        {"name": "bundle", "resource": {"resourceType": "Bundle", "type": "collection", "entry": []}},
        {"name": "asOf", "valueDate": "yesterday"}]}
    response = client.post("/fhir/$assess", json=parameters)
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["Parameters.parameter[1].valueDate"]
    response = client.post("/fhir/$assess?asOf=2026-13-01", json=parameters["parameter"][0]["resource"])
    assert response.status_code == 400 and "asOf" in response.get_json()["issue"][0]["expression"][0]


def test_resources_no_calculator_reads_are_counted_not_listed_one_by_one(client):
    labs = [{"resourceType": "Observation", "id": f"lab-{n}", "status": "final",
             "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
             "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-11-01",
             "valueQuantity": {"value": 90, "unit": "mg/dL"}} for n in range(50)]
    unlinked = {**lesion_observations()[0], "id": "o-unlinked", "focus": []}
    answer = client.post("/fhir/$assess", json=bundle(patient(), lesion(), *lesion_observations(), *labs,
                                                      unlinked)).get_json()
    (outcome,) = resources_of(answer, "OperationOutcome")
    texts = [issue["diagnostics"] for issue in outcome["issue"]]
    assert sum("lab-" in text for text in texts) == 0  # a real export is mostly labs: not one issue each
    assert any("50 other resource(s) not used (Observation 50)" in text for text in texts)
    assert any("Observation/o-unlinked" in text for text in texts)  # what looks relevant is still named


def test_resources_the_mapper_reads_are_validated_in_full_the_others_by_their_shape(client):
    lab = {"resourceType": "Observation", "id": "lab-1", "status": "final", "subject": {"reference": "Patient/p1"},
           "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]}, "effectiveDateTime": "yesterday"}
    # A lab no calculator reads: its bad date is not ours to judge (it is named as not read), the answer comes.
    assert client.post("/fhir/$assess", json=bundle(patient(), lesion(), lab)).status_code == 200
    # Its shape still is: an element of the wrong JSON type is a 400 naming it.
    broken = {**lab, "effectiveDateTime": "2026-11-01", "code": ["not", "an", "object"]}
    answer = client.post("/fhir/$assess", json=bundle(patient(), lesion(), broken))
    assert answer.status_code == 400
    assert answer.get_json()["issue"][0]["expression"] == ["Bundle.entry[2].resource.code"]
    # A resource the mapper reads keeps the full validation.
    read = {**lesion_observations()[1], "effectiveDateTime": "yesterday"}
    answer = client.post("/fhir/$assess", json=bundle(patient(), lesion(), read))
    assert answer.status_code == 400
    assert answer.get_json()["issue"][0]["expression"] == ["Bundle.entry[2].resource.effectiveDateTime"]


def test_a_bundle_that_is_one_page_of_a_search_says_so_in_every_patients_outcome(client):
    """A tester may post what a FHIR search answered: one page, with a next link. Resources on the other
    pages may be the patient's; the answer says they are not in the assessment, in both languages."""
    page = bundle(patient(), lesion(), *lesion_observations(), kind="searchset")
    page["link"] = [{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}]
    for language, words in (("en", "is one page of a search"), ("fr", "n'est qu'une page d'une recherche")):
        answer = client.post(f"/fhir/$assess?language={language}", json=page).get_json()
        (outcome,) = resources_of(answer, "OperationOutcome")
        (issue,) = [i for i in outcome["issue"] if words in i["diagnostics"]]
        assert issue["severity"] == "warning" and schema_errors(answer) == []
    del page["link"]
    answer = client.post("/fhir/$assess", json=page).get_json()
    assert not any("page" in i["diagnostics"] for o in resources_of(answer, "OperationOutcome") for i in o["issue"])


def test_what_the_card_flags_is_said_in_the_outcome_of_the_bundle_doors(client):
    """A lesion with no clinicalStatus is counted (as the card says, flagged); a preliminary Observation
    is used (flagged). The Bundle doors' OperationOutcome says both, once each."""
    size, kind, pain = lesion_observations()
    size["status"] = "preliminary"
    answer = client.post("/fhir/$assess", json=bundle(patient(), lesion(clinical=None), size, kind, pain)).get_json()
    (outcome,) = resources_of(answer, "OperationOutcome")
    texts = [(issue["severity"], issue["diagnostics"]) for issue in outcome["issue"]]
    flagged = [text for severity, text in texts if "the Condition is counted although it is flagged" in text]
    assert [severity for severity, text in texts if text in flagged] == ["warning"]
    assert flagged[0].endswith("no clinicalStatus")
    assert [text for _, text in texts if "preliminary" in text and "Size of the lesion" in text]
    assert not any("Site of the lesion: no clinicalStatus" in text for _, text in texts)  # said once


def test_the_stored_resources_carry_the_conditions_flags_in_their_notes(client):
    """The RiskAssessment and score Observation are what the EHR keeps: a Condition counted although
    flagged says so in their notes, not only on the card."""
    answer = client.post("/fhir/$assess?language=fr", json=bundle(
        patient(), lesion(clinical=None), *lesion_observations())).get_json()
    for kind in ("Observation", "RiskAssessment", "CarePlan"):
        (resource,) = [r for r in resources_of(answer, kind) if not is_advice_resource(r)]
        assert any("La Condition est comptée bien qu'elle soit signalée" in note["text"] for note in resource["note"])
    assert schema_errors(answer) == []


def test_a_searchset_holding_fewer_results_than_its_total_says_so(client):
    page = bundle(patient(), lesion(), *lesion_observations(), kind="searchset")
    page["total"] = 9
    (outcome,) = resources_of(client.post("/fhir/$assess", json=page).get_json(), "OperationOutcome")
    assert any("Bundle holds 5 of the 9 results of its search: the other 4 are not in this assessment"
               in issue["diagnostics"] for issue in outcome["issue"])
    page["entry"][0]["search"] = "not an object"  # read as a match, never a crash
    page["total"] = 5
    answer = client.post("/fhir/$assess", json=page)
    assert answer.status_code == 200
    assert not any("results of its search" in issue["diagnostics"]
                   for issue in resources_of(answer.get_json(), "OperationOutcome")[0]["issue"])


@pytest.mark.parametrize("parameters,where,said", [
    ([{"name": "bundle", "resource": "B"}, {"name": "bundle", "resource": "B"}], "Parameters.parameter[1]",
     "a second 'bundle'"),
    ([{"name": "bundle", "resource": "B"}, {"name": "asof", "valueDate": "2026-11-15"}],
     "Parameters.parameter[1].name", "'asof' is not a parameter of $assess"),
    ([{"name": "bundle", "resource": "B"}, {"name": "language", "valueInteger": 1}], "Parameters.parameter[1]",
     "give it as valueCode (or valueString)"),
    ([{"name": "bundle", "resource": "B"}, {"name": "language", "valueCode": "de-DE"}],
     "Parameters.parameter[1].valueCode", "'de-DE' is not a BCP-47 tag of a language $assess speaks"),
    ([{"name": "bundle", "resource": "B"}, {"name": "language", "valueString": "fr_FR"}],
     "Parameters.parameter[1].valueString", "'fr_FR' is not a BCP-47 tag"),
    ([{"name": "bundle", "resource": "B"}, {"name": "language", "valueCode": "fr"},
      {"name": "language", "valueCode": "en"}], "Parameters.parameter[2]", "a second 'language'"),
    ([{"name": "bundle", "resource": "B"}, {"name": "asOf", "valueString": "2026-11-15"}], "Parameters.parameter[1]",
     "asOf is a date: give it as valueDate"),
    ([{"name": "language", "valueCode": "fr"}], "Parameters.parameter", "has no parameter named 'bundle'"),
])
def test_assess_drops_no_part_of_a_parameters_request_without_a_word(client, parameters, where, said):
    body = {"resourceType": "Parameters", "parameter": [
        {**part, "resource": bundle(patient(), lesion(), *lesion_observations())} if part.get("resource") == "B"
        else part for part in parameters]}
    response = client.post("/fhir/$assess", json=body)
    assert response.status_code == 400
    issues = [issue for issue in response.get_json()["issue"] if issue["expression"] == [where]]
    assert issues and said in issues[0]["diagnostics"], response.get_json()


@pytest.mark.parametrize("part,language", [
    ({"valueCode": "fr"}, "fr"), ({"valueString": "fr"}, "fr"), ({"valueCode": "fr-FR"}, "fr"),
    ({"valueString": "fr-CA"}, "fr"), ({"valueCode": "FR"}, "fr"), ({"valueCode": "fr-Latn-FR"}, "fr"),
    ({"valueCode": "en-GB"}, "en"), ({"valueString": "en-US"}, "en")])
def test_language_is_honoured_as_a_code_or_a_string_and_as_any_tag_of_a_language_spoken(client, part, language):
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "bundle", "resource": bundle(patient(), lesion(), *lesion_observations())},
        {"name": "language", **part}]}
    response = client.post("/fhir/$assess", json=body)
    assert response.status_code == 200, response.get_json()
    assert {e["resource"].get("language") for e in response.get_json()["entry"]} - {None} == {language}


@pytest.mark.parametrize("query,body_parts,said", [
    ("?language=fr&language=en", [], "language given more than once"),
    ("?asOf=2026-11-15&asOf=2026-11-16", [], "asOf given more than once"),
    ("?language=fr", [{"name": "language", "valueCode": "fr"}], "language given both as a query parameter"),
    ("?asOf=2026-11-15", [{"name": "asOf", "valueDate": "2026-11-15"}], "asOf given both as a query parameter"),
    ("?language=de", [], "'de': not a BCP-47 tag of a language $assess speaks"),
    ("?_format=xml", [], "$assess answers in JSON only"),
    ("?bundle=x", [], "'bundle' not taken by $assess"),
])
def test_a_query_parameter_given_twice_or_beside_the_same_part_is_refused_by_name(client, query, body_parts, said):
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "bundle", "resource": bundle(patient(), lesion(), *lesion_observations())}, *body_parts]}
    response = client.post(f"/fhir/$assess{query}", json=body)
    assert response.status_code == 400 and response.mimetype == "application/fhir+json"
    assert said in json.dumps(response.get_json()), response.get_json()
    assert schema_errors(response.get_json()) == []


def test_a_misspelt_query_parameter_is_refused_and_a_language_tag_with_its_region_is_read(client):
    source = bundle(patient(), lesion(), *lesion_observations())
    refused = client.post("/fhir/$assess?asof=2026-11-15", json=source)
    assert refused.status_code == 400 and "'asof'" in json.dumps(refused.get_json())
    french = client.post("/fhir/$assess?language=fr-FR", json=source)
    assert french.status_code == 200 and any(
        e["resource"].get("language") == "fr" for e in french.get_json()["entry"])


def test_an_uncertain_item_in_the_operation_outcome_says_what_would_settle_it(client):
    """A size recorded as "over 50 %": 2 or 3 points. The card says why; the OperationOutcome said only "uncertain,
    points 2-3", where a missing item says which resource would supply it (a probe's finding)."""
    size, kind, pain = lesion_observations()
    size["valueQuantity"]["comparator"] = ">"
    answer = client.post("/fhir/$assess", json=bundle(patient(), lesion(), size, kind, pain)).get_json()
    (outcome,) = resources_of(answer, "OperationOutcome")
    texts = [issue["diagnostics"] for issue in outcome["issue"] if "uncertain" in issue.get("diagnostics", "")]
    assert texts and all("would be settled by an Observation coded" in text for text in texts), texts


def _history(*versions):
    """A history Bundle (newest first, as a server's _history answers), each entry with its request and response."""
    return {"resourceType": "Bundle", "type": "history", "entry": [
        {"fullUrl": f"urn:uuid:{r['id']}-{r.get('meta', {}).get('versionId', 0)}", "resource": r,
         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}, "response": {"status": "200"}}
        for r in versions]}


def test_two_versions_of_a_resource_told_apart_by_meta_are_read_as_the_hook_reads_them(client):
    """FHIR lets a Bundle hold two versions of one resource (bdl-7: other meta.versionId; a history Bundle). The
    hook read the newer and named the older; `$assess` and the CLI refused the Bundle. Told apart by meta, the
    newer is read and the older named; not told apart, the Bundle is still refused, saying why."""
    size, kind, pain = lesion_observations()
    newer = {**pain, "meta": {"versionId": "2"}, "valueCodeableConcept": {"coding": [
        {"system": "http://bonemet-cds.org/fhir/CodeSystem/bonemet", "code": "mild"}]}}
    older = {**pain, "meta": {"versionId": "1"}}
    answer = client.post("/fhir/$assess", json=_history(patient(), lesion(), size, kind, newer, older))
    assert answer.status_code == 200
    (score,) = resources_of(answer.get_json(), "Observation")
    assert score["valueInteger"] == 8  # mild pain (1), not the older version's moderate (2)
    assert "an older version of Observation/o-pain, sent beside the newer one (versionId 2)" in answer.get_data(
        as_text=True)
    refused = client.post("/fhir/$assess", json=_history(patient(), lesion(), size, kind,
                                                         {**newer, "meta": {}}, {**older, "meta": {}}))
    assert refused.status_code == 400
    assert "which holds cannot be told" in refused.get_json()["issue"][0]["diagnostics"]


def test_a_history_bundle_with_a_deletion_is_refused_saying_so(client):
    """A deleted resource's older versions must not count; which still hold is not worked out from a history."""
    deleted = _history(patient(), lesion(), *lesion_observations())
    deleted["entry"].insert(2, {"request": {"method": "DELETE", "url": "Observation/o-pain"},
                                "response": {"status": "204"}})
    response = client.post("/fhir/$assess", json=deleted)
    assert response.status_code == 400
    (issue,) = response.get_json()["issue"]
    assert issue["expression"] == ["Bundle.entry[2].request"] and "a deletion" in issue["diagnostics"]


def test_a_searchs_operation_outcome_is_said_as_its_warning_not_as_a_resource_of_no_patient(client):
    """Epic answers a search with an OperationOutcome entry (search.mode "outcome") when it withholds results.
    `$assess` named it "not read: names no patient"; the hooks said its warning. Both say the warning now."""
    searchset = bundle(patient(), lesion(), *lesion_observations(), kind="searchset")
    searchset["entry"].append({"resource": {"resourceType": "OperationOutcome", "id": "oo1", "issue": [
        {"severity": "warning", "code": "processing", "diagnostics": "Client not authorized for Observation - Social "
         "History. Search results of this type have not been included."}]}, "search": {"mode": "outcome"}})
    answer = client.post("/fhir/$assess", json=searchset)
    assert answer.status_code == 200
    said = [issue["diagnostics"] for outcome in resources_of(answer.get_json(), "OperationOutcome")
            for issue in outcome["issue"]]
    assert any("the search's answer carries a warning: Client not authorized for Observation" in text
               for text in said), said
    assert not any("names no patient" in text for text in said), said
    (score,) = resources_of(answer.get_json(), "Observation")
    assert score["valueInteger"] == 9


@pytest.mark.parametrize("cut", ["total", "next"])
def test_a_searchset_cut_short_leaves_the_site_count_of_the_ablative_advice_open(client, cut):
    """One left femur and no visceral metastasis: the §1.5 CarePlan proposes the board. A searchset of 9 results
    holding 3, or a first page, may leave out other sites: the proposal is possible only, and says why."""
    absent = observation("visceral", "visceral-metastases", effective=date.today().isoformat(),
                         **coded("2667000", SCT))
    page = bundle(patient(), lesion(), absent, kind="searchset")

    def ablative(answer):
        (plan,) = [r for r in resources_of(answer, "CarePlan") if "§1.5" in r["title"]]
        return plan["title"]

    assert "1 bone metastatic site recorded, no visceral metastasis" in ablative(
        client.post("/fhir/$assess", json=page).get_json())
    if cut == "total":
        page["total"] = 9
    else:
        page["link"] = [{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}]
    answer = client.post("/fhir/$assess", json=page).get_json()
    # Every type may be cut short: the sites have no upper bound, and "absent" may be followed by a "present".
    assert "Possible:" in ablative(answer) and "at least 1 bone" in ablative(answer) and \
        "visceral status not known" in ablative(answer), ablative(answer)
    assert schema_errors(answer) == []
