"""Compiling the monthly rules with numba, once per machine.

The rules in :mod:`negsim.dynamics` that carry a month's arithmetic are written once, as
plain Python over one state's issues, and compiled here: :func:`rule` for a scalar or
one-row function the others call (inlined into its callers, so a run's month costs no
calls), :func:`row_rule` for the broadcasting form (a generalized ufunc) through which the
Mesa agents reach the same rules for their own row. Compiled code is cached on disk beside
the source (numba's ``cache=True``), so the compile cost (several seconds) is paid by the
first import on a machine, not by every run.

numba checks a cached function against its own file only; a kernel in one module that
inlines rules from another would outlive a change to them. :func:`renew_stale_cache`
therefore drops every cached function of :data:`COMPILED_MODULES` once any of their
sources changes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

from numba import guvectorize, njit, types, vectorize
from numba.core import cgutils
from numba.extending import intrinsic

COMPILED_MODULES = ("compiled", "dynamics", "draws", "runstate", "month")
"""The modules that define compiled code (a change to one renews the others' cache)."""

FROZEN_SOURCES = ("timeline", "parameters")
"""Modules whose constants the compiled code freezes when it is built (the event actions'
codes, the event kinds): a change to them renews the cache too."""

_STAMP = "negsim-rules.stamp"


def renew_stale_cache(package: Path = Path(__file__).parent) -> bool:
    """Drop cached compiled code built from older sources; True if it did.

    The stamp is a digest of the compiled modules' sources, kept in the package's
    ``__pycache__``. Where that folder cannot be written (a read-only install, whose
    sources never change in place), nothing is done.
    """
    sources = b"".join(
        (package / f"{name}.py").read_bytes() for name in (*COMPILED_MODULES, *FROZEN_SOURCES)
    )
    digest = hashlib.blake2b(sources, digest_size=16).hexdigest()
    cache = package / "__pycache__"
    stamp = cache / _STAMP
    with contextlib.suppress(OSError):
        if stamp.read_text(encoding="ascii") == digest:
            return False
    try:
        for name in COMPILED_MODULES:  # a gufunc's own wrapper is cached as "guf-<module>..."
            for cached in [*cache.glob(f"{name}.*.nb[ic]"), *cache.glob(f"guf-{name}.*.nb[ic]")]:
                with contextlib.suppress(FileNotFoundError):  # another process got there first
                    cached.unlink()
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest, encoding="ascii")
    except OSError:
        return False
    return True


renew_stale_cache()


def rule(fn: Callable) -> Callable:
    """A rule other compiled rules call: compiled, inlined into its callers, cached on disk.

    numpy's error model: a division by zero gives inf or nan, as in the numpy wrappers,
    never an exception inside a compiled loop.
    """
    return njit(cache=True, nogil=True, inline="always", error_model="numpy")(fn)


def kernel(fn: Callable) -> Callable:
    """A compiled loop called from Python (the batch engine's runs), cached on disk."""
    return njit(cache=True, nogil=True, error_model="numpy")(fn)


class _Lazy:
    """A ufunc or gufunc built at its first call, not at import.

    Given a signature, numba builds (or loads from its cache) a ufunc as soon as it is
    defined: the numpy-facing forms of the rules made every import of the package, and so
    every command and sweep worker, pay most of a second before running anything, mostly
    for forms the batch engine never calls.
    """

    def __init__(self, build: Callable[[], Callable], fn: Callable) -> None:
        functools.update_wrapper(self, fn)
        self._build, self._built = build, None
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        built = self._built
        if built is None:
            with self._lock:  # the app's sessions run in threads
                if self._built is None:
                    self._built = self._build()
                built = self._built
        return built(*args, **kwargs)


def row_rule(signature: str, layout: str) -> Callable[[Callable], Callable]:
    """A rule over one row of issues that broadcasts over any leading dimensions (a gufunc)."""

    def lazily(fn: Callable) -> Callable:
        return _Lazy(lambda: guvectorize([signature], layout, nopython=True, cache=True)(fn), fn)

    return lazily


def elementwise_rule(signature: str) -> Callable[[Callable], Callable]:
    """A rule over single numbers that broadcasts over arrays (a ufunc), calling a :func:`rule`."""

    def lazily(fn: Callable) -> Callable:
        return _Lazy(lambda: vectorize([signature], cache=True)(fn), fn)

    return lazily


@intrinsic
def unowned(typingctx, value):
    """The same arrays (an array, or a tuple of them, nested), carrying no reference count.

    A compiled loop that makes many views of arrays a month (a state's row, a run's row)
    pays an atomic increment and decrement for each, a fifth of a run's time; views of an
    unowned array cost none. Only for arrays the caller holds for as long as the views
    live: a function's own arguments, never an array it allocated itself.
    """

    def strip(context, builder, typ, val):
        if isinstance(typ, types.Array):
            array = cgutils.create_struct_proxy(typ)(context, builder, value=val)
            array.meminfo = cgutils.get_null_value(array.meminfo.type)
            array.parent = cgutils.get_null_value(array.parent.type)
            return array._getvalue()
        if isinstance(typ, types.BaseTuple):
            items = [
                strip(context, builder, t, builder.extract_value(val, i)) for i, t in enumerate(typ)
            ]
            return context.make_tuple(builder, typ, items)
        return val

    def codegen(context, builder, signature, args):
        return strip(context, builder, signature.args[0], args[0])

    return value(value), codegen
