"""Every word of the screens (clinical content comes from seeds/): English here, French in the
catalogue (``service/locale``, see ``i18n``)."""

from ..i18n import N_, Words

_WORDS = Words({
    "assessment_title": N_("bonemet-cds: assessment"), "tester_title": N_("bonemet-cds: try a Bundle"),
    "item": N_("Item"), "value": N_("Value"), "points": N_("Points"), "source": N_("From"), "missing": N_("missing"),
    "uncertain": N_("uncertain"), "answered": N_("answered"), "total": N_("Total"), "range": N_("Possible totals"),
    "category": N_("Category"), "undetermined": N_("Category undetermined until the missing items are known"),
    "complete": N_("Complete the missing or uncertain items"), "choose": N_("— not answered —"),
    "possible": N_("possible from the record"), "recompute": N_("Recompute"),
    "download": N_("Download the resources to store (FHIR transaction Bundle)"), "as_of": N_("Assessed as of"),
    "expired_title": N_("This link can no longer be used"),
    "expired_hint": N_("Open the assessment again from the patient's record in the EHR."),
    "smart_error_title": N_("The assessment cannot be opened from the EHR"),
    "nothing": N_("No long-bone lesion or spinal cord compression to score."),
    "not_used": N_("Data not used by the scores"), "caveats": N_("Caveats"), "conflict": N_("conflicting data"),
    "paste": N_("Paste a FHIR R4 Bundle"), "upload": N_("or upload a file"), "example": N_("or pick an example"),
    "none": N_("(none)"), "language": N_("Language"), "run": N_("Assess"),
    "answer_download": N_("Download the answer Bundle"), "cards": N_("Cards, as an EHR would show them"),
    "risks": N_("RiskAssessments"), "report": N_("Mapping report"), "resource": N_("Resource"),
    "outcome": N_("Used or not"), "why": N_("Why"), "suggestions": N_("Suggestions"), "indicator": N_("Indicator"),
    "patient": N_("Patient"), "error": N_("The input cannot be assessed"),
    "disabled": N_("This deployment authenticates its callers (trusted issuers are set): the tester's page does "
                   "not assess here; use $assess with a token."),
    "tester_intro": N_("Paste, upload or pick a FHIR R4 Bundle: the service scores each lesion and shows the cards "
                       "an EHR would show, with the resources it would store."),
    "api_docs": N_("The API and its examples"), "scale_of": N_("Scale"),
    "rationale": N_("Rationale"), "risk": N_("Risk"), "status": N_("Status"),
    "answer_bundle": N_("The answer Bundle"), "skip": N_("Skip to the scores"), "used": N_("used"),
    "ignored": N_("not used"), "context": N_("context"), "info": N_("information"), "warning": N_("warning"),
    "critical": N_("critical"), "save": N_("Save to the patient's record"),
    "saved_title": N_("Saved to the patient's record"), "not_saved_title": N_("Not saved to the patient's record"),
    "back": N_("Back to the assessment"), "guideline": N_("Guideline"), "categories": N_("Categories"),
    "recommendation": N_("Recommendation"), "primary_source": N_("Primary source of the table"),
    "publisher_unknown": N_("Its publisher and year are not stated in the source documents."),
    "beyond_guideline": N_("This table is not in the guideline the service follows: it is given as its article "
                           "published it."),
    "banner": N_("Patient"), "banner_name": N_("Name"), "banner_birth": N_("Birth date"),
    "banner_id": N_("Identifier in the record"), "not_recorded": N_("not recorded"),
    "calculators_title": N_("Calculators"), "calculator_items": N_("Items"), "result": N_("Result"),
    "calculator_intro": N_("Score a lesion by hand: choose each item. An item not chosen is missing: the page gives "
                           "the range of possible totals, and a category only when every completion gives the same."),
    "calculator_table": N_("The table, its categories and its sources"),
    "calculator_link": N_("Score by hand with this table"), "source_of_table": N_("Source"),
    "risk_low": N_("low"), "risk_moderate": N_("moderate"), "risk_high": N_("high"),
    "status_final": N_("final"), "status_preliminary": N_("preliminary"),
})
# Each language names itself, and the page offers the other one.
_LANGUAGES = {"en": {"lang_name": "English", "other_lang": "fr", "other_lang_name": "Français"},
              "fr": {"lang_name": "Français", "other_lang": "en", "other_lang_name": "English"}}


class _PageWords:
    def __getitem__(self, locale: str) -> dict[str, str]:
        return _WORDS[locale] | _LANGUAGES[locale]


WORDS = _PageWords()
