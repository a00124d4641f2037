"""The screens: the assessment page a card links to, the tester's page at ``/``, the scales as SVG.

Server-rendered HTML (Jinja, Flask's templates) with one small script that re-asks the server when an
answer changes; no build step, no CDN, every asset served from ``static/``, a Content Security Policy
that allows nothing else. Every text exists in English and French (``page_words``).

The assessment page computes with the same pipeline as every other door: the kept resources plus a
QuestionnaireResponse made of the answers, so what it shows is what ``$assess`` gives for the same
resources and response.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path
from typing import Any

import markdown
from flask import Blueprint, Response, abort, current_app, render_template, request

from ..calculators import NAMES, load_table
from ..calculators.registry import tables
from ..data import data_dir
from ..i18n import negotiate, translate
from ..limits import LimitExceeded
from ..pipeline import PatientAssessment, assess_bundle, assess_patient
from ..render.cards import cards_for_patient
from ..render.questionnaires import extracted_observations, questionnaire_response, questionnaire_url
from ..render.scales import scale_svg
from ..render.words import item_value
from .page_words import WORDS
from .sessions import (
    AssessmentKeeper,
    KeeperUnavailable,
    KeptAssessment,
    LinkExpired,
    LinkInvalid,
)

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")
# The templates say the mapper's messages in the page's language, and values in words.
blueprint.add_app_template_filter(translate, "said")
blueprint.add_app_template_global(item_value, "item_value")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors ")
# What a cache may keep: the pages of no patient (the guideline's tables, the scales, the assets).
CACHEABLE = frozenset({"pages.static", "pages.guideline", "pages.scale", "pages.tester_page"})


def content_security_policy() -> str:
    """The pages' policy: only this service's own assets; shown in a frame only by the origins of
    ``BONEMET_FRAME_ANCESTORS`` (none by default)."""
    origins = current_app.config["BONEMET"].frame_origins
    return CSP + (" ".join(origins) if origins else "'none'")


def secure_page(response: Response) -> Response:
    if response.mimetype in ("text/html", "image/svg+xml"):
        response.headers["Content-Security-Policy"] = content_security_policy()
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"  # the link's token never leaves in a Referer
        if not current_app.config["BONEMET"].frame_origins:
            response.headers["X-Frame-Options"] = "DENY"  # the same, for browsers that ignore frame-ancestors
    return response


@blueprint.after_request
def secure(response: Response) -> Response:
    if request.endpoint not in CACHEABLE:
        response.headers["Cache-Control"] = "no-store"  # a patient's data: in no cache, no back-button copy
    return secure_page(response)


def page_locale(kept: str | None = None) -> str:
    """A screen's language (``i18n.negotiate``): the ``lang`` asked, else a kept assessment's (an unknown one
    is passed over, never a 500), else the browser's."""
    return negotiate(request.values.get("lang"), kept, accept=request.accept_languages)


def _markdown(text: str) -> str:
    """A card's markdown as HTML; the text is escaped first, so data from a record cannot inject markup."""
    return markdown.markdown(escape(text, quote=False), extensions=["tables"])


# -- the assessment page -------------------------------------------------------------------------


@dataclass
class PageScore:
    """One score as the page shows it."""

    key: str  # the Condition reference, as the form names it
    calculator: str
    assessment: Any
    svg: str


def _keeper() -> AssessmentKeeper:
    return current_app.extensions["bonemet_assessments"]


def _expired(error: Exception, status: int) -> Response:
    locale = page_locale()
    return Response(render_template("expired.html", words=WORDS[locale], reason=translate(error.args[0], locale),
                                    locale=locale), status=status)


def _open(token: str) -> KeptAssessment:
    try:
        return _keeper().open(token)
    except LinkExpired as error:
        abort(_expired(error, 410))
    except LinkInvalid as error:
        abort(_expired(error, 403))
    except KeeperUnavailable as error:
        abort(_expired(error, 503))


Answers = dict[str, tuple[str, dict[str, str]]]  # Condition -> (its calculator, item -> row)


def _assess(kept: KeptAssessment, answers: Answers, locale: str,
            when: datetime) -> tuple[PatientAssessment, list[dict[str, Any]]]:
    """The kept resources and the answers -> the assessment, and the responses made of the answers."""
    settings = current_app.config["BONEMET"]
    as_of = date.fromisoformat(kept.as_of)
    patient = f"Patient/{kept.patient_id}"
    responses = [questionnaire_response(calculator, condition, patient, items, kept.user,
                                        when.isoformat(timespec="seconds"), locale)
                 for condition, (calculator, items) in answers.items() if items]
    result = assess_patient(kept.resources + responses, patient, when=when, locale=locale,
                            pain_score_bands=settings.pain_bands, fact_windows=settings.windows, as_of=as_of,
                            max_scored=settings.max_scored_per_patient)
    return result, responses


