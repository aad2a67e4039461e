"""The report of a household round as a Decree-30 document (BÁO CÁO of the owning province's committee):
the round's design and dates, the response rate, every rating question's design-weighted rate with its
clustered interval beside the unweighted one (method named), and the re-check's outcome.

The wording is Vietnamese, fixed here like the other official documents (surveys.plan_services,
analytics.publications.report): the document is what the province sends on, so its words do not wait
for a translation pass. No household name, address or answer of a household appears in it.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from analytics.figures.households import HouseholdFigure, household_round_figures
from analytics.methodology.formulas import display_percent
from analytics.methodology.methods import method_description, method_name
from surveys.decree import decree_date, short_name
from surveys.households.models import HouseholdRound, Village
from surveys.households.selectors import recheck_rates, recheck_sample, round_progress
from surveys.pdf import SERIF_STACK, html_to_pdf
from tenants.models import Unit


def _percent(rate: Fraction | float | None) -> Decimal | None:
    return None if rate is None else display_percent(Fraction(rate))


def figure_rows(figures: list[HouseholdFigure]) -> list[dict[str, Any]]:
    """One row per rating question, percentages rounded for display (the results page and the report)."""
    return [
        {
            "text": f.text,
            "weighted": _percent(f.result.rate),
            "low": _percent(f.result.low),
            "high": _percent(f.result.high),
            "unweighted": _percent(f.result.unweighted),
            "n": f.result.n,
            "psus": f.result.psus,
            "df": f.result.degrees_of_freedom,
        }
        for f in figures
    ]


def _day(day: dt.date) -> str:
    return "/".join(decree_date(day))


def household_report_html(*, owner: Unit, survey_round: HouseholdRound, today: dt.date | None = None) -> str:
    """The report in the owning province's schema (the caller is there), as HTML for WeasyPrint."""
    today = today or timezone.localdate()
    dd, mm, yyyy = decree_date(today)
    figures = household_round_figures(survey_round=survey_round)
    total = round_progress(survey_round=survey_round)["total"]
    villages = Village.objects.filter(round_commune__round=survey_round, selected=True)
    rates = recheck_rates(survey_round=survey_round)
    checked = sum(r.checked for r in rates)
    discrepant = sum(r.discrepant for r in rates)
    r = {
        "issuer": f"UBND {owner.name}".upper(),
        "issuer_parent": "",
        "number": "",
        "place_date": f"{short_name(owner.name)}, ngày {dd} tháng {mm} năm {yyyy}",
        "recipients": ["Bộ Nội vụ", "Sở Nội vụ", "Lưu: VT"],
        "signer_name": "",
        "round": survey_round,
        "handout": (_day(survey_round.handout_from), _day(survey_round.handout_to)),
        "collect": (_day(survey_round.collect_from), _day(survey_round.collect_to)),
        "deliver": (_day(survey_round.deliver_from), _day(survey_round.deliver_to)),
        "communes": survey_round.communes.count(),
        "villages": villages.count(),
        "target": total.target,
        "approached": total.approached,
        "collected": total.collected,
        "refused": total.refused,
        "absent": total.absent,
        "reserves_used": total.reserves_used,
        "response_rate": _percent(total.response_rate),
        "household_seed": survey_round.household_seed,
        "village_seed": survey_round.village_seed,
        "pps": survey_round.village_method == HouseholdRound.VillageMethod.PPS,
        "rows": figure_rows(figures["figures"]),
        "method": method_name("weighted_clustered_taylor"),
        "method_description": method_description("weighted_clustered_taylor"),
        "recheck_seed": survey_round.recheck_seed,
        "recheck_drawn": survey_round.recheck_drawn_at is not None,
        "recheck_size": recheck_sample(survey_round=survey_round).count(),
        "checked": checked,
        "discrepant": discrepant,
        "discrepancy_rate": _percent(Fraction(discrepant, checked)) if checked else None,
        "recheck_rates": [
            {
                "enumerator": x.enumerator,
                "checked": x.checked,
                "discrepant": x.discrepant,
                "rate": _percent(x.rate),
            }
            for x in rates
        ],
    }
    t = {
        "motto_1": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto_2": "Độc lập - Tự do - Hạnh phúc",
        "number": "Số:",
        "number_suffix": "/BC-UBND",
        "title": "BÁO CÁO",
        "recipients": "Nơi nhận:",
        "sign_on_behalf": "TM. ỦY BAN NHÂN DÂN",
        "sign_title": "CHỦ TỊCH",
    }
    with translation.override("vi"):  # comma decimals, whatever the reader's language
        return render_to_string(
            "households/report.html",
            {"r": r, "t": t, "serif": mark_safe(SERIF_STACK)},  # noqa: S308 - our own constant
        )


def household_report_pdf(*, owner: Unit, survey_round: HouseholdRound) -> bytes:
    return html_to_pdf(household_report_html(owner=owner, survey_round=survey_round))
