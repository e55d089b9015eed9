"""Inline SVG charts for the report: drawn by hand, no scripts, fonts or images to fetch.

Every chart is a function of plain numbers returning an ``<svg>`` string with a
``<title>`` and ``role="img"``; numbers that are missing (suppressed) are simply not
drawn. Colours are a colour-blind safe pair (blue participants/after, orange controls/
before).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

STAR = "\u2605"
BLUE, ORANGE, GREY, BAND = "#1f5f99", "#d9822b", "#888", "#c6dbef"
W, H = 640, 300
M = {"l": 64, "r": 16, "t": 16, "b": 44}


@dataclass(frozen=True)
class Scale:
    lo: float
    hi: float
    a: float  # pixel of lo
    b: float  # pixel of hi

    def __call__(self, v: float) -> float:
        span = self.hi - self.lo or 1.0
        return self.a + (v - self.lo) / span * (self.b - self.a)


def _finite(xs: Sequence[float | None]) -> list[float]:
    return [float(x) for x in xs if x is not None and math.isfinite(x)]


def _range(values: Sequence[float], *, include_zero: bool = True) -> tuple[float, float]:
    vals = _finite(values) + ([0.0] if include_zero else [])
    if not vals:
        return 0.0, 1.0
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    return lo - pad, hi + pad


def _padded(domain: tuple[float, float], a: float, b: float, pad_a: float, pad_b: float) -> Scale:
    """A scale from pixel ``a`` to ``b`` whose data domain is widened so that the data
    keep ``pad_a`` pixels free next to ``a`` and ``pad_b`` next to ``b``."""
    lo, hi = domain
    usable = abs(b - a) - pad_a - pad_b
    per_px = (hi - lo) / usable if usable > 0 else (hi - lo) / max(abs(b - a), 1.0)
    return Scale(lo - pad_a * per_px, hi + pad_b * per_px, a, b)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    step = 10 ** math.floor(math.log10((hi - lo) / n or 1))
    for mult in (1, 2, 5, 10):
        if (hi - lo) / (step * mult) <= n:
            step *= mult
            break
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step) + 1)]


def _label_width(names: Sequence[str], *, minimum: int = 90, maximum: int = 330) -> int:
    """Left margin wide enough for row labels at 11px (about 6.3px a character)."""
    longest = max((len(n) for n in names), default=0)
    return int(min(maximum, max(minimum, 6.3 * longest + 16)))


def _svg(title: str, body: list[str], width: int = W, height: int = H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _axes(
    x: Scale,
    y: Scale,
    fmt_x: Callable[[float], str],
    fmt_y: Callable[[float], str],
    x_label: str,
    y_label: str,
    x_ticks: Sequence[float] | None = None,
) -> list[str]:
    out = []
    for v in _ticks(y.lo, y.hi):
        py = y(v)
        out.append(f'<line x1="{x.a}" x2="{x.b}" y1="{py:.1f}" y2="{py:.1f}" stroke="#eee"/>')
        out.append(
            f'<text x="{x.a - 6}" y="{py + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(fmt_y(v))}</text>"
        )
    for v in x_ticks if x_ticks is not None else _ticks(x.lo, x.hi):
        px = x(v)
        out.append(
            f'<text x="{px:.1f}" y="{y.a + 16:.1f}" text-anchor="middle" class="tick">'
            f"{escape(fmt_x(v))}</text>"
        )
    out.append(f'<line x1="{x.a}" x2="{x.b}" y1="{y.a}" y2="{y.a}" stroke="{GREY}"/>')
    out.append(
        f'<text x="{(x.a + x.b) / 2:.1f}" y="{y.a + 34:.1f}" text-anchor="middle" '
        f'class="axis">{escape(x_label)}</text>'
    )
    out.append(
        f'<text transform="translate(14,{(y.a + y.b) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" class="axis">{escape(y_label)}</text>'
    )
    return out


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(
        f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(points)
    )


def _segments(xs, ys) -> list[list[tuple[float, float]]]:
    """Runs of consecutive drawable points (a suppressed value breaks the line)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for xv, yv in zip(xs, ys, strict=True):
        if yv is None or not math.isfinite(yv):
            runs.append([])
        else:
            runs[-1].append((xv, yv))
    return [r for r in runs if r]