def _calculators(kept: KeptAssessment, locale: str, when: datetime) -> dict[str, str]:
    result = assess_patient(kept.resources, f"Patient/{kept.patient_id}", when=when, locale=locale,
                            as_of=date.fromisoformat(kept.as_of))
    return {a.facts.condition: a.score.calculator for a in result.assessments}


def _answers(kept: KeptAssessment, locale: str, when: datetime) -> Answers:
    """The form's answers (``answer|<Condition>|<item>`` = row), each checked against the tables; a
    field that names no scored Condition, item or row is a 400."""
    given = [(field, row) for field, row in request.form.items() if field.startswith("answer|") and row]
    calculators = _calculators(kept, locale, when) if given else {}  # which Conditions are scored, by what
    answers: Answers = {}
    for field, row in given:
        try:
            _, condition, item = field.split("|")
            table = load_table(calculators[condition])
            if table.item(item).row(row) is None:
                raise KeyError(row)
        except (ValueError, KeyError, StopIteration):
            abort(400, f"the answer {field[:80]!r} = {row[:40]!r} names no item or row of this assessment")
        answers.setdefault(condition, (calculators[condition], {}))[1][item] = row
    return answers


def _page_scores(result: PatientAssessment, locale: str) -> list[PageScore]:
    scores = []
    for assessment in result.assessments:
        score = assessment.score
        low, high = score.total_min, score.total_max
        scores.append(PageScore(assessment.facts.condition, score.calculator, assessment,
                                scale_svg(score.calculator, low, high, locale)))
    return scores


@blueprint.route("/assessment/<token>", methods=["GET", "POST"])
def assessment_page(token: str):
    """The page a card links to: each score, its items and sources, the range, and a form for the
    missing or uncertain items. POSTing the form (or, with the script, each change) recomputes."""
    kept = _open(token)
    locale = page_locale(kept.locale)
    when = datetime.now(UTC)
    answers = _answers(kept, locale, when) if request.method == "POST" else {}
    result, _ = _assess(kept, answers, locale, when)
    given = {condition: items for condition, (_, items) in answers.items()}
    context = {"words": WORDS[locale], "locale": locale, "scores": _page_scores(result, locale), "answers": given,
               "token": token, "rows": _rows(locale), "as_of": kept.as_of, "not_used": result.facts.not_used,
               "smart": bool(kept.fhir_base)}
    if request.headers.get("X-Bonemet-Partial") == "scores":
        return render_template("_scores.html", **context)
    return render_template("assessment.html", **context)


def _to_store(kept: KeptAssessment) -> dict[str, Any]:
    """What the page produces, ready to store: a transaction Bundle that PUTs the QuestionnaireResponses, the
    Observations extracted from them, the score Observations, RiskAssessments and CarePlans (their ids are stable:
    storing twice changes nothing). The guideline's advice is stored when it applies; a "possible" one stays a card
    until what it misses is known."""
    locale = page_locale(kept.locale)
    when = datetime.now(UTC)
    answers = _answers(kept, locale, when)
    result, responses = _assess(kept, answers, locale, when)
    # Each answer also as the Observation that records its item (SDC observation-based extraction, through the
    # package's ConceptMap): the EHR keeps it as a record, read as any other by the next assessment.
    calculators = {questionnaire_url(calculator): calculator for calculator, _ in answers.values()}
    extracted = [o for r in responses for o in extracted_observations(r, calculators[r["questionnaire"].split("|")[0]])]
    produced = [r for assessment in result.assessments for r in assessment.resources]
    produced += [r for advised in result.advice if not advised.advice.possible for r in advised.resources]
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
               for r in responses + extracted + produced]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


@blueprint.post("/assessment/<token>/resources")
def assessment_resources(token: str):
    bundle = _to_store(_open(token))
    return Response(json.dumps(bundle, ensure_ascii=False, indent=2), mimetype="application/fhir+json",
                    headers={"Content-Disposition": 'attachment; filename="bonemet-assessment.json"'})


@blueprint.post("/assessment/<token>/save")
def assessment_save(token: str):
    """Opened by a SMART launch: write the answers and results back to the EHR, in one transaction."""
    from ..fhir.client import FetchError
    from .smart import write_back

    kept = _open(token)
    locale = page_locale(kept.locale)
    if not kept.fhir_base:
        abort(400, "this assessment was not opened from the EHR by a SMART launch: download the resources instead")
    bundle = _to_store(kept)
    try:
        answer = write_back(kept, bundle)
        error = None
    except FetchError as failure:
        answer, error = {}, str(failure)
    answered = answer.get("entry") or [{}] * len(bundle["entry"])
    stored = [(entry["resource"]["resourceType"], (response.get("response") or {}).get("status", "?"))
              for entry, response in zip(bundle["entry"], answered, strict=False)]
    return render_template("saved.html", words=WORDS[locale], locale=locale, stored=stored, error=error,
                           token=token), (502 if error else 200)


