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
import re
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

import markdown
import msgspec
from flask import Blueprint, Response, abort, current_app, request
from flask import render_template as _render_template

from ..calculators import NAMES, load_table
from ..calculators.registry import calculator as registered_calculator
from ..calculators.registry import tables
from ..calculators.scoring import InvalidInput
from ..data import data_dir
from ..fhir import json_read
from ..fhir.patients import patient_banner
from ..i18n import said, translate, typeset_html
from ..limits import LimitExceeded
from ..pipeline import PatientAssessment, assess_bundle, assess_patient
from ..render.cards import cards_for_patient
from ..render.fhir_resources import recommendation
from ..render.questionnaires import extracted_observations, questionnaire_response, questionnaire_url
from ..render.scales import scale_svg
from ..render.unrecorded import nothing_recorded
from ..render.words import item_label, item_value
from .page_words import WORDS
from .screen_policy import page_locale, secure
from .sessions import (
    AssessmentKeeper,
    KeeperUnavailable,
    KeptAssessment,
    LinkExpired,
    LinkInvalid,
)

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")
blueprint.after_request(secure)  # the screens' headers (screen_policy)
# The templates say the mapper's messages in the page's language, and values in words.
blueprint.add_app_template_filter(translate, "said")
blueprint.add_app_template_global(item_value, "item_value")

def render_template(template: str, **context: Any) -> str:
    """A page in its language's typography (French: no-break spaces, days as JJ/MM/AAAA): set once, here,
    on the rendered text, so that every template, word and message is covered and no FHIR string is touched."""
    return typeset_html(_render_template(template, **context), context.get("locale", "en"))


# A list right under a line of text: CommonMark (what EHRs render cards with) starts the list there,
# Python-Markdown would run it into the paragraph; a blank line between them makes both read it alike.
_LIST_AFTER_TEXT = re.compile(r"^(?!\s*(?:[-*+] |\d+\. |\|))(\S.*)\n(?=[-*+] |\d+\. )", re.MULTILINE)


def _markdown(text: str) -> str:
    """A card's markdown as HTML, as an EHR shows it; the text is escaped first, so data from a record cannot
    inject markup (no raw HTML passes)."""
    return markdown.markdown(_LIST_AFTER_TEXT.sub("\\1\n\n", escape(text, quote=False)), extensions=["tables"])


# -- the assessment page -------------------------------------------------------------------------


class PageScore(msgspec.Struct):
    """One score as the page shows it."""

    key: str  # the Condition reference, as the form names it
    calculator: str
    assessment: Any
    svg: str
    recommendation: str | None = None  # the category's, after what an operation of the Condition makes of it


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
    for index, assessment in enumerate(result.assessments, 1):
        score = assessment.score
        low, high = score.total_min, score.total_max
        scores.append(PageScore(assessment.facts.condition, score.calculator, assessment,
                                scale_svg(score.calculator, low, high, locale, str(index)),
                                recommendation(score, assessment.facts)))
    return scores


