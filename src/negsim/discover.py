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


def tradeoff_figure(trajectory: list[Box], chosen: int, names: list[str], title: str):
    """The peeling trajectory: density against coverage, coloured by restricted parameters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from negsim.sensitivity import short_path

    fig, ax = plt.subplots(figsize=(8.5, 5.2), layout="constrained")
    cov = [b.coverage for b in trajectory]
    den = [b.density for b in trajectory]
    dims = [len(b.restricted) for b in trajectory]
    ax.plot(cov, den, color="0.7", lw=1, zorder=1)
    points = ax.scatter(cov, den, c=dims, cmap="viridis", s=28, zorder=2)
    bar = fig.colorbar(points, ax=ax, label="parameters restricted by the box")
    bar.ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    b = trajectory[chosen]
    ax.scatter(
        [b.coverage],
        [b.density],
        s=160,
        facecolors="none",
        edgecolors="#c0392b",
        lw=2,
        zorder=3,
        label=f"reported box (step {chosen})",
    )
    ax.set_xlabel("coverage (share of all runs with the outcome inside the box)")
    ax.set_ylabel("density (share of the box's runs with the outcome)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(min(den) - 0.05, 1.02)
    ax.grid(alpha=0.3)
    lines = [
        f"{short_path(names[d])}: {b.limits[d, 0]:.3g} to {b.limits[d, 1]:.3g}"
        for d in b.restricted
    ]
    label = "reported box:\n" + ("\n".join(lines) if lines else "(no restriction)")
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, -0.14),
        frameon=False,
        fontsize=9,
        title=label,
        title_fontsize=8,
        alignment="left",
    )
    ax.set_title(title, fontsize=11)
    return fig
