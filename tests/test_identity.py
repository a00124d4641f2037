"""One assessment whatever the door and however the input spells its references (issue 30, item 1).

Every example (examples/bundles/) and corpus record (tests/corpus/), moved in time so that today is its
assessment date (patient-view assesses as of today), goes through ``$assess``, ``bonemet assess``,
``bonemet bulk`` and patient-view, in every envelope a record reaches us in: with and without fullUrls;
references relative, absolute, with ``:443``, with a trailing slash, with ``_history``; searchset,
collection and transaction Bundles (``urn:uuid`` fullUrls in a transaction). Each door must give the
same identifiers to the assessment resources (Observation, RiskAssessment, CarePlan), and Provenance
must target them. The identity is the meaning (patient, Condition, calculator, table version, as-of
date), not the spelling.
"""

import copy
import json
import re
import uuid
from datetime import date
from pathlib import Path

import pytest

from service.cli import main
from support.answer_checks import advice_cards, is_advice_resource, without_advice
from support.redate import EXAMPLES_AS_OF, to_today

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
AS_OF = json.loads((CORPUS / "expected.json").read_text("utf-8"))["as_of"]
RECORDS = {**{f"example/{p.stem}": (p, EXAMPLES_AS_OF) for p in sorted((ROOT / "examples" / "bundles").glob("*.json"))},
           **{f"corpus/{p.stem}": (p, AS_OF) for p in sorted(CORPUS.glob("*.json"))
              if not p.stem.startswith("expected")}}
ASSESSED = ("Observation", "RiskAssessment", "CarePlan")
HOME = "https://ehr.example.fr/fhir"  # the server of a record that names none
_RELATIVE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")
_ABSOLUTE = re.compile(r"^(https?://.+?)/([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?/?$")
_LOCAL = re.compile(r"([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})/?(?:/_history/[^/]+)?/?$")




def _rewrite(node, change):
    """A copy of ``node`` with each Reference.reference passed through ``change``."""
    if isinstance(node, dict):
        copied = {key: _rewrite(value, change) for key, value in node.items()}
        if isinstance(node.get("reference"), str):
            copied["reference"] = change(node["reference"])
        return copied
    if isinstance(node, list):
        return [_rewrite(value, change) for value in node]
    return node


def _plain(base):
    return base.lower().replace(":443", "").rstrip("/")


def meaning(bundle):
    """The record as (fullUrl base or None, resource) pairs, its home server, and its references to its own
    server made relative: a ``urn:uuid`` entry becomes its ``Type/id`` (the fullUrl's uuid when it has no id)."""
    aliases, pairs = {}, []
    for entry in bundle["entry"]:
        resource, full_url = copy.deepcopy(entry["resource"]), entry.get("fullUrl") or ""
        if full_url.startswith("urn:uuid:"):
            resource.setdefault("id", full_url.removeprefix("urn:uuid:"))
            aliases[full_url] = f"{resource['resourceType']}/{resource['id']}"
            full_url = ""
        match = _ABSOLUTE.match(full_url)
        pairs.append((match[1] if match else None, resource))
    patients = [base for base, resource in pairs if resource["resourceType"] == "Patient" and base]
    bases = [base for base, _ in pairs if base]
    home = patients[0] if patients else max(bases, key=bases.count) if bases else HOME

    def relative(reference):
        reference = aliases.get(reference, reference)
        match = _ABSOLUTE.match(reference)
        if match and _plain(match[1]) == _plain(home):
            return match[2]
        return reference

    resources = [(base if base and _plain(base) != _plain(home) else None, _rewrite(resource, relative))
                 for base, resource in pairs]
    return home, resources


