"""Each run's random numbers, from its seed: the monthly shocks and the ratification draws.

A counter-based generator (SplitMix64's finaliser of the seed, the month and the stream),
so a run draws the same numbers whichever engine runs it and whatever other runs share
its batch, and the batch engine draws a month's numbers where it needs them instead of
holding them all. Shocks are standard normals by the Box-Muller transform, one pair per
month (one for each state). :func:`month_draw_of` is the one definition: the Mesa model
draws its run's months with it up front (:func:`month_draws`), the batch engine month by
month inside its compiled loop.
"""

from __future__ import annotations

import math

import numpy as np

from negsim.compiled import elementwise_rule, kernel, rule

STREAMS = 4
"""Uniforms drawn per month: two for the states' shocks, two for their ratification draws."""

SALT = np.uint64(0x6E65_6773_696D_0001)  # keeps these streams apart from the judgements'


@rule
def mix_of(x: np.uint64) -> np.uint64:
    """SplitMix64's finaliser of one 64-bit word (wrapping arithmetic)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@elementwise_rule("uint64(uint64)")
def mix(x: np.uint64) -> np.uint64:
    """SplitMix64's finaliser over uint64 arrays (the judgements' and calibration's draws)."""
    return mix_of(x)


@rule
def uniform_of(bits: np.uint64) -> float:
    """53 random bits as a uniform, centred in its interval: strictly inside (0, 1)."""
    return (float(bits >> np.uint64(11)) + 0.5) * 2.0**-53


@rule
def draw_key_of(seed: np.uint64) -> np.uint64:
    """A run's key for its monthly draws, from its seed."""
    return mix_of(seed ^ SALT)


@rule
def month_draw_of(key: np.uint64, month: int, out: np.ndarray) -> None:
    """One month's draws into ``out``: the two states' shocks, then their two uniforms."""
    counter = key + np.uint64(month) * np.uint64(STREAMS)
    first = uniform_of(mix_of(counter))
    second = uniform_of(mix_of(counter + np.uint64(1)))
    radius = math.sqrt(-2.0 * math.log(first))
    angle = 2.0 * math.pi * second
    out[0] = radius * math.cos(angle)
    out[1] = radius * math.sin(angle)
    out[2] = uniform_of(mix_of(counter + np.uint64(2)))
    out[3] = uniform_of(mix_of(counter + np.uint64(3)))


@kernel
def _month_draws(seeds: np.ndarray, shocks: np.ndarray, uniforms: np.ndarray) -> None:
    draw = np.empty(STREAMS)
    for r in range(seeds.shape[0]):
        key = draw_key_of(seeds[r])
        for t in range(shocks.shape[1]):
            month_draw_of(key, t, draw)
            shocks[r, t, 0], shocks[r, t, 1] = draw[0], draw[1]
            uniforms[r, t, 0], uniforms[r, t, 1] = draw[2], draw[3]


def month_draws(seeds: np.ndarray, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Each run's shocks (standard normal) and ratification uniforms, ``[R, T, 2]`` each."""
    seeds = np.ascontiguousarray(seeds, dtype=np.uint64).reshape(-1)
    shocks, uniforms = np.empty((len(seeds), months, 2)), np.empty((len(seeds), months, 2))
    _month_draws(seeds, shocks, uniforms)
    return shocks, uniforms
