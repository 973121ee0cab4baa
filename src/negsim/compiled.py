"""Compiling the monthly rules with numba, once per machine.

The rules in :mod:`negsim.dynamics` that carry most of a month's arithmetic are written
once, as plain Python over one state's issues, and compiled here: :func:`rule` for a
scalar or one-row function the others call, :func:`row_rule` for the broadcasting form
(a generalized ufunc) that both engines call, one Mesa agent's row or every run's rows at
once. Compiled code is cached on disk beside the source (numba's ``cache=True``), so the
compile cost (a few seconds) is paid by the first import on a machine, not by every run.
"""

from __future__ import annotations

from collections.abc import Callable

from numba import guvectorize, njit, vectorize


def rule(fn: Callable) -> Callable:
    """A rule other compiled rules call: compiled to machine code, cached on disk."""
    return njit(cache=True, nogil=True)(fn)


def row_rule(signature: str, layout: str) -> Callable[[Callable], Callable]:
    """A rule over one row of issues that broadcasts over any leading dimensions (a gufunc)."""
    return guvectorize([signature], layout, nopython=True, cache=True)


def elementwise_rule(signature: str) -> Callable[[Callable], Callable]:
    """A rule over single numbers that broadcasts over arrays (a ufunc), calling a :func:`rule`."""
    return vectorize([signature], cache=True)