def envelopes(home, resources):
    """The record as each door's callers send it; every envelope means the same."""
    def local(resource):
        return f"{resource['resourceType']}/{resource['id']}"

    def bundle(kind, full_url, reference, request=False):
        entries = []
        for other_base, resource in resources:
            entry = {"fullUrl": f"{other_base}/{local(resource)}"} if other_base else {}
            if not other_base and full_url:
                entry["fullUrl"] = full_url(resource)
            entry["resource"] = _rewrite(resource, lambda ref: reference(ref) if _RELATIVE.match(ref) else ref)
            if request:
                entry["request"] = {"method": "PUT", "url": local(resource)}
            entries.append(entry)
        return {"resourceType": "Bundle", "type": kind, "entry": entries}

    port = re.sub(r"^(https://[^/]+)", r"\1:443", home) if home.startswith("https://") else home
    upper = re.sub(r"^https://([^/]+)", lambda m: "https://" + m[1].upper(), home)
    uuids = {local(r): f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, home + '/' + local(r))}" for _, r in resources}
    return {
        "collection, no fullUrl": bundle("collection", None, lambda ref: ref),
        "searchset, absolute fullUrls": bundle("searchset", lambda r: f"{home}/{local(r)}", lambda ref: ref),
        "collection, absolute references": bundle("collection", lambda r: f"{home}/{local(r)}",
                                                  lambda ref: f"{home}/{ref}"),
        "searchset, :443 fullUrls, references without": bundle("searchset", lambda r: f"{port}/{local(r)}",
                                                               lambda ref: f"{home}/{ref}"),
        "collection, trailing slash and upper-case host": bundle("collection", lambda r: f"{upper}/{local(r)}",
                                                                 lambda ref: f"{home}/{ref}/"),
        "transaction, _history references": bundle("transaction", lambda r: f"{home}/{local(r)}",
                                                   lambda ref: f"{ref}/_history/3", request=True),
        "transaction, urn:uuid": bundle("transaction", lambda r: uuids[local(r)],
                                        lambda ref: uuids.get(ref, ref), request=True),
    }


def identities(resources):
    """(type, id, identifier) of each assessment resource, and the ids each Provenance targets."""
    found = sorted((r["resourceType"], r["id"], r["identifier"][0]["value"]) for r in resources
                   if r["resourceType"] in ASSESSED and r.get("identifier"))
    targets = sorted(target["reference"].rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                     for r in resources if r["resourceType"] == "Provenance" for target in r["target"])
    return found, targets


def by_patient(resources):
    """Assessment identifiers per patient: "Patient/id" for the record's own server, the absolute reference for
    another server's patient."""
    per: dict[str, set[str]] = {}
    for r in resources:
        if r["resourceType"] in ASSESSED and r.get("identifier"):
            subject = r["subject"]["reference"]
            own = _LOCAL.search(subject)[1] if not subject.startswith("http") or _plain(subject).startswith(
                _plain(HOME)) else subject
            per.setdefault(own, set()).add(r["identifier"][0]["value"])
    return per


