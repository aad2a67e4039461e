"""The one JSON shape of a figure: the API's answers, the publication snapshots and the webhook payloads
all carry a figure as `figure_json` writes it, with the notes that must travel with it.

    value      the rate (or mean score) as a number, 6 decimals; null when n = 0
    exact      the same value exactly, "p/q"; null when n = 0 (a snapshot is rendered again from it)
    n          the answers it rests on
    interval   the 95 % Wilson interval [low, high] as fractions of 1, 6 decimals; null if none
    too_few    n is below the minimum: not ranked, read with caution
    minimum_n  that minimum
    method     {"code", "description"}: how it was computed
    notes      [{"code", "text"}]: caveats such as elements without answers in an index
"""

from fractions import Fraction
from typing import Any

from analytics.methodology import formulas as f


def figure_json(figure: f.Figure) -> dict[str, Any]:
    value = figure.value
    interval = figure.interval
    return {
        "value": None if value is None else round(float(value), 6),
        "exact": None if value is None else f"{value.numerator}/{value.denominator}",
        "n": figure.n,
        "interval": None if interval is None else [round(interval[0], 6), round(interval[1], 6)],
        "too_few": figure.too_few,
        "minimum_n": figure.minimum_n,
        "method": {"code": figure.method.code, "description": figure.method.description},
        "notes": [{"code": note.code, "text": note.text} for note in figure.notes],
    }


def figure_method_code(data: dict[str, Any]) -> str:
    """The method's code of a figure as stored: a plain code in snapshots of format 1."""
    method = data["method"]
    return method if isinstance(method, str) else method["code"]


def figure_display(data: dict[str, Any]) -> dict[str, str | None]:
    """The display values of a stored figure ("percent" or "score", "low", "high": strings with a
    decimal point, None where there is none), from either shape: format 1 snapshots stored them."""
    if "exact" not in data:  # a snapshot of format 1
        return {key: data.get(key) for key in ("percent", "score", "low", "high")}
    exact = None if data["exact"] is None else Fraction(data["exact"])
    low, high = data["interval"] or (None, None)
    mean = figure_method_code(data) == "mean_score"
    return {
        "percent": None if exact is None or mean else str(f.display_percent(exact)),
        "score": None if exact is None or not mean else str(f.display(exact)),
        "low": None if low is None else str(f.display_percent(Fraction(low))),
        "high": None if high is None else str(f.display_percent(Fraction(high))),
    }
