"""The tilbudsvifte as municipalities draw it (inline SVG, no scripts): x = price per
extra self-sufficient citizen with its interval, y = effect with its interval, bubble area
= participants (with a size legend), stars = evidence; quadrant lines at the given
targets. Offers whose price cannot be computed are drawn apart, in a strip on the right.

Elements carry ``data-*`` attributes (``data-offer``, ``data-threshold``, ``data-quadrant``,
``data-size``) so a browser test can find them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from flows.report.plots import BLUE, GREY, STAR, Scale, _svg, _ticks

W, H = 720, 452
LEFT, TOP, PLOT_BOTTOM = 70, 24, 330
MAIN_RIGHT, APART_LEFT, APART_RIGHT = 560, 590, 705
R_MAX = 26.0


@dataclass(frozen=True)
class Bubble:
    """One offer: name, evidence stars, participants; effect and its interval in pp;
    price and its interval in DKK (None: the price cannot be computed)."""

    offer: str
    name: str
    stars: int
    participants: float | None
    effect: float
    effect_low: float | None
    effect_high: float | None
    price: float | None = None
    price_low: float | None = None
    price_high: float | None = None


@dataclass(frozen=True)
class Labels:
    title: str
    x: str
    y: str
    apart: str
    size: str
    quadrants: tuple[str, str, str, str]  # top-left, top-right, bottom-left, bottom-right


def _domain(values: Sequence[float | None], pad: float = 0.08) -> tuple[float, float]:
    vals = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    span = (hi - lo) or abs(hi) or 1.0
    return lo - pad * span, hi + pad * span


def radius(n: float | None, biggest: float) -> float:
    """Bubble radius: area proportional to participants (a missing count draws small)."""
    return R_MAX * math.sqrt(max(n or 0.0, 0.0) / biggest) if biggest > 0 else 6.0


def size_steps(biggest: float) -> list[float]:
    """Round participant counts for the size legend (up to three, the largest <= biggest)."""
    if biggest <= 0:
        return []
    top = 10 ** math.floor(math.log10(biggest))
    top = max(m * top for m in (1, 2, 5) if m * top <= biggest)
    return sorted({v for v in (top / 10, top / 2, top) if v >= 1})


def vifte(
    bubbles: Sequence[Bubble],
    *,
    target_price: float,
    target_effect: float,
    labels: Labels,
    fmt_x: Callable[[float], str],
    fmt_y: Callable[[float], str],
    fmt_n: Callable[[float], str],
) -> str:
    priced = [b for b in bubbles if b.price is not None]
    apart = [b for b in bubbles if b.price is None]
    x_vals = [v for b in priced for v in (b.price, b.price_low, b.price_high)] + [target_price]
    x = Scale(*_domain(x_vals, 0.12), LEFT + 10, MAIN_RIGHT - 10)
    y_vals = [v for b in bubbles for v in (b.effect, b.effect_low, b.effect_high)]
    y = Scale(*_domain([*y_vals, 0.0, target_effect], 0.1), PLOT_BOTTOM - 22, TOP + 26)
    biggest = max((b.participants or 0.0 for b in bubbles), default=0.0)
    body = _frame(x, y, labels, fmt_x, fmt_y, apart=bool(apart))
    body += _quadrants(x, y, target_price, target_effect, labels.quadrants, fmt_x, fmt_y)
    step = (APART_RIGHT - APART_LEFT) / (len(apart) + 1)
    centres = [(b, x(b.price), x) for b in priced] + [  # type: ignore[arg-type]
        (b, APART_LEFT + i * step, None) for i, b in enumerate(apart, start=1)
    ]
    placed = [_circle_box(cx, y(b.effect), radius(b.participants, biggest)) for b, cx, _ in centres]
    for b, cx, xs in sorted(centres, key=lambda c: -(c[0].participants or 0)):
        body.append(_bubble(b, cx, y, biggest, xs, placed))
    body.append(_size_legend(biggest, labels.size, fmt_n))
    return _svg(labels.title, body, width=W, height=H)


def _frame(x, y, labels: Labels, fmt_x, fmt_y, *, apart: bool) -> list[str]:
    out = []
    for v in _ticks(y.lo, y.hi):
        py = y(v)
        right = APART_RIGHT if apart else MAIN_RIGHT
        out.append(f'<line x1="{LEFT}" x2="{right}" y1="{py:.1f}" y2="{py:.1f}" stroke="#eee"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end" class="tick y-tick" '
            f'data-tick="{v!r}">{escape(fmt_y(v))}</text>'
            f'<line x1="{LEFT - 3}" x2="{LEFT}" y1="{py:.1f}" y2="{py:.1f}" stroke="{GREY}" '
            f'class="y-mark" data-tick="{v!r}"/>'
        )
    for v in _ticks(x.lo, x.hi, 4):
        out.append(
            f'<text x="{x(v):.1f}" y="{PLOT_BOTTOM + 16}" text-anchor="middle" '
            f'class="tick x-tick" data-tick="{v!r}">{escape(fmt_x(v))}</text>'
            f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM + 3}" '
            f'stroke="{GREY}" class="x-mark" data-tick="{v!r}"/>'
        )
    out.append(
        f'<line x1="{LEFT}" x2="{MAIN_RIGHT}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM}" '
        f'stroke="{GREY}"/><line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{PLOT_BOTTOM}" '
        f'stroke="{GREY}"/>'
    )
    if y.lo < 0 < y.hi:
        out.append(
            f'<line x1="{LEFT}" x2="{MAIN_RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#bbb"/>'
        )
    out.append(
        f'<text x="{(LEFT + MAIN_RIGHT) / 2:.1f}" y="{PLOT_BOTTOM + 36}" text-anchor="middle" '
        f'class="axis x-axis">{escape(labels.x)}</text>'
        f'<text transform="translate(16,{(TOP + PLOT_BOTTOM) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" class="axis y-axis">{escape(labels.y)}</text>'
    )
    if apart:
        out.append(
            f'<rect x="{APART_LEFT - 8}" y="{TOP}" width="{APART_RIGHT - APART_LEFT + 16}" '
            f'height="{PLOT_BOTTOM - TOP}" fill="#f4f4f4" class="apart"/>'
            f'<text x="{(APART_LEFT + APART_RIGHT) / 2:.1f}" y="{PLOT_BOTTOM + 16}" '
            f'text-anchor="middle" class="tick apart-label">{escape(labels.apart)}</text>'
        )
    return out


def _quadrants(x, y, tx: float, ty: float, names, fmt_x, fmt_y) -> list[str]:
    px, py = x(tx), y(ty)
    out = [
        f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{PLOT_BOTTOM}" stroke="{GREY}" '
        f'stroke-dasharray="5 3" class="threshold" data-threshold="price" '
        f'data-value="{tx!r}"/>',
        f'<line x1="{LEFT}" x2="{MAIN_RIGHT}" y1="{py:.1f}" y2="{py:.1f}" stroke="{GREY}" '
        f'stroke-dasharray="5 3" class="threshold" data-threshold="effect" '
        f'data-value="{ty!r}"/>',
    ]
    corners = (
        ("top-left", px - 6, TOP + 10, "end"),
        ("top-right", px + 6, TOP + 10, "start"),
        ("bottom-left", px - 6, PLOT_BOTTOM - 6, "end"),
        ("bottom-right", px + 6, PLOT_BOTTOM - 6, "start"),
    )
    for (key, qx, qy, anchor), text in zip(corners, names, strict=True):
        qx = min(max(qx, LEFT + 4), MAIN_RIGHT - 4)
        out.append(
            f'<text x="{qx:.1f}" y="{qy:.1f}" text-anchor="{anchor}" class="quadrant" '
            f'data-quadrant="{key}">{escape(text)}</text>'
        )
    return out


def _label_box(
    cx: float, cy: float, r: float, text: str, placed: list[tuple[float, float, float, float]]
) -> tuple[float, float, str]:
    """Where a bubble's name goes: above, below, right or left of it (then a little
    further out), the first place that overlaps no other bubble and no name already
    placed (right above it when none is free)."""
    width, height = 6.3 * len(text), 12.0
    options = [
        option
        for gap in (4.0, 18.0, 32.0)
        for option in (
            (cx, cy - r - gap, "middle"),
            (cx, cy + r + 9 + gap, "middle"),
            (cx + r + gap, cy + 4, "start"),
            (cx - r - gap, cy + 4, "end"),
        )
    ]
    own = _circle_box(cx, cy, r)
    for tx, ty, anchor in options:
        left = {"middle": tx - width / 2, "start": tx, "end": tx - width}[anchor]
        box = (left, ty - height, left + width, ty)
        if not any(_overlap(box, other) for other in placed if other != own):
            placed.append(box)
            return tx, ty, anchor
    return options[0]


def _circle_box(cx: float, cy: float, r: float) -> tuple[float, float, float, float]:
    return (cx - r, cy - r, cx + r, cy + r)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _bubble(
    b: Bubble,
    cx: float,
    y: Scale,
    biggest: float,
    x: Scale | None,
    placed: list[tuple[float, float, float, float]],
) -> str:
    cy, r = y(b.effect), radius(b.participants, biggest)
    parts = []
    if b.effect_low is not None and b.effect_high is not None:
        parts.append(
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(b.effect_low):.1f}" '
            f'y2="{y(b.effect_high):.1f}" stroke="{BLUE}" class="whisker-y"/>'
        )
    if x is not None and b.price_low is not None and b.price_high is not None:
        parts.append(
            f'<line x1="{x(b.price_low):.1f}" x2="{x(b.price_high):.1f}" y1="{cy:.1f}" '
            f'y2="{cy:.1f}" stroke="{BLUE}" class="whisker-x"/>'
        )
    parts.append(
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{BLUE}" fill-opacity="0.3" '
        f'stroke="{BLUE}"/>'
    )
    name = f"{b.name} {STAR * b.stars}"
    tx, ty, anchor = _label_box(cx, cy, r, name, placed)
    parts.append(
        f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" class="tick name">'
        f"{escape(name)}</text>"
    )
    where = "apart" if x is None else "priced"
    return f'<g class="bubble {where}" data-offer="{escape(b.offer)}">{"".join(parts)}</g>'


def _size_legend(biggest: float, title: str, fmt_n: Callable[[float], str]) -> str:
    steps = size_steps(biggest)
    if not steps:
        return ""
    base = H - 10
    out = [f'<text x="{LEFT}" y="{base}" class="tick size-title">{escape(title)}:</text>']
    cx = LEFT + 8 * len(title) + 20
    for n in steps:
        r = radius(n, biggest)
        cx += r + 4
        out.append(
            f'<circle cx="{cx:.1f}" cy="{base - r + 4:.1f}" r="{r:.1f}" fill="none" '
            f'stroke="{GREY}" data-size="{n:g}"/>'
            f'<text x="{cx + r + 4:.1f}" y="{base}" class="tick">{escape(fmt_n(n))}</text>'
        )
        cx += r + 14 + 7 * len(fmt_n(n))
    return f'<g class="size-legend">{"".join(out)}</g>'