def record_at_today(name):
    path, as_of = RECORDS[name]
    return to_today(json.loads(path.read_text("utf-8")), as_of)


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_every_door_and_every_envelope_give_one_assessment(client, name, tmp_path, capsys):
    home, resources = meaning(record_at_today(name))
    today = date.today().isoformat()
    answers = {}
    for envelope, bundle in envelopes(home, resources).items():
        response = client.post(f"/fhir/$assess?asOf={today}", json=bundle)
        if response.status_code != 200:  # a record the Bundle doors refuse (the corpus has one) is refused by all
            assert response.status_code == 400, (envelope, response.get_json())
            answers[f"$assess, {envelope}"] = None
            continue
        answers[f"$assess, {envelope}"] = [e["resource"] for e in response.get_json()["entry"]]
        path = tmp_path / "record.json"
        path.write_text(json.dumps(bundle), "utf-8")
        assert main(["assess", "--as-of", today, str(path)]) == 0, envelope
        answers[f"bonemet assess, {envelope}"] = [e["resource"] for e in json.loads(capsys.readouterr().out)["entry"]]
    refused = {door for door, answer in answers.items() if answer is None}
    if refused:
        assert len(refused) == len(answers), refused
        return
    found = {door: identities(answer) for door, answer in answers.items()}
    first = found["$assess, collection, no fullUrl"]
    assert first[1] == sorted(i for _, i, _ in first[0])  # Provenance targets the assessment, no other
    for door, identity in found.items():
        assert identity == first, door
    baseline = by_patient(answers["$assess, collection, no fullUrl"])
    baseline_advice = by_patient([r for r in answers["$assess, collection, no fullUrl"] if is_advice_resource(r)])

    for spelling in ("relative", "_history", "trailing slash"):  # NDJSON has no fullUrl: references only
        source, target = tmp_path / f"in-{spelling}", tmp_path / f"out-{spelling}"
        source.mkdir()
        change = {"relative": lambda ref: ref, "_history": lambda ref: f"{ref}/_history/1",
                  "trailing slash": lambda ref: f"{ref}/"}[spelling]
        for kind in sorted({r["resourceType"] for _, r in resources}):
            lines = [json.dumps(_rewrite(r, lambda ref, change=change: change(ref) if _RELATIVE.match(ref) else ref),
                                ensure_ascii=False)  # as exports write: an escape would make every line parsed
                     for base, r in resources if r["resourceType"] == kind and base is None]
            (source / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", "utf-8")
        # 3: a line no patient can be told from (a subject by identifier only) is named and left out.
        assert main(["bulk", str(source), str(target), "--workers", "1", "--as-of", today]) in (0, 3)
        capsys.readouterr()
        written = [json.loads(line) for kind in ASSESSED if (target / f"{kind}.ndjson").exists()
                   for line in (target / f"{kind}.ndjson").read_text("utf-8").splitlines() if line.strip()]
        # Bulk also assesses as a patient of its own a resource naming another server's patient, which a Bundle
        # door names "not read" (no Patient entry of that server): the patients both assess must agree.
        assert {p: ids for p, ids in by_patient(written).items() if p in baseline} == baseline, spelling

    for patient in [r["id"] for base, r in resources if r["resourceType"] == "Patient" and base is None]:
        wanted = baseline.get(f"Patient/{patient}", set())
        for server, reference in ((None, lambda ref: ref), (HOME + "/", lambda ref: f"{HOME}/{ref}"),
                                  (HOME.replace(".fr/", ".fr:443/"), lambda ref: f"{ref}/_history/2")):
            shown = patient_view(client, resources, patient, server, reference)
            assert shown <= wanted, (server, shown - wanted)
            # a score's three resources together, or none (category undetermined); §1.1's CarePlan beside them
            assert len(patient_view(client, resources, patient, server, reference, scores_only=True)) % 3 == 0
            advised = advice_view(client, resources, patient, server, reference)
            assert advised <= baseline_advice.get(f"Patient/{patient}", set()), (server, advised)


def advice_view(client, resources, patient, server, reference):
    """The identifiers of the CarePlans patient-view's advice cards propose (§1.1, §1.4, §1.5)."""
    return {action["resource"]["identifier"][0]["value"] for card in advice_cards(_cards(
        client, resources, patient, server, reference)) for suggestion in card.get("suggestions", [])
        for action in suggestion["actions"]}


def _cards(client, resources, patient, server, reference):
    """patient-view's cards, the prefetch spelled by ``reference``."""
    def searchset(kind):
        return {"resourceType": "Bundle", "type": "searchset", "entry": [
            {"resource": _rewrite(r, lambda ref: reference(ref) if _RELATIVE.match(ref) else ref)}
            for base, r in resources if r["resourceType"] == kind and base is None]}

    (own,) = [r for base, r in resources if r["resourceType"] == "Patient" and r["id"] == patient and base is None]
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/dr-lefevre", "patientId": patient},
            "prefetch": {"patient": own, "conditions": searchset("Condition"),
                         "observations": searchset("Observation")}}
    if server:
        body["fhirServer"] = server
    response = client.post("/cds-services/bonemet-patient-view", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["cards"]


def patient_view(client, resources, patient, server, reference, scores_only=False):
    """The identifiers patient-view's score suggestions carry, the prefetch spelled by ``reference`` (with
    ``scores_only``, without the §1.1 CarePlan a Mirels card's suggestion records beside its score's)."""
    return {action["resource"]["identifier"][0]["value"] for card in without_advice(_cards(
        client, resources, patient, server, reference)) for suggestion in card.get("suggestions", [])
        for action in suggestion["actions"]
        if not (scores_only and "bonemet-guideline-careplan" in str(action["resource"].get("meta")))}