def event_study(
    e: Sequence[int],
    est: Sequence[float | None],
    lo: Sequence[float | None],
    hi: Sequence[float | None],
    *,
    title: str,
    x_label: str,
    y_label: str,
    fmt_y: Callable[[float], str],
    fmt_x: Callable[[float], str] = lambda v: f"{v:.0f}",
    start_label: str,
    band: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
) -> str:
    """ATT by event time with its pointwise interval (shaded) and, if given, the
    simultaneous band (dashed lines); 0 and the start month marked."""
    x = Scale(min(e, default=0) - 0.5, max(e, default=1) + 0.5, M["l"], W - M["r"])
    extra = [*band[0], *band[1]] if band is not None else []
    y = Scale(*_range([*lo, *hi, *est, *extra]), H - M["b"], M["t"])
    body = _axes(x, y, fmt_x, fmt_y, x_label, y_label)
    pairs = {k: (a, b) for k, a, b in zip(e, lo, hi, strict=True)}
    both = [None if a is None or b is None else 0.0 for a, b in pairs.values()]
    for run in _segments(e, both):
        xs = [p[0] for p in run]
        top = [(x(k), y(pairs[k][1])) for k in xs]
        bottom = [(x(k), y(pairs[k][0])) for k in reversed(xs)]
        body.append(f'<path d="{_path(top + bottom)} Z" fill="{BAND}" stroke="none"/>')
    body.append(f'<line x1="{x.a}" x2="{x.b}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{GREY}"/>')
    body.append(
        f'<line x1="{x(-0.5):.1f}" x2="{x(-0.5):.1f}" y1="{y.b}" y2="{y.a}" '
        f'stroke="{GREY}" stroke-dasharray="4 3"/>'
        f'<text x="{x(-0.5) + 4:.1f}" y="{y.b + 12}" class="tick">{escape(start_label)}</text>'
    )
    for edge in band or ():
        for run in _segments(e, edge):
            pts = [(x(a), y(b)) for a, b in run]
            body.append(
                f'<path d="{_path(pts)}" data-series="band" fill="none" stroke="{GREY}" '
                'stroke-width="1" stroke-dasharray="4 3"/>'
            )
    for run in _segments(e, est):
        pts = [(x(a), y(b)) for a, b in run]
        body.append(f'<path d="{_path(pts)}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
        body += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{BLUE}"/>' for px, py in pts]
    return _svg(title, body)


def two_lines(
    e: Sequence[int],
    a: Sequence[float | None],
    b: Sequence[float | None],
    *,
    title: str,
    x_label: str,
    y_label: str,
    fmt_y: Callable[[float], str],
    fmt_x: Callable[[float], str] = lambda v: f"{v:.0f}",
    labels: tuple[str, str],
) -> str:
    """Participants' and matched controls' levels over event time."""
    x = Scale(min(e, default=0) - 0.5, max(e, default=1) + 0.5, M["l"], W - M["r"])
    y = Scale(*_range([*a, *b]), H - M["b"], M["t"] + 14)
    body = _axes(x, y, fmt_x, fmt_y, x_label, y_label)
    lines = (("a", a, BLUE, ""), ("b", b, ORANGE, ' stroke-dasharray="6 3"'))
    for key, vals, colour, dash in lines:
        for run in _segments(e, vals):
            pts = [(x(p), y(q)) for p, q in run]
            body.append(
                f'<path d="{_path(pts)}" data-series="{key}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
    body.append(_legend([(labels[0], BLUE), (labels[1], ORANGE)], M["l"] + 8, M["t"] + 4))
    return _svg(title, body)


def _legend(items: list[tuple[str, str]], x0: float, y0: float) -> str:
    out, xx = [], x0
    for label, colour in items:
        out.append(
            f'<rect x="{xx}" y="{y0}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{xx + 16}" y="{y0 + 10}" class="tick">{escape(label)}</text>'
        )
        xx += 24 + 7 * len(label)
    return "".join(out)


def love_plot(
    names: Sequence[str],
    before: Sequence[float | None],
    after: Sequence[float | None],
    *,
    threshold: float,
    title: str,
    x_label: str,
    labels: tuple[str, str],
) -> str:
    """|SMD| per covariate before (open) and after (filled) matching, threshold dashed."""
    row, left = 18, _label_width(names)
    width = max(W, left + 420)
    height = M["t"] + 24 + row * len(names) + M["b"]
    vals = _finite([abs(v) for v in [*before, *after] if v is not None]) + [threshold * 1.5]
    x = Scale(0, max(vals), left, width - M["r"])
    body = [_legend([(labels[0], ORANGE), (labels[1], BLUE)], left, M["t"])]
    top = M["t"] + 24
    for i, (name, b, a) in enumerate(zip(names, before, after, strict=True)):
        cy = top + row * i + row / 2
        body.append(
            f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(name)}</text>"
        )
        body.append(f'<line x1="{left}" x2="{x.b}" y1="{cy:.1f}" y2="{cy:.1f}" stroke="#f2f2f2"/>')
        if b is not None and math.isfinite(b):
            body.append(
                f'<circle cx="{x(abs(b)):.1f}" cy="{cy:.1f}" r="4" fill="none" '
                f'stroke="{ORANGE}" stroke-width="1.5"/>'
            )
        if a is not None and math.isfinite(a):
            body.append(f'<circle cx="{x(abs(a)):.1f}" cy="{cy:.1f}" r="4" fill="{BLUE}"/>')
    bottom = top + row * len(names)
    body.append(
        f'<line x1="{x(threshold):.1f}" x2="{x(threshold):.1f}" y1="{top}" '
        f'y2="{bottom}" stroke="{GREY}" stroke-dasharray="4 3"/>'
    )
    for v in _ticks(0, x.hi, 4):
        body.append(
            f'<text x="{x(v):.1f}" y="{bottom + 16}" text-anchor="middle" class="tick">{v:g}</text>'
        )
    body.append(
        f'<text x="{(left + x.b) / 2:.1f}" y="{bottom + 34}" text-anchor="middle" '
        f'class="axis">{escape(x_label)}</text>'
    )
    return _svg(title, body, width=width, height=height)


def forest(
    names: Sequence[str],
    est: Sequence[float | None],
    lo: Sequence[float | None],
    hi: Sequence[float | None],
    *,
    title: str,
    x_label: str,
    fmt_x: Callable[[float], str],
) -> str:
    """Every offer's headline effect with its interval, zero marked."""
    row, left = 30, _label_width(names, minimum=120)
    height = M["t"] + row * len(names) + M["b"]
    x = Scale(*_range([*lo, *hi, *est]), left, W - M["r"])
    bottom = M["t"] + row * len(names)
    body = [f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{M["t"]}" y2="{bottom}" stroke="{GREY}"/>']
    for i, (name, e, a, b) in enumerate(zip(names, est, lo, hi, strict=True)):
        cy = M["t"] + row * i + row / 2
        body.append(
            f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(name)}</text>"
        )
        if None not in (e, a, b) and all(math.isfinite(v) for v in (e, a, b)):
            body.append(
                f'<line x1="{x(a):.1f}" x2="{x(b):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
                f'stroke="{BLUE}" stroke-width="2"/>'
                f'<rect x="{x(e) - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" '
                f'fill="{BLUE}"/>'
            )
    for v in _ticks(x.lo, x.hi):
        body.append(
            f'<text x="{x(v):.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'class="tick">{escape(fmt_x(v))}</text>'
        )
    body.append(
        f'<text x="{(left + x.b) / 2:.1f}" y="{bottom + 34}" text-anchor="middle" '
        f'class="axis">{escape(x_label)}</text>'
    )
    return _svg(title, body, height=height)


def portfolio(
    names: Sequence[str],
    cost: Sequence[float],
    effect: Sequence[float],
    size: Sequence[float | None],
    stars: Sequence[int | None],
    *,
    title: str,
    x_label: str,
    y_label: str,
    quadrants: tuple[str, str, str, str],
    fmt_x: Callable[[float], str],
    fmt_y: Callable[[float], str],
) -> str:
    """Cost per participant against effect, bubble area by participants, quadrants split
    at the medians. The axes are padded so that no bubble or its label reaches the
    quadrant names in the corners."""
    height = H + 60
    biggest = max(_finite(size), default=1.0) or 1.0
    radius = [8 + 18 * math.sqrt((n or 0) / biggest) for n in size]
    labels = [f"{name} {STAR * (s or 0)}" for name, s in zip(names, stars, strict=True)]
    r_max = max(radius, default=8.0)
    half_label = max((3.3 * len(lab) for lab in labels), default=0.0)
    x = _padded(
        _range(cost, include_zero=False),
        M["l"] + 10,
        W - M["r"] - 10,
        max(r_max, half_label) + 4,
        max(r_max, half_label) + 4,
    )
    y = _padded(_range(effect), height - M["b"], M["t"], 20 + r_max, 20 + r_max + 14)
    body = _axes(x, y, fmt_x, fmt_y, x_label, y_label)
    mx, my = statistics.median(cost), statistics.median(effect)
    body.append(
        f'<line x1="{x(mx):.1f}" x2="{x(mx):.1f}" y1="{y.b}" y2="{y.a}" '
        f'stroke="{GREY}" stroke-dasharray="4 3"/>'
        f'<line x1="{x.a}" x2="{x.b}" y1="{y(my):.1f}" y2="{y(my):.1f}" '
        f'stroke="{GREY}" stroke-dasharray="4 3"/>'
    )
    corners = (
        (x.a + 4, y.b + 12, "start"),
        (x.b - 4, y.b + 12, "end"),
        (x.a + 4, y.a - 6, "start"),
        (x.b - 4, y.a - 6, "end"),
    )
    for (px, py, anchor), text in zip(corners, quadrants, strict=True):
        body.append(
            f'<text x="{px}" y="{py}" text-anchor="{anchor}" class="quadrant">{escape(text)}</text>'
        )
    for label, c, e, r in zip(labels, cost, effect, radius, strict=True):
        body.append(
            f'<circle cx="{x(c):.1f}" cy="{y(e):.1f}" r="{r:.1f}" fill="{BLUE}" '
            f'fill-opacity="0.35" stroke="{BLUE}"/>'
            f'<text x="{x(c):.1f}" y="{y(e) - r - 3:.1f}" text-anchor="middle" '
            f'class="tick">{escape(label)}</text>'
        )
    return _svg(title, body, height=height)
