"""Each run's random numbers, from its seed: the monthly shocks and the ratification draws.

A counter-based generator (SplitMix64's finaliser of the seed, the month and the stream),
so the draws of a million runs are one vectorized pass, and a run draws the same numbers
whichever engine runs it and whatever other runs share its batch. Shocks are standard
normals by the Box-Muller transform, one pair per month (one for each state).
"""

from __future__ import annotations

import numpy as np

from negsim.judgements import _mix

STREAMS = 4
"""Uniforms drawn per month: two for the states' shocks, two for their ratification draws."""

_SALT = np.uint64(0x6E65_6773_696D_0001)  # keeps these streams apart from the judgements'


def month_draws(seeds: np.ndarray, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Each run's shocks (standard normal) and ratification uniforms, ``[R, T, 2]`` each."""
    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
    counters = np.arange(months * STREAMS, dtype=np.uint64)
    with np.errstate(over="ignore"):
        keys = _mix(seeds ^ _SALT)
        bits = _mix(keys[:, None] + counters[None, :]).reshape(len(seeds), months, STREAMS)
    # 53 random bits, centred in their interval: every uniform lies strictly inside (0, 1).
    u = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    radius = np.sqrt(-2.0 * np.log(u[..., 0]))
    angle = 2.0 * np.pi * u[..., 1]
    shocks = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1)
    return shocks, np.ascontiguousarray(u[..., 2:])
