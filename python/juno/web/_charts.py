"""Server-drawn SVG for the dashboard: no script, no build step, readable without colour.

Each chart carries ``role="img"``, a ``<title>`` and an ``aria-label`` that states what it
shows in words, so a screen reader gets the numbers the picture draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

__all__ = ["velocity_svg"]

_W, _H = 560, 180
_PAD_L, _PAD_B, _PAD_T, _PAD_R = 36, 28, 10, 8


def velocity_svg(team: str, sprints: Sequence[dict[str, Any]], last: int = 12) -> str:
    """Committed (outline) and delivered (filled) points of ``team``'s last sprints."""
    shown = list(sprints)[-last:]
    if not shown:
        return ""
    committed = [float(s.get("committed_points") or 0.0) for s in shown]
    delivered = [float(s.get("delivered_points") or 0.0) for s in shown]
    top = max(max(committed), max(delivered), 1.0)
    plot_w, plot_h = _W - _PAD_L - _PAD_R, _H - _PAD_B - _PAD_T
    slot = plot_w / len(shown)
    bar = max(slot * 0.35, 1.0)

    def y(v: float) -> float:
        return _PAD_T + plot_h * (1 - v / top)

    mean = sum(delivered) / len(delivered)
    label = (
        f"Velocity of {team}, last {len(shown)} sprints: delivered "
        + ", ".join(f"{d:g}" for d in delivered)
        + f" points (mean {mean:.1f}) against committed "
        + ", ".join(f"{c:g}" for c in committed)
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(label)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    for frac in (0.0, 0.5, 1.0):
        v = top * frac
        parts.append(
            f'<line x1="{_PAD_L}" x2="{_W - _PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{_PAD_L - 4}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{v:.0f}</text>'
        )
    for i, (c, d) in enumerate(zip(committed, delivered)):
        x = _PAD_L + i * slot + slot / 2
        parts.append(
            f'<rect x="{x - bar:.1f}" y="{y(c):.1f}" width="{bar:.1f}" height="{y(0) - y(c):.1f}"'
            f' class="committed"><title>{escape(str(shown[i].get("id", "")))}: committed {c:g}</title></rect>'
            f'<rect x="{x:.1f}" y="{y(d):.1f}" width="{bar:.1f}" height="{y(0) - y(d):.1f}"'
            f' class="delivered"><title>{escape(str(shown[i].get("id", "")))}: delivered {d:g}</title></rect>'
        )
        if i in (0, len(shown) - 1) or len(shown) <= 6:
            name = str(shown[i].get("id", "")).split()[-1]
            parts.append(
                f'<text x="{x:.1f}" y="{_H - 10}" class="axis" text-anchor="middle">{escape(name)}</text>'
            )
    parts.append(
        f'<line x1="{_PAD_L}" x2="{_W - _PAD_R}" y1="{y(mean):.1f}" y2="{y(mean):.1f}" class="mean"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
