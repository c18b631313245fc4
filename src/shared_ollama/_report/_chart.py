"""A chart of latency distributions, baseline against candidate, one pair of boxes per group.

SVG is drawn by hand (no dependency): each box spans the 25th to 75th percentile with a tick at
the median, and its whiskers the 5th to 95th, on a logarithmic time axis so cold starts (seconds)
and warm calls (milliseconds) share it. PNG needs matplotlib (``pip install
'shared-ollama[report]'``), imported only when a PNG is asked for.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from shared_ollama._report._stats import quantile

__all__ = ["Series", "render_svg", "write_chart"]

_WIDTH = 960
_LEFT = 300
_RIGHT = 30
_TOP = 50
_ROW = 56
_BOX = 16
_BOTTOM = 60
_COLORS = {"baseline": "#4c78a8", "candidate": "#f58518"}
_SMALLEST = 1e-6


@dataclass(frozen=True, slots=True)
class Series:
    """The samples of one group: the candidate's, and the baseline's when there is one."""

    label: str
    candidate: Sequence[float]
    baseline: Sequence[float] | None = None


def _axis(values: Sequence[float]) -> list[float]:
    """Return the 1-2-5 ticks that just enclose the values (at least two)."""
    smallest = max(min(values, default=0.01), _SMALLEST)
    largest = max(max(values, default=1.0), smallest)
    first = math.floor(math.log10(smallest))
    last = math.ceil(math.log10(largest))
    ticks = [m * 10.0**e for e in range(first, last + 1) for m in (1, 2, 5)]
    low = max(t for t in ticks if t <= smallest * (1 + 1e-9))
    high = min((t for t in ticks if t >= largest * (1 - 1e-9)), default=ticks[-1])
    chosen = [t for t in ticks if low <= t <= high]
    return chosen if len(chosen) > 1 else [low, low * 2]


def _tick_label(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.3g} ms"
    return f"{value:.3g} s"


def render_svg(series: Sequence[Series], *, title: str = "End-to-end latency") -> str:
    """Return an SVG document with one row of boxes per series.

    Args:
        series: The groups to draw; empty samples are left out.
        title: The chart's title.
    """
    values = [v for s in series for run in (s.candidate, s.baseline or ()) for v in run]
    ticks = _axis(values)
    low, high = math.log10(ticks[0]), math.log10(ticks[-1])
    plot_width = _WIDTH - _LEFT - _RIGHT
    height = _TOP + _ROW * max(len(series), 1) + _BOTTOM

    def x(value: float) -> float:
        position = (math.log10(max(value, _SMALLEST)) - low) / (high - low)
        return _LEFT + position * plot_width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{_WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{_WIDTH / 2}" y="24" text-anchor="middle" font-size="16">{escape(title)}</text>',
    ]
    axis_y = _TOP + _ROW * max(len(series), 1)
    for tick in ticks:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{_TOP}" x2="{tx:.1f}" y2="{axis_y}" stroke="#ddd"/>'
            f'<text x="{tx:.1f}" y="{axis_y + 16}" text-anchor="middle">{_tick_label(tick)}</text>'
        )
    for row, item in enumerate(series):
        top = _TOP + row * _ROW
        parts.append(
            f'<text x="{_LEFT - 8}" y="{top + _ROW / 2 + 4}" text-anchor="end">'
            f"{escape(item.label)}</text>"
        )
        runs = [("baseline", item.baseline), ("candidate", item.candidate)]
        for index, (name, run) in enumerate(runs):
            if not run:
                continue
            ordered = sorted(run)
            q05, q25, q50, q75, q95 = (
                quantile(ordered, q, presorted=True) for q in (0.05, 0.25, 0.5, 0.75, 0.95)
            )
            y = top + 8 + index * (_BOX + 6)
            middle = y + _BOX / 2
            color = _COLORS[name]
            parts.append(
                f"<g><title>{name}: n={len(ordered)}, median {_tick_label(q50)}</title>"
                f'<line x1="{x(q05):.1f}" y1="{middle}" x2="{x(q95):.1f}" y2="{middle}" '
                f'stroke="{color}"/>'
                f'<rect x="{x(q25):.1f}" y="{y}" width="{max(x(q75) - x(q25), 1):.1f}" '
                f'height="{_BOX}" fill="{color}" fill-opacity="0.5" stroke="{color}"/>'
                f'<line x1="{x(q50):.1f}" y1="{y}" x2="{x(q50):.1f}" y2="{y + _BOX}" '
                f'stroke="black" stroke-width="2"/></g>'
            )
    legend_y = height - 18
    for index, (name, color) in enumerate(_COLORS.items()):
        lx = _LEFT + index * 140
        parts.append(
            f'<rect x="{lx}" y="{legend_y - 10}" width="12" height="12" fill="{color}"/>'
            f'<text x="{lx + 18}" y="{legend_y}">{name}</text>'
        )
    parts.append(
        f'<text x="{_WIDTH - _RIGHT}" y="{legend_y}" text-anchor="end" fill="#666">'
        "box: 25th-75th percentile, bar: median, whiskers: 5th-95th</text></svg>"
    )
    return "\n".join(parts) + "\n"


def _write_png(path: Path, series: Sequence[Series], title: str) -> None:
    try:
        import matplotlib as mpl  # noqa: PLC0415 (optional dependency, imported on demand)

        mpl.use("Agg")
        from matplotlib import pyplot as plt  # noqa: PLC0415
        from matplotlib.patches import Patch  # noqa: PLC0415
    except ImportError as exc:
        raise RuntimeError(
            "a PNG chart needs matplotlib: pip install 'shared-ollama[report]', "
            "or ask for an .svg chart, which needs nothing"
        ) from exc
    figure, axes = plt.subplots(figsize=(10, 1 + 0.6 * max(len(series), 1)))
    data, positions, colors = [], [], []
    for row, item in enumerate(series):
        pairs = ((-0.18, "baseline", item.baseline), (0.18, "candidate", item.candidate))
        for offset, name, run in pairs:
            if run:
                data.append(list(run))
                positions.append(row + offset)
                colors.append(_COLORS[name])
    major, minor = (int(part) for part in mpl.__version__.split(".")[:2])
    horizontal: dict[str, Any] = (
        {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}
    )
    boxes = axes.boxplot(data, positions=positions, widths=0.3, whis=(5, 95), showfliers=False,
                         patch_artist=True, medianprops={"color": "black"},
                         **horizontal)  # fmt: skip
    for patch, color in zip(boxes["boxes"], colors, strict=True):
        patch.set_facecolor(color)
        patch.set_alpha(0.6)
    axes.set_yticks(range(len(series)), [item.label for item in series])
    axes.invert_yaxis()  # first group on top, baseline above candidate, as in the SVG
    axes.legend(
        handles=[Patch(facecolor=color, alpha=0.6, label=name) for name, color in _COLORS.items()],
        loc="best",
    )
    axes.set_xscale("log")
    axes.set_xlabel("seconds")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_chart(
    path: str | os.PathLike[str], series: Sequence[Series], *, title: str = "End-to-end latency"
) -> None:
    """Write the chart as SVG (no dependency) or PNG (needs matplotlib), by the path's suffix.

    Raises:
        ValueError: When the suffix is neither ``.svg`` nor ``.png``.
        RuntimeError: When a PNG is asked for and matplotlib is not installed.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ValueError(f"cannot draw a chart as {suffix or 'no suffix'!r}: use .svg or .png")
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".svg":
        target.write_text(render_svg(series, title=title), encoding="utf-8")
    else:
        _write_png(target, series, title)
