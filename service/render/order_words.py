"""The words of the order-sign cards (``order_cards``), in English, each marked for the catalogue."""

from __future__ import annotations

from ..i18n import N_, Words

ORDER_WORDS = Words({
    "orders": N_("Draft orders concerned"), "possible": N_("Possible"),
    "possible_detail": N_("The category is not determined: this advice applies if the missing or uncertain items "
                          "give"),
    "guideline": N_("Guideline"),
    "order": N_("Order"), "scheme": N_("Scheme ordered"), "for": N_("For"),
    "not_active": N_("recorded as no longer active: check what the order is for"),
    "never_counts": N_("recorded as refuted or entered in error: check what the order is for"),
    "withdraw": N_("Withdraw the draft order ({order})"),
    "request": N_("Request: {what}"),
    "irradiated": N_("Already irradiated: this order would irradiate it again (the guideline gives re-irradiation "
                     "rates, no rule for irradiating again)"),
    "irradiated_summary": N_("Radiotherapy ordered for a site already irradiated"),
    "irradiated_first": N_("Site already irradiated"),
    "if_for_it": N_("if the order is for it"), "if_fixation_for_it": N_("if the fixation is for it"),
    "in_its_volume": N_("its bone irradiated by the order"),
    "other_patient": N_("Draft orders not known to be this patient's ({count}): check the patient before signing"),
    "other_patient_detail": N_("These draft orders name another patient than the one in the EHR's context, or a "
                               "patient that cannot be read; they were not checked:"),
    "outside": N_("Radiotherapy to start {start}, outside the post-operative window {opens} to {closes} (§1.4)"),
    "no_start": N_("Radiotherapy ordered without a start date: post-operative window {opens} to {closes} (§1.4)"),
    "operated_if": N_("Radiotherapy to start {start}: in the post-operative window only if operated {first} to "
                      "{last} (§1.4)"),
    "operated": N_("Operation"), "window": N_("Window (day 15 to day 21 after the operation)"),
    "start": N_("Start ordered"), "not_stated": N_("not stated"),
    "late": N_("The guideline says nothing of a start after its window: the decision is the team's."),
    "other_side": N_("Check the side: order for the {ordered}, bone metastasis recorded on the {recorded}"),
    "other_side_detail": N_("The order's site is the {ordered}, where no bone metastasis is recorded; one is recorded "
                            "on the other side of that bone. Check which side the order is for before signing it."),
    "recorded_there": N_("Bone metastases recorded"),
    "other_level": N_("Check the level: order for {ordered}, spinal cord compression recorded at {recorded}"),
    "other_level_detail": N_("The order's words name {ordered}; the spinal cord compression it is checked against is "
                             "recorded at {recorded}. Check the level the order is for before signing it."),
    "compression_recorded": N_("Spinal cord compression recorded"),
    "compressions_recorded": N_("Spinal cord compressions recorded"),
    "dose_words_first": N_("another dose in its name, check it first"),
    "dose_words_detail": N_("the order's name writes another dose than the one it prescribes (below): check which is "
                            "meant before signing"),
    "several_courses": N_("{count} radiotherapy orders for one diagnosis in this signing: check which one is meant"),
    "several_courses_detail": N_("These orders all name {reason} as their reason, and each is checked as if it were "
                                 "the course. Check which is meant before signing."),
    "side_conflict": N_("Check the side: order for the {ordered}, its reason the lesion of the {recorded}"),
    "side_conflict_detail": N_("The order's site is the {ordered}; the diagnosis it names as its reason is of the "
                               "{recorded}. Check which side the order is for before signing it."),
    "maybe_other": N_("The order may be for another lesion"),
    "moot": N_("Prophylactic fixation ordered: {why}"),
    "moot_detail": N_("No Mirels score is given for this lesion, so the order was checked against none: Mirels "
                      "scores the risk of a fracture to come, to decide whether to fix the bone."),
    "post_operative_summary": N_("{scheme} ordered after an operation: the guideline gives no post-operative "
                                 "fractionation (§1.4)"),
    "post_operative_scheme": N_("This order follows an operation (§1.4): the guideline gives no fractionation for "
                                "post-operative radiotherapy; the schemes below are those it names for a palliative "
                                "aim."),
})
