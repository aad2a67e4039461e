"""Server-side SVG charts: horizontal bars with 95 % interval whiskers, and a trend line.

Pure functions from plain data to an SVG string: no JavaScript, no Django, every text escaped. The
page shows the same numbers in a table beside each chart, so a chart never is the only place a
figure lives (screen readers, printouts, copy and paste). Values are fractions of 1.

Charts are drawn in a coordinate system about as wide as a phone, and scale with the page
(`viewBox`, no fixed width), so the text stays readable at 360 px.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1a1a1a"
MUTED = "#6b7280"
GRID = "#d0d4da"
BAR = "#1f5fa8"
BAR_FEW = "#b8c2cc"  # too few answers: drawn pale, never like a firm figure
WHISKER = "#111827"
CHAR_WIDTH = 7.6  # average width of a 14 px character, to shorten labels that would not fit


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # fraction of 1; None: no answers
    low: float | None = None
    high: float | None = None
    text: str = ""  # printed right of the bar, e.g. "87,5 %  n = 120"
    muted: bool = False  # too few answers


@dataclass(frozen=True)
class Point:
    label: str  # x-axis label, e.g. "11/2026"
    value: float | None
    low: float | None = None
    high: float | None = None
    text: str = ""  # the point's tooltip
    muted: bool = False


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _fraction(value: float | None) -> float | None:
    """A value fit to draw: finite and within 0–1, else None (not drawn)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return min(1.0, max(0.0, number))


def _shorten(text: str, width: float, char_width: float = CHAR_WIDTH) -> str:
    limit = max(4, int(width / char_width))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:g} {height:g}" '
        f'role="img" aria-label="{_e(title)}" font-family="{_e(FONT)}" font-size="14">'
        f"<title>{_e(title)}</title>" + "".join(body) + "</svg>"
    )


def _empty(title: str, empty_text: str, width: float) -> str:
    return _svg(
        width,
        40,
        title,
        [f'<text x="0" y="25" fill="{MUTED}">{_e(empty_text)}</text>'],
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    empty_text: str = "No data",
    width: float = 360,
    text_width: float = 92,
) -> str:
    """One bar per row, label above it, 0–100 % scale, whiskers for the interval, text at the right."""
    if not bars:
        return _empty(title, empty_text, width)
    track = width - text_width
    row = 44
    top = 4
    body = []
    # vertical grid every 25 %, labelled under the last row
    bottom = top + row * len(bars)
    for step in range(5):
        x = track * step / 4
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom - 8}" stroke="{GRID}" stroke-width="1"/>'
        )
        anchor = "start" if step == 0 else "end" if step == 4 else "middle"
        body.append(
            f'<text x="{x:.1f}" y="{bottom + 8}" fill="{MUTED}" font-size="11" '
            f'text-anchor="{anchor}">{step * 25} %</text>'
        )
    for index, bar in enumerate(bars):
        y = top + index * row
        value = _fraction(bar.value)
        low, high = _fraction(bar.low), _fraction(bar.high)
        group = [f"<g><title>{_e(bar.label)}: {_e(bar.text)}</title>"]
        group.append(f'<text x="0" y="{y + 14}" fill="{INK}">{_e(_shorten(bar.label, width))}</text>')
        bar_y = y + 20
        group.append(
            f'<rect x="0" y="{bar_y}" width="{track:.1f}" height="14" fill="#f1f3f5" stroke="{GRID}"/>'
        )
        if value is not None:
            fill = BAR_FEW if bar.muted else BAR
            group.append(
                f'<rect x="0" y="{bar_y}" width="{track * value:.1f}" height="14" fill="{fill}"'
                + (' stroke="#6b7280" stroke-dasharray="3 2"' if bar.muted else "")
                + "/>"
            )
        if low is not None and high is not None and high >= low:
            mid = bar_y + 7
            x1, x2 = track * low, track * high
            group.append(
                f'<line x1="{x1:.1f}" y1="{mid}" x2="{x2:.1f}" y2="{mid}" stroke="{WHISKER}" '
                f'stroke-width="1.5"/>'
                f'<line x1="{x1:.1f}" y1="{mid - 5}" x2="{x1:.1f}" y2="{mid + 5}" stroke="{WHISKER}" '
                f'stroke-width="1.5"/>'
                f'<line x1="{x2:.1f}" y1="{mid - 5}" x2="{x2:.1f}" y2="{mid + 5}" stroke="{WHISKER}" '
                f'stroke-width="1.5"/>'
            )
        group.append(
            f'<text x="{track + 6:.1f}" y="{bar_y + 12}" fill="{MUTED if bar.muted else INK}" '
            f'font-size="12">{_e(_shorten(bar.text, text_width - 6, 6.6))}</text>'
        )
        group.append("</g>")
        body.append("".join(group))
    return _svg(width, bottom + 12, title, body)


