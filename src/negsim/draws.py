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


# numpy's SeedSequence (NEP 19, after Melissa O'Neill's seed_seq_fe), for the entropy
# [master seed, run index]: each run's seed, as numpy derives it, without a Python object
# per run. 32-bit words held in 64-bit integers and masked.
_WORD = np.uint64(0xFFFFFFFF)
_POOL = 4
_INIT_A, _MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)
_INIT_B, _MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)
_MIX_L, _MIX_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
_HALF = np.uint64(16)


@rule
def _hashmix(value: np.uint64, hashed: np.uint64) -> tuple[np.uint64, np.uint64]:
    value = value ^ hashed
    hashed = (hashed * _MULT_A) & _WORD
    value = (value * hashed) & _WORD
    return value ^ (value >> _HALF), hashed


@rule
def _mix_words(x: np.uint64, y: np.uint64) -> np.uint64:
    result = (_MIX_L * x - _MIX_R * y) & _WORD
    return result ^ (result >> _HALF)


@rule
def run_seed_of(master: np.uint64, index: np.uint64) -> np.uint64:
    """Run ``index``'s seed under ``master``: numpy's ``SeedSequence([master, index])``'s
    first 64-bit word of state (both below 2**64)."""
    entropy = np.zeros(_POOL, np.uint64)
    n = 0
    for number in (master, index):  # each number as its 32-bit words, low first (0: one word)
        entropy[n] = number & _WORD
        n += 1
        if number >> np.uint64(32):
            entropy[n] = number >> np.uint64(32)
            n += 1
    pool = np.zeros(_POOL, np.uint64)
    hashed = _INIT_A
    for i in range(_POOL):
        pool[i], hashed = _hashmix(entropy[i] if i < n else np.uint64(0), hashed)
    for source in range(_POOL):
        for target in range(_POOL):
            if source != target:
                mixed, hashed = _hashmix(pool[source], hashed)
                pool[target] = _mix_words(pool[target], mixed)
    words = np.zeros(2, np.uint64)
    hashed = _INIT_B
    for i in range(2):
        value = pool[i] ^ hashed
        hashed = (hashed * _MULT_B) & _WORD
        value = (value * hashed) & _WORD
        words[i] = value ^ (value >> _HALF)
    return words[0] | (words[1] << np.uint64(32))


@kernel
def run_seeds_of(master: np.uint64, first: np.uint64, out: np.ndarray) -> None:
    """The seeds of runs ``first .. first + len(out) - 1`` under ``master``, into ``out``."""
    for k in range(out.shape[0]):
        out[k] = run_seed_of(master, first + np.uint64(k))


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
