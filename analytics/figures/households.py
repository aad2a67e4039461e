"""The figures of a household round: every rating question's satisfaction rate, design-weighted with its
clustered interval (analytics.methodology.design), beside the unweighted rate and the response rate."""

from dataclasses import dataclass
from fractions import Fraction
from typing import TypedDict

from analytics.methodology.design import Cluster, WeightedRate, weighted_rate
from surveys.definition import Definition
from surveys.households.models import HouseholdRound
from surveys.households.selectors import round_progress, village_answers


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


def household_round_figures(*, survey_round: HouseholdRound, language: str = "vi") -> RoundFigures:
    """One figure per rating question of the round's questionnaire, in its order, and the response rate."""
    definition = Definition(survey_round.campaign.version.definition)
    figures = []
    for q in definition.of_kind("rating"):
        clusters = [
            Cluster(
                stratum=v.stratum,
                psu=str(v.village_id),
                households=v.households,
                inclusion=v.inclusion,
                answers=tuple(None if b == "" else int(b == "satisfied") for b in v.buckets),
            )
            for v in village_answers(survey_round=survey_round, question_key=q["key"])
        ]
        figures.append(
            HouseholdFigure(
                q["key"], Definition.text(q["text"], language), q["element"], weighted_rate(clusters)
            )
        )
    total = round_progress(survey_round=survey_round)["total"]
    return {"figures": figures, "response_rate": total.response_rate, "collected": total.collected}