def _rows(locale: str) -> dict[str, list[tuple[str, str, int]]]:
    """Item -> its rows (value, label, points), for the form's choices."""
    return {item.name: [(row.value, row.label(locale), row.points) for row in item.rows]
            for table in tables() for item in table.items}


@blueprint.get("/guideline/<calculator>")
def guideline(calculator: str):
    """The table a score comes from, with its categories, caveats and citation: where a card's ``source.url``
    leads (no patient data)."""
    if calculator not in NAMES:
        abort(404, f"no calculator {calculator!r}")
    locale = page_locale()
    table = load_table(calculator)
    caveats = [entry["text"].get(locale) or entry["text"]["en"] for entry in table.caveats.values()]
    return render_template("guideline.html", words=WORDS[locale], locale=locale, table=table, caveats=caveats)


@blueprint.get("/scale/<calculator>.svg")
def scale(calculator: str):
    """A scale with a total or range marked: no patient data, only numbers (linked from cards)."""
    if calculator not in NAMES:
        abort(404, f"no scale {calculator!r}")
    try:
        low = int(request.args["low"]) if "low" in request.args else None
        high = int(request.args["high"]) if "high" in request.args else low
    except ValueError:
        abort(400, "low and high must be whole numbers")
    return Response(scale_svg(calculator, low, high, page_locale()), mimetype="image/svg+xml")


# -- the tester's page ---------------------------------------------------------------------------


def _examples() -> dict[str, Path]:
    try:
        folder = data_dir("examples") / "bundles"
    except FileNotFoundError:
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.json"))}


@blueprint.get("/")
def tester_page():
    locale = page_locale()
    return render_template("tester.html", words=WORDS[locale], locale=locale, examples=list(_examples()),
                           disabled=_tester_disabled(), result=None, error=None, source="")


def _tester_disabled() -> bool:
    """With trusted issuers the service serves EHRs that authenticate: the page would be an
    unauthenticated door to the same computation, so it only shows what it is."""
    return bool(current_app.config["BONEMET"].issuers)


@blueprint.post("/")
def tester_run():
    locale = page_locale()
    words = WORDS[locale]
    page = {"words": words, "locale": locale, "examples": list(_examples()), "disabled": _tester_disabled()}
    if page["disabled"]:
        return render_template("tester.html", **page, result=None, error=words["disabled"], source=""), 403
    source = ""
    try:
        source, as_of = _tester_source()
        bundle = json.loads(source)
        assessed = assess_bundle(bundle, when=datetime.now(UTC), locale=locale, as_of=as_of,
                                 pain_score_bands=current_app.config["BONEMET"].pain_bands,
                                 fact_windows=current_app.config["BONEMET"].windows,
                                 limits=current_app.config["BONEMET"])
    except ValueError as error:  # not JSON, InvalidFhir, InvalidResource
        problems = getattr(error, "problems", None)
        message = "; ".join(f"{p.expression}: {p.message}" for p in problems) if problems else str(error)[:500]
        return render_template("tester.html", **page, result=None, error=message, source=source), 400
    except LimitExceeded as error:
        return render_template("tester.html", **page, result=None, error=str(error), source=source), error.status
    if request.form.get("download"):
        return Response(json.dumps(assessed.bundle, ensure_ascii=False, indent=2), mimetype="application/fhir+json",
                        headers={"Content-Disposition": 'attachment; filename="bonemet-answer.json"'})
    patients = []
    for patient in assessed.patients:
        cards = [card for _, card in cards_for_patient(patient.assessments, patient.facts, locale, patient.advice)]
        for card in cards:
            card["detail_html"] = _markdown(card.get("detail", ""))
        risks = [a.risk_assessment for a in patient.assessments]
        patients.append({"subject": patient.subject, "cards": cards, "risks": risks, "report": patient.facts.report,
                         "scores": _page_scores(patient, locale)})
    return render_template("tester.html", **page, result=patients, error=None, source=source,
                           answer=json.dumps(assessed.bundle, ensure_ascii=False, indent=2))


def _tester_source() -> tuple[str, date | None]:
    """The Bundle to assess, and the day to assess it as of: an example's records are dated, and it is assessed
    as of the day its documented result holds (examples/expected), as the page's cards say; else today."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.read().decode("utf-8", errors="replace"), None
    example = request.form.get("example")
    if example:
        path = _examples().get(example)
        if path is None:
            raise ValueError(f"no example named {example[:60]!r}")  # said on the page, as a 400
        documented = path.parent.parent / "expected" / path.name
        as_of = json.loads(documented.read_text("utf-8")).get("as_of") if documented.is_file() else None
        return path.read_text("utf-8"), date.fromisoformat(as_of) if as_of else None
    return request.form.get("bundle", ""), None

