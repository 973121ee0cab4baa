"""What the figures share: line styles that tell curves apart, and label placement (lanes)."""

from __future__ import annotations

from collections.abc import Sequence

# One (line style, marker) per curve, so that curves that coincide stay apart.
LINE_STYLES = [
    ("-", "o"),
    ("--", "s"),
    ("-.", "^"),
    (":", "D"),
    ((0, (6, 2, 1, 2, 1, 2)), "v"),
    ((0, (10, 3)), "P"),
    ((0, (1, 1)), "X"),
    ((0, (4, 1, 4, 4)), "*"),
]


def lanes(starts: Sequence[float], widths: Sequence[float], gap: float = 0.0) -> list[int]:
    """The lane (row, 0 first) of each label so that labels in one lane never overlap.

    A label runs from ``starts[k]`` to ``starts[k] + widths[k]`` (any unit, e.g. pixels);
    labels are taken left to right and each goes to the lowest lane whose last label ends
    at least ``gap`` before it starts.
    """
    order = sorted(range(len(starts)), key=lambda k: starts[k])
    ends: list[float] = []  # where the last label of each lane ends
    lane = [0] * len(starts)
    for k in order:
        free = [row for row, end in enumerate(ends) if end + gap <= starts[k]]
        if free:
            row = free[0]
        else:
            row = len(ends)
            ends.append(float("-inf"))
        lane[k] = row
        ends[row] = starts[k] + widths[k]
    return lane


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1) share any area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def curve_style(k: int) -> dict:
    """Matplotlib keywords for the ``k``-th curve of a figure: its own line style and marker,
    and a line and marker that shrink with ``k``, so a curve lying on an earlier one still
    shows inside it."""
    style, marker = LINE_STYLES[k % len(LINE_STYLES)]
    return {
        "linestyle": style,
        "marker": marker,
        "lw": max(1.5, 3.5 - 0.7 * k),
        "ms": max(4.0, 8.5 - 1.5 * k),
    }