@blueprint.route("/assessment/<token>", methods=["GET", "POST"])
def assessment_page(token: str):
    """The page a card links to: each score, its items and sources, the range, and a form for the
    missing or uncertain items. POSTing the form (or, with the script, each change) recomputes."""
    kept = _open(token)
    locale = page_locale(kept.locale)
    when = current_app.config["BONEMET"].now()
    answers = _answers(kept, locale, when) if request.method == "POST" else {}
    result, _ = _assess(kept, answers, locale, when)
    given = {condition: items for condition, (_, items) in answers.items()}
    context = {"words": WORDS[locale], "locale": locale, "scores": _page_scores(result, locale), "answers": given,
               "token": token, "banner": patient_banner(kept.resources, kept.patient_id),
               "rows": _rows(locale), "as_of": kept.as_of, "not_used": result.facts.not_used,
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
    when = current_app.config["BONEMET"].now()
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


@blueprint.route("/calculators/<name>", methods=["GET", "POST"])
def calculator_page(name: str):
    """A calculator to score by hand, as on a desk reference, with no card and no record: the items chosen are
    scored by the service's own calculator, an item not chosen is missing (the range of totals, a category
    only when every completion agrees), with the same caveats and scale as every card. The page is a link
    anyone can keep (``/calculators/mirels?lang=fr``); POSTing the form (or, with the script, each change)
    recomputes, as on the assessment page."""
    if name not in NAMES:
        abort(404, f"no calculator {name!r}")
    locale = page_locale()
    table = load_table(name)
    chosen: dict[str, str] = {}
    for item in table.items:
        row = request.values.get(f"item|{item.name}", "")
        if row:
            if item.row(row) is None:
                abort(400, f"{row[:40]!r} is not a row of the item {item.name!r} of {name}; "
                           f"rows: {', '.join(r.value for r in item.rows)}")
            chosen[item.name] = row
    unknown = [field for field in request.values if field.startswith("item|")
               and field.split("|", 1)[1] not in {item.name for item in table.items}]
    if unknown:
        abort(400, f"{unknown[0][:80]!r} names no item of {name}; items: {', '.join(i.name for i in table.items)}")
    used = registered_calculator(name)
    # Inputs that are not items of the table but drive a caveat (Mirels: the cortical osteolysis percentages).
    figures = {name: request.values.get(f"figure|{name}", "").strip() for name in used.inputs.__struct_fields__
               if name not in {item.name for item in table.items}}
    numbers: dict[str, float] = {}
    for figure, given in figures.items():
        if given:
            try:
                numbers[figure] = float(given.replace(",", "."))
            except ValueError:
                abort(400, f"{figure} must be a number, not {given[:40]!r}")
    try:
        score = used.score(used.inputs(**chosen, **numbers), locale)
    except InvalidInput as error:  # a percentage out of 0-100
        abort(400, str(error))
    context = {"words": WORDS[locale], "locale": locale, "table": table, "score": score, "chosen": chosen,
               "rows": _rows(locale), "calculators": NAMES, "figures": figures,
               "figure_labels": {figure: item_label(score, figure, locale) for figure in figures},
               "svg": scale_svg(name, score.total_min, score.total_max, locale, "calculated")}
    if request.headers.get("X-Bonemet-Partial") == "scores":
        return render_template("_calculated.html", **context)
    return render_template("calculator.html", **context)


@blueprint.get("/calculators")
def calculators_index():
    """Every calculator the service runs, each with its page to score by hand."""
    locale = page_locale()
    return render_template("calculators.html", words=WORDS[locale], locale=locale,
                           tables=[load_table(name) for name in NAMES])


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
        try:  # the doors' one reader (its nesting limit too), and words a tester can act on
            bundle = json_read.loads(source)
        except (json.JSONDecodeError, json_read.TooDeep) as error:
            raise ValueError(translate(said("not a JSON document ({error}): paste or upload a FHIR Bundle",
                                            error=str(error)[:200]), locale)) from None
        assessed = assess_bundle(bundle, when=current_app.config["BONEMET"].now(), locale=locale, as_of=as_of,
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
        # Each score's scale sits beside its own card, labelled with its lesion: several lesions, several scales.
        scales = {id(s.assessment): s for s in _page_scores(patient, locale)}
        cards = []
        for assessment, card in cards_for_patient(patient.assessments, patient.facts, locale, patient.advice):
            shown: dict[str, Any] = {**card, "detail_html": _markdown(card.get("detail", ""))}
            scale = scales.pop(id(assessment), None) if assessment is not None and not nothing_recorded(
                assessment) else None  # a card of the lesions with nothing recorded says each range in words
            if scale is not None:
                shown["scale"] = {"svg": scale.svg, "where": assessment.facts.where(locale),
                                  "title": assessment.score.title}
            cards.append(shown)
        risks = [a.risk_assessment for a in patient.assessments]
        patients.append({"subject": patient.subject, "cards": cards, "risks": risks, "report": patient.facts.report})
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

