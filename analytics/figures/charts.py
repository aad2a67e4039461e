"""Server-side SVG charts: horizontal bars with 95 % interval whiskers, and a trend line.

Pure functions from plain data to an SVG string: no JavaScript, no Django, every text escaped. The
page shows the same numbers in a table beside each chart, so a chart never is the only place a
figure lives (screen readers, printouts, copy and paste). Values are fractions of 1.

Charts are drawn in a coordinate system about as wide as a phone, and scale with the page
(`viewBox`, no fixed width), so the text stays readable at 360 px.

A printed document (WeasyPrint) gets the bar chart from `bar_chart_html`: the same drawing without
its texts, as an image, and the texts as HTML lines laid over it (`BAR_CHART_HTML_CSS`). WeasyPrint
lays out and draws SVG text one letter at a time: the five labelled bars of a report cost it some
250 text layouts, about two thirds of the chart's time; as HTML its texts are 15 lines.
"""

import base64
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
# The bar chart's rows: each ROW units high, the label's baseline LABEL_Y below the row's top, the bar
# BAR_Y below it and BAR_HEIGHT high, its text's baseline TEXT_Y below the bar's top.
ROW, TOP, LABEL_Y, BAR_Y, BAR_HEIGHT, TEXT_Y = 44, 4, 14, 20, 14, 12


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
    texts: bool = True,
) -> str:
    """One bar per row, label above it, 0–100 % scale, whiskers for the interval, text at the right.
    Without `texts`, the drawing only (`bar_chart_html` lays the texts over it)."""
    if not bars:
        return _empty(title, empty_text, width)
    track = width - text_width
    body = []
    # vertical grid every 25 %, labelled under the last row
    bottom = TOP + ROW * len(bars)
    for step in range(5):
        x = track * step / 4
        body.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom - 8}" stroke="{GRID}" stroke-width="1"/>'
        )
        anchor = "start" if step == 0 else "end" if step == 4 else "middle"
        if texts:
            body.append(
                f'<text x="{x:.1f}" y="{bottom + 8}" fill="{MUTED}" font-size="11" '
                f'text-anchor="{anchor}">{step * 25} %</text>'
            )
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        value = _fraction(bar.value)
        low, high = _fraction(bar.low), _fraction(bar.high)
        group = ["<g>"]
        if texts:
            group.append(f"<title>{_e(bar.label)}: {_e(bar.text)}</title>")
            group.append(
                f'<text x="0" y="{y + LABEL_Y}" fill="{INK}">{_e(_shorten(bar.label, width))}</text>'
            )
        bar_y = y + BAR_Y
        group.append(
            f'<rect x="0" y="{bar_y}" width="{track:.1f}" height="{BAR_HEIGHT}" fill="#f1f3f5" '
            f'stroke="{GRID}"/>'
        )
        if value is not None:
            fill = BAR_FEW if bar.muted else BAR
            group.append(
                f'<rect x="0" y="{bar_y}" width="{track * value:.1f}" height="{BAR_HEIGHT}" fill="{fill}"'
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
        if texts:
            group.append(
                f'<text x="{track + 6:.1f}" y="{bar_y + TEXT_Y}" fill="{MUTED if bar.muted else INK}" '
                f'font-size="12">{_e(_shorten(bar.text, text_width - 6, 6.6))}</text>'
            )
        group.append("</g>")
        body.append("".join(group))
    return _svg(width, bottom + 12, title, body)


# The printed bar chart: PRINT_WIDTH units across PRINT_MM millimetres, its texts' column
# PRINT_TEXT_WIDTH units wide. Arimo, which fontconfig gives for FONT, has its baseline 0.8465 em
# below the top of a line whose height is 1 em.
PRINT_WIDTH, PRINT_TEXT_WIDTH, PRINT_MM, BASELINE = 520, 130, 150, 0.8465


def _mm(units: float) -> str:
    return f"{units * PRINT_MM / PRINT_WIDTH:.2f}mm"


def _bar_chart_html_css() -> str:
    track = (PRINT_WIDTH - PRINT_TEXT_WIDTH) / PRINT_WIDTH
    label_pad = LABEL_Y - BASELINE * 14
    text_gap = BAR_Y + TEXT_Y - (label_pad + 14) - BASELINE * 12
    return f"""
.hbars {{ width: {PRINT_MM}mm; margin: 0 auto; padding-bottom: 1.8mm; text-align: left; font-family: {FONT};
  line-height: 1; white-space: nowrap; }}
.hbars img {{ display: block; width: 100%; height: auto; }}
.hbar {{ height: {_mm(ROW)}; }}
.hbar-label {{ padding-top: {_mm(label_pad)}; font-size: {_mm(14)}; color: {INK}; }}
.hbar-label span {{ position: relative; background: #fff; padding-right: {_mm(4)}; }}  /* over the grid */
.hbar-text {{ margin: {_mm(text_gap)} 0 0 {(PRINT_WIDTH - PRINT_TEXT_WIDTH + 6) / PRINT_WIDTH:.2%};
  font-size: {_mm(12)}; color: {INK}; }}
.hbar-text.few {{ color: {MUTED}; }}
.hbars-axis {{ margin-top: {_mm(8 - BASELINE * 11)}; height: {_mm(12 - 8 + BASELINE * 11)};
  font-size: {_mm(11)}; color: {MUTED}; }}
.hbars-axis div {{ height: 0; width: {track / 8:.2%}; }}
.hbars-axis div.middle {{ text-align: center; }}
.hbars-axis div.end {{ text-align: right; }}
.hbars-empty {{ box-sizing: border-box; height: {_mm(40)}; padding-top: {_mm(25 - BASELINE * 14)};
  font-size: {_mm(14)}; color: {MUTED}; }}
"""


BAR_CHART_HTML_CSS = _bar_chart_html_css()


def bar_chart_html(bars: Sequence[Bar], *, title: str, empty_text: str = "No data") -> str:
    """`bar_chart` for print (see the module's note): the drawing at PRINT_WIDTH without its texts, the
    texts as HTML lines over it, styled by BAR_CHART_HTML_CSS. Labels are shortened as the SVG
    shortens them; a bar's text is not (its column holds it)."""
    if not bars:
        return f'<div class="hbars hbars-empty">{_e(empty_text)}</div>'
    drawing = bar_chart(bars, title=title, width=PRINT_WIDTH, text_width=PRINT_TEXT_WIDTH, texts=False)
    height = TOP + ROW * len(bars) + 12
    rows = "".join(
        f'<div class="hbar"><div class="hbar-label"><span>{_e(_shorten(bar.label, PRINT_WIDTH))}</span></div>'
        f'<div class="hbar-text{" few" if bar.muted else ""}">{_e(bar.text)}</div></div>'
        for bar in bars
    )
    track = (PRINT_WIDTH - PRINT_TEXT_WIDTH) / PRINT_WIDTH
    axis = []
    for step in range(5):
        # each label in a box an eighth of the track wide, at its grid line's start, middle or end
        x = track * step / 4
        kind, left = (
            ("start", x) if step == 0 else ("end", x - track / 8) if step == 4 else ("middle", x - track / 16)
        )
        axis.append(f'<div class="{kind}" style="margin-left: {left:.2%}">{step * 25} %</div>')
    # An image, not inline SVG: inline, every shape would be an HTML element to parse and style.
    source = "data:image/svg+xml;base64," + base64.b64encode(drawing.encode()).decode()
    return (
        f'<div class="hbars" role="img" aria-label="{_e(title)}"><img src="{source}" alt="">'
        f'<div style="margin-top: -{_mm(height - TOP)}">{rows}'
        f'<div class="hbars-axis">{"".join(axis)}</div></div></div>'
    )


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