def trend_chart(
    points: Sequence[Point],
    *,
    title: str,
    empty_text: str = "No data",
    width: float = 360,
    height: float = 190,
) -> str:
    """Rate per period as a line over a shaded 95 % band; too-few points drawn hollow."""
    drawable = [p for p in points if _fraction(p.value) is not None]
    if not drawable:
        return _empty(title, empty_text, width)
    left, right, top, bottom = 40, 14, 8, height - 24
    plot_w, plot_h = width - left - right, bottom - top
    lowest = min(v for p in drawable if (v := _fraction(p.value)) is not None)
    # The axis starts at 50 % or lower, on a gridline, never just under the data (which would
    # exaggerate changes); the interval band is clipped at the axis.
    step = 0.1 if lowest >= 0.5 else 0.2
    floor = min(0.5, math.floor(round(lowest / step, 9)) * step)

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if len(points) == 1 else plot_w * i / (len(points) - 1))

    def y_of(v: float) -> float:
        return bottom - plot_h * (v - floor) / (1 - floor)

    body = []
    tick = floor
    while tick <= 1.0 + 1e-9:
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" fill="{MUTED}" font-size="11" '
            f'text-anchor="end">{round(tick * 100)} %</text>'
        )
        tick += step
    # the interval band, drawn as one polygon per run of points that have an interval
    run: list[tuple[float, float, float]] = []
    runs = []
    for i, p in enumerate(points):
        low, high = _fraction(p.low), _fraction(p.high)
        if low is None or high is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append((x_of(i), y_of(max(low, floor)), y_of(max(high, floor))))
    if run:
        runs.append(run)
    for r in runs:
        if len(r) == 1:
            x, ylo, yhi = r[0]
            body.append(
                f'<line x1="{x:.1f}" y1="{ylo:.1f}" x2="{x:.1f}" y2="{yhi:.1f}" stroke="#9bb8dc" '
                f'stroke-width="6"/>'
            )
            continue
        upper = " ".join(f"{x:.1f},{yhi:.1f}" for x, _, yhi in r)
        lower = " ".join(f"{x:.1f},{ylo:.1f}" for x, ylo, _ in reversed(r))
        body.append(f'<polygon points="{upper} {lower}" fill="#cfdff2"/>')
    # the line joins consecutive points that have a value
    segment: list[str] = []
    for i, p in enumerate(points):
        v = _fraction(p.value)
        if v is None:
            if len(segment) > 1:
                body.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR}" stroke-width="2"/>'
                )
            segment = []
            continue
        segment.append(f"{x_of(i):.1f},{y_of(max(v, floor)):.1f}")
    if len(segment) > 1:
        body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    every = max(1, math.ceil(len(points) / 6))
    for i, p in enumerate(points):
        v = _fraction(p.value)
        if v is not None:
            fill = "#fff" if p.muted else BAR
            body.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(max(v, floor)):.1f}" r="4" fill="{fill}" '
                f'stroke="{BAR}" stroke-width="2"><title>{_e(p.label)}: {_e(p.text)}</title></circle>'
            )
        if (len(points) - 1 - i) % every == 0:  # the latest period always labelled
            ends = len(points) > 1
            anchor = "end" if ends and i == len(points) - 1 else "start" if ends and i == 0 else "middle"
            body.append(
                f'<text x="{x_of(i):.1f}" y="{height - 6}" fill="{MUTED}" font-size="11" '
                f'text-anchor="{anchor}">{_e(_shorten(p.label, plot_w / min(len(points), 6), 6.6))}</text>'
            )
    return _svg(width, height, title, body)
