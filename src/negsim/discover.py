"""Scenario discovery: the boxes of parameter ranges under which an outcome happens (PRIM).

The Patient Rule Induction Method (Friedman and Fisher 1999), as the exploratory-modelling
field uses it (Bryant and Lempert 2010): start from the box holding every run and peel, one
step at a time, the thin slice (a share ``alpha`` of the runs left) off one side of one
parameter that raises the box's *density* (share of its runs with the outcome) most, until
the box holds fewer than ``min_support`` of all runs. Each step trades *coverage* (the share
of all runs with the outcome that the box holds) for density; the peeling trajectory is that
trade-off, from which a reader picks a box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Box:
    """One box of the peeling trajectory: its limits and how well it finds the outcome."""

    limits: np.ndarray  # [D, 2]: low, high of each parameter
    coverage: float
    density: float
    support: float  # share of all runs inside the box
    restricted: list[int]  # parameters whose limits are narrower than the data's


def prim(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_support: float = 0.05) -> list[Box]:
    """The peeling trajectory of PRIM on runs ``x`` [N, D] with outcome ``y`` [N] (bool)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    n, dims = x.shape
    total = max(int(y.sum()), 1)
    full = np.stack([x.min(axis=0), x.max(axis=0)], axis=1)
    limits = full.copy()
    inside = np.ones(n, bool)

    def box() -> Box:
        k = int(inside.sum())
        restricted = [
            d for d in range(dims) if limits[d, 0] > full[d, 0] or limits[d, 1] < full[d, 1]
        ]
        return Box(
            limits.copy(),
            float(y[inside].sum() / total),
            float(y[inside].mean()) if k else 0.0,
            k / n,
            restricted,
        )

    trajectory = [box()]
    while inside.sum() / n > min_support:
        best = None
        xs, ys = x[inside], y[inside]
        for d in range(dims):
            column = xs[:, d]
            for side, q in ((0, alpha), (1, 1.0 - alpha)):
                cut = np.quantile(column, q)
                keep = column >= cut if side == 0 else column <= cut
                if keep.all() or not keep.any():
                    # Ties at the cut: peel the tied values themselves if that leaves some.
                    keep = column > cut if side == 0 else column < cut
                    if not keep.any() or keep.all():
                        continue
                density = ys[keep].mean()
                if best is None or density > best[0] + 1e-12:
                    best = (
                        density,
                        d,
                        side,
                        column[keep].min() if side == 0 else column[keep].max(),
                        keep,
                    )
        if best is None or best[0] <= trajectory[-1].density + 1e-12:
            break
        _, d, side, edge, keep = best
        limits[d, side] = edge
        positions = np.flatnonzero(inside)
        inside[positions[~keep]] = False
        trajectory.append(box())
    return trajectory


def choose(trajectory: list[Box], min_coverage: float = 0.5) -> int:
    """The box to report: the densest that still covers ``min_coverage`` of the outcome."""
    ok = [k for k, b in enumerate(trajectory) if b.coverage >= min_coverage]
    if not ok:
        return 0
    return max(ok, key=lambda k: (trajectory[k].density, -k))
