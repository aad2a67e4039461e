"""The figures of a household round: every rating question's satisfaction rate, design-weighted with its
clustered interval (analytics.methodology.design), beside the unweighted rate and the response rate; and
the household satisfaction index a province's PAR rule set may score (figure "household")."""

from dataclasses import dataclass
from fractions import Fraction
from typing import TypedDict

from django_tenants.utils import tenant_context

from analytics.figures.selectors import Period
from analytics.methodology import formulas as f
from analytics.methodology.design import METHOD_CODE, Cluster, WeightedRate, weighted_rate
from surveys.definition import Definition
from surveys.households.models import HouseholdRound
from surveys.households.selectors import round_progress, village_answers
from tenants.models import Unit
from tenants.permissions import ancestor_paths

HOUSEHOLD_METHOD = f.Method(
    METHOD_CODE,
    "Household survey, design-weighted: each responding household weighs the village's households divided "
    "by its responding households and by the village's selection probability; satisfied / valid, weighted. "
    "Interval at 95 %, clustered by village: Taylor linearization with villages within strata, Student t "
    "with villages - strata degrees of freedom.",
)


@dataclass(frozen=True)
class HouseholdFigure:
    question_key: str
    text: str
    element: str
    result: WeightedRate


class RoundFigures(TypedDict):
    figures: list[HouseholdFigure]
    response_rate: Fraction | None
    collected: int


def _clusters(*, survey_round: HouseholdRound, question_key: str, under: str = "") -> list[Cluster]:
    """The round's villages (of the communes under the path `under`) as clusters of the design."""
    return [
        Cluster(
            stratum=v.stratum,
            psu=f"{survey_round.pk}:{v.village_id}",
            households=v.households,
            inclusion=v.inclusion,
            answers=tuple(None if b == "" else int(b == "satisfied") for b in v.buckets),
        )
        for v in village_answers(survey_round=survey_round, question_key=question_key, under=under)
    ]


def household_round_figures(*, survey_round: HouseholdRound, language: str = "vi") -> RoundFigures:
    """One figure per rating question of the round's questionnaire, in its order, and the response rate."""
    definition = Definition(survey_round.campaign.version.definition)
    figures = [
        HouseholdFigure(
            q["key"],
            Definition.text(q["text"], language),
            q["element"],
            weighted_rate(_clusters(survey_round=survey_round, question_key=q["key"])),
        )
        for q in definition.of_kind("rating")
    ]
    total = round_progress(survey_round=survey_round)["total"]
    return {"figures": figures, "response_rate": total.response_rate, "collected": total.collected}


def household_index(*, unit: Unit, period: Period) -> WeightedRate:
    """The household satisfaction index of a unit: the design-weighted rate of the overall satisfaction
    question over the responding households of the unit's villages (the unit's own, or of every commune
    below it), pooled over its province's household rounds whose hand-out began in the period, with the
    interval clustered by village. The rounds live in the province's schema."""
    province = Unit.objects.filter(path=ancestor_paths(unit)[0]).first()
    clusters: list[Cluster] = []
    if province is not None and province.is_onboarded:
        with tenant_context(province):
            rounds = HouseholdRound.objects.filter(
                handout_from__gte=period.start, handout_from__lte=period.end
            ).select_related("campaign__version")
            for survey_round in rounds:
                for q in Definition(survey_round.campaign.version.definition).of_kind("rating"):
                    if q["element"] == "OVERALL":
                        clusters += _clusters(
                            survey_round=survey_round, question_key=q["key"], under=unit.path
                        )
    return weighted_rate(clusters)


def household_index_figure(*, unit: Unit, period: Period, minimum_n: int) -> f.Figure:
    """The household satisfaction index as a figure a PAR rule scores (too few below `minimum_n`)."""
    result = household_index(unit=unit, period=period)
    return f.Figure(
        value=result.rate,
        n=result.n,
        interval=(result.low, result.high) if result.low is not None and result.high is not None else None,
        too_few=result.n < minimum_n,
        method=HOUSEHOLD_METHOD,
        minimum_n=minimum_n,
    )
