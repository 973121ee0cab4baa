"""Judgements with ranges: a scenario's uncertain values, and each run's draw of them.

A calibrated value may carry its uncertainty beside its point value::

    audience_cost: {value: 0.5, range: [0.35, 0.65], distribution: triangular, source: ...}

Replications draw each run's judgements from their ranges; ``--fixed`` (``draw=False``)
keeps the point values. A run's draw depends only on its seed and the judgement's path
(a counter-based hash, not a generator's stream), so it is the same whatever engine,
chunk, worker or batch runs it, and adding a judgement leaves the others' draws alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from negsim.draws import mix
from negsim.parameters import resolve_path, valid_paths

if TYPE_CHECKING:
    from negsim.scenario import Scenario, Sourced

DISTRIBUTIONS = ("uniform", "triangular", "beta")
"""uniform over the range; triangular and beta (Beta-PERT) peak at the point value."""


@dataclass(frozen=True)
class Judgement:
    """One uncertain value: its parameter path, point value, range and distribution."""

    path: str
    value: float
    low: float
    high: float
    distribution: str
    source: str

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at probabilities ``u`` in (0, 1) (the inverse of the distribution)."""
        return judgement_quantile(self.distribution, self.low, self.value, self.high, u)


def judgement_quantile(
    distribution: str, low: float, mode: float, high: float, u: np.ndarray
) -> np.ndarray:
    """Inverse CDF of a judgement's distribution on [low, high] (mode: the point value)."""
    u = np.asarray(u, dtype=float)
    width = high - low
    if distribution == "uniform":
        x = low + u * width
    elif distribution == "triangular":
        cut = (mode - low) / width
        left = low + np.sqrt(u * width * (mode - low))
        right = high - np.sqrt((1.0 - u) * width * (high - mode))
        x = np.where(u < cut, left, right)
    elif distribution == "beta":
        from scipy.special import betaincinv

        # Beta-PERT: the mode at the point value, shape weight 4 (Vose 2008).
        a = 1.0 + 4.0 * (mode - low) / width
        b = 1.0 + 4.0 * (high - mode) / width
        x = low + width * betaincinv(a, b, u)
    else:  # pragma: no cover - validated by the schema
        raise ValueError(f"unknown distribution {distribution!r}")
    return np.clip(x, low, high)


def sourced_at(s: Scenario, path: str) -> Sourced | None:
    """The calibrated value a parameter path points at (None: a driver the scenario lacks)."""
    ref = resolve_path(s, path)
    if ref.kind == "motivation":
        return getattr(s.states[ref.state], ref.name)
    if ref.kind == "dependence":
        return s.powers[ref.name].dependence.get(ref.state)
    if ref.kind in ("salience", "ideal"):
        return getattr(s.issues[ref.issue], ref.kind).get(ref.state)
    if ref.kind == "driver_scale":
        driver = s.driver(ref.name)
        return driver.scale if driver is not None else None
    if ref.kind == "shock_sd":
        return s.shocks.drive_sd
    return None


def scenario_judgements(s: Scenario) -> list[Judgement]:
    """The scenario's values that carry a range, in the order of :func:`valid_paths`."""
    out = []
    for path in valid_paths(s):
        v = sourced_at(s, path)
        if v is not None and v.range is not None:
            low, high = v.range
            out.append(Judgement(path, v.value, low, high, v.distribution, v.source))
    return out


def _salt(path: str) -> np.uint64:
    digest = hashlib.blake2b(path.encode("utf-8"), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def judgement_uniforms(keys: np.ndarray, path: str) -> np.ndarray:
    """Each run's uniform in (0, 1) for one judgement, from the run's key (its seed)."""
    with np.errstate(over="ignore"):
        x = mix(mix(np.asarray(keys, dtype=np.uint64) ^ _salt(path)))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def draw_judgements(
    judgements: list[Judgement], keys: np.ndarray, skip: set[str] | frozenset[str] = frozenset()
) -> dict[str, np.ndarray]:
    """Each run's values of the judgements (``{path: [R]}``), keyed by the runs' seeds.

    ``skip`` leaves out paths fixed otherwise (a sweep's design, say).
    """
    return {
        j.path: j.quantile(judgement_uniforms(keys, j.path))
        for j in judgements
        if j.path not in skip
    }


def with_draws(
    values: dict[str, np.ndarray] | None, judgements: list[Judgement], keys: np.ndarray
) -> dict[str, np.ndarray]:
    """A run table's values, with each judgement it does not fix drawn for its runs.

    Drawn judgements come first, so a value the table gives (a design's, applied after
    them) wins, and a salience drawn is rescaled as the design's are.
    """
    values = dict(values or {})
    drawn = draw_judgements(judgements, keys, skip=set(values))
    return {**drawn, **values}
