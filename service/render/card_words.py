"""The words of the cards that are not clinical content (which comes from seeds/): one table, read by the score,
advice and order cards; French in the catalogue (i18n)."""

from ..i18n import N_, Words

# Interface words (not clinical content, which comes from seeds/); French in the catalogue (i18n).
WORDS = Words({
    "item": N_("Item"), "value": N_("Value"), "points": N_("Points"), "recorded": N_("Recorded"), "total": N_("Total"),
    "missing": N_("missing"), "missing_title": N_("category undetermined, missing"),
    "uncertain_title": N_("category undetermined, uncertain"),
    "range": N_("Possible totals"), "undetermined": N_("category undetermined until the missing items are known"),
    "determined": N_("every completion gives"), "caveats": N_("Caveats"), "source": N_("Source"),
    "record": N_("Record the assessment and the proposed care plan"), "flags": N_("Flags"),
    "record_score": N_("Record the assessment"),
    "uncertain": N_("uncertain"), "conflicting": N_("conflicting data"),
    "conflict_settled": N_("records differ over time, the latest used"), "context": N_("Context, not scored"),
    "preliminary": N_("a preliminary result counted"),
    "settled_preliminary": N_("records differ over time, the latest, preliminary, used"),
    "check_first": N_("Check first"), "fracture_to_check": N_("fracture recorded, check it first"),
    "fixation_to_check": N_("fixation recorded, check it first"),
    "operation_recorded": N_("operation recorded, check it first"),
    "refuted_to_check": N_("refuted in another record, check it first"),
    "operation_to_check": N_("operation since, check it first"),
    "status_since": N_("motor status may be worse since radiotherapy, check it first"),
    "not_done": N_("fixation recorded as not done, check it first"),
    "sites_to_check": N_("several sites, check the side first"),
    "same_bone_first": N_("another lesion here, weigh both"),
    "operation_before": N_("spinal operation recorded, check it first"),
    "status_to_check": N_("status to check"),
    "radiotherapy_recorded": N_("radiotherapy recorded"),
    "irradiated_before": N_("site already irradiated, check it first"),
    "every_category": N_("every possible category gives"),  # the action that follows may be what was given
    "sent_in_part": N_("the EHR sent only part of the patient's diagnoses or observations: a record it did not send "
                       "may change this score"),
    "operations_in_part": N_("the EHR sent only part of the patient's operations: if this bone has already been "
                             "fixed, Mirels no longer applies."),
    "operations_unread": N_("the EHR did not send the patient's operations: if this bone has already been fixed, "
                            "Mirels no longer applies."),
    "review_attention": N_("Data not used that could change a score"),
    "review_intro": N_("These records look relevant but were not used; each could change a score or a decision:"),
    "as_of": N_("Assessed as of"), "more": N_("more"), "oldest": N_("{fact} of {date}"),
    "deceased": N_("The record says this patient has died: no score or advice is given"),
    "deceased_on": N_("The record says this patient died on {date}: no score or advice is given"),
    "deceased_detail": N_("No score, advice or order check is given for a patient recorded as deceased. If the record "
                          "is wrong, correct the date of death in it: the cards come back at the next view."),
    "oldest_short": N_("data of {date}"), "rests_on": N_("The score rests on"), "missing_count": N_("{count} items"),
    "undated": N_("records undated"),
    "broken_summary": N_("{where}: the bone has broken ({fracture}{date}): Mirels no longer applies, "
                         "no prophylactic fixation"),
    "broken_fixed_summary": N_("{where}: the bone has broken ({fracture}{date}) after its fixation: Mirels no longer "
                               "applies"),
    "broken_fixed": N_("A fixation of it is recorded before the fracture: {fixation}. The bone broke with its "
                       "implant; the sources are silent on what to do then."),
    "fracture": N_("fracture"), "pathological_fracture": N_("pathological fracture"),
    "broken_detail": N_("A fracture of the same bone and side is recorded: {fracture}. The lesion "
                        "({lesion}) is not scored: Mirels scores the risk of a fracture to come, and once the bone "
                        "has broken prophylactic fixation is no longer the question. The sources (the guideline, "
                        "Tableau 3) are silent on the treatment of the fracture itself."),
    "not_recorded": N_("no record of it was found"),
    "several_values": N_("what the record gives allows more than one row: {value}"),
    # What each resource of a suggestion is, as the clinician accepting it reads it.
    "create_Observation": N_("Record the score ({title})"),
    "create_RiskAssessment": N_("Record the risk assessment ({title})"),
    "create_CarePlan": N_("Record the proposed care plan ({title})"),
    "colon": N_(":"),  # French typography: a space before the colon
})
# The items as a summary names the record a score rests on ("motor status of 2026-11-05").
SHORT_ITEMS = Words({
    "pain": N_("pain"), "lesion_size": N_("lesion size"), "lesion_type": N_("lesion type"),
    "motor_function": N_("motor status"), "visceral_metastases": N_("visceral status"),
    "days_developing_motor_deficits": N_("deficit duration"), "lesion_site": N_("site"),
    "primary_tumour": N_("primary"), "months_to_cord_compression": N_("interval"),
    "spinal_location": N_("level"), "mechanical_pain": N_("mechanical pain"), "bone_lesion": N_("bone lesion"),
    "spinal_alignment": N_("alignment"), "vertebral_body_collapse": N_("collapse"),
    "posterolateral_involvement": N_("posterolateral involvement"),
})
