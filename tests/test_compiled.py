"""The compiled rules' disk cache: renewed whenever a source it was built from changes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import negsim
from negsim.compiled import COMPILED_MODULES, FROZEN_SOURCES, renew_stale_cache

PACKAGE = Path(negsim.__file__).parent


def test_every_module_with_compiled_code_renews_the_cache():
    compiled = {
        path.stem
        for path in PACKAGE.glob("*.py")
        if re.search(r"from negsim\.compiled import|^from numba", path.read_text(), re.M)
    }
    assert compiled <= set(COMPILED_MODULES)


def test_a_changed_rule_drops_the_cached_code_built_from_it(tmp_path):
    package = tmp_path / "negsim"
    package.mkdir()
    for name in (*COMPILED_MODULES, *FROZEN_SOURCES):
        shutil.copy(PACKAGE / f"{name}.py", package)
    cache = package / "__pycache__"
    cache.mkdir()
    kept = cache / "scenario.cpython-312.pyc"
    kept.write_text("not numba's")

    def cached() -> list[Path]:
        # a kernel, and a gufunc's wrapper (numba caches it apart, as "guf-..."): a wrapper
        # kept after its kernel was dropped calls code that is no longer there (a crash)
        paths = [
            cache / "month.runs_of-300.py312.nbi",
            cache / "guf-dynamics._targets-690.py312.nbi",
        ]
        for path in paths:
            path.write_text("index")
        return paths

    assert renew_stale_cache(package)  # no stamp yet: whatever is cached is dropped
    indexes = cached()
    assert not renew_stale_cache(package)  # the same sources: the cache stands
    assert all(index.exists() for index in indexes)
    helpers = package / "compiled.py"  # not the gufunc's own module
    helpers.write_text(helpers.read_text() + "\n# a changed helper\n")
    assert renew_stale_cache(package)
    assert not any(index.exists() for index in indexes)  # built from the old code: dropped
    indexes = cached()
    codes = package / "timeline.py"  # constants the kernels froze when they were built
    codes.write_text(codes.read_text() + "\n# a changed event code\n")
    assert renew_stale_cache(package)
    assert not any(index.exists() for index in indexes)
    assert kept.exists()  # what is not numba's is left alone


def test_run_seeds_are_numpys_seed_sequence():
    import numpy as np

    from negsim.simulation import replication_seed, replication_seeds

    def numpys(master: int, index: int) -> int:
        state = np.random.SeedSequence([master, index]).generate_state(1, dtype=np.uint64)
        return int(state[0])

    rng = np.random.default_rng(0)
    masters = [0, 1, 2**32 - 1, 2**32, 2**63 - 1, *rng.integers(0, 2**63, 40, dtype=np.uint64)]
    for master in masters:
        firsts = [0, 2**32 - 3, int(rng.integers(0, 2**62))]
        for first in firsts:
            got = replication_seeds(int(master), 4, first)
            assert [int(x) for x in got] == [numpys(int(master), first + k) for k in range(4)]
    assert replication_seed(7, 12) == numpys(7, 12)
