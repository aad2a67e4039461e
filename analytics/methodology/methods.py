"""The one table of figure methods in words: every page, export, snapshot and report names a method
through it, so a figure's method reads the same everywhere (in the language active when rendered)."""

from django.utils import translation
from django.utils.translation import gettext_lazy

METHOD_NAMES = {
    "satisfaction_rate": gettext_lazy("Satisfaction rate"),
    "element_rate_pooled": gettext_lazy("Element rate, answers pooled over its questions"),
    "mean_score": gettext_lazy("Mean score (1–5)"),
    "mean_of_elements": gettext_lazy("SIPAS index: unweighted mean of the element rates"),
    "pooled_all_answers": gettext_lazy("SIPAS index: all element answers pooled"),
    "dissatisfaction_profile": gettext_lazy("Share of unsatisfied responses ticking each reason"),
    "linear:decision_766_5_4": gettext_lazy("Decision 766/QĐ-TTg, criteria 5.2, 5.3 and 5.4"),
    "feedback_on_time": gettext_lazy("Feedback handled on time"),
    "feedback_handling_satisfaction": gettext_lazy("Satisfaction with how feedback was handled"),
    "weighted_clustered_taylor": gettext_lazy("Design-weighted, interval clustered by village"),
}
METHOD_DESCRIPTIONS = {
    "satisfaction_rate": gettext_lazy(
        "Satisfied answers (very satisfied + satisfied) divided by valid answers; “no answer” excluded; "
        "95 % Wilson interval."
    ),
    "element_rate_pooled": gettext_lazy(
        "Answers to every question of the element pooled, then satisfied / valid; 95 % Wilson interval."
    ),
    "mean_score": gettext_lazy(
        "Mean of 5-level answers scored 1–5; 3-level answers and “no answer” excluded; no interval."
    ),
    "mean_of_elements": gettext_lazy(
        "Unweighted mean of the rates of the elements that have answers; n is the sum of their valid "
        "answers; no interval, because the elements share respondents; too few if any element is under "
        "the minimum."
    ),
    "pooled_all_answers": gettext_lazy(
        "Answers to every question of the five elements pooled, then satisfied / valid; elements with more "
        "questions weigh more; 95 % Wilson interval."
    ),
    "dissatisfaction_profile": gettext_lazy(
        "Share of unsatisfied responses that ticked each reason; a response counts each ticked reason once, "
        "so shares may add up to more than 100 %; 95 % Wilson interval per reason."
    ),
    "linear:decision_766_5_4": gettext_lazy(
        "Decision 766/QĐ-TTg, 6 points each: 5.2 feedback replied by its due date / feedback due; 5.3 "
        "satisfied ratings of the handling / valid ratings; 5.4 R = 100 % − (% dossiers handled late + % "
        "dossiers named by a complaint or disliked in their survey, each dossier once), from the dossiers "
        "whose processing ended in the period. Full points from 90 %, else rate × 6 / 90; a criterion "
        "without a denominator (or with too few ratings) is not applicable and leaves the maximum."
    ),
    "feedback_on_time": gettext_lazy(
        "Feedback replied by its due date (working days, by the province's rule and the holiday calendar) "
        "divided by feedback due in the period that is replied or past due; 95 % Wilson interval."
    ),
    "feedback_handling_satisfaction": gettext_lazy(
        "Satisfied ratings of the handling divided by valid ratings, over feedback replied in the period; "
        "feedback without contact details cannot be rated and is counted apart; 95 % Wilson interval."
    ),
    "weighted_clustered_taylor": gettext_lazy(
        "Household survey, design-weighted: each responding household weighs the village's "
        "households divided by its responding households and by the village's selection probability; "
        "satisfied / valid, weighted. Interval at 95 %, clustered by village: Taylor "
        "linearization with villages within strata (communes, or districts in the legacy structure), "
        "Student t with villages − strata degrees of freedom."
    ),
}


def method_name(code: str) -> str:
    """A figure's method in a few words; an unknown code (a band rule's) is shown as it is stored."""
    return str(METHOD_NAMES.get(code, code))


def method_description(code: str, fallback: str = "") -> str:
    return str(METHOD_DESCRIPTIONS.get(code, fallback))


def method_description_in(code: str, language: str, fallback: str = "") -> str:
    """The description in a fixed language, for exports and snapshots whose columns do not follow the page."""
    with translation.override(language):
        return method_description(code, fallback)
