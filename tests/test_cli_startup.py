"""The command line starts fast: importing it loads none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("mesa", "pandas", "matplotlib", "solara", "dask", "SALib", "pyarrow")


def modules_after(statement: str) -> set[str]:
    """The top-level modules loaded in a fresh interpreter after running ``statement``."""
    code = f"{statement}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def test_importing_the_cli_loads_no_heavy_library():
    loaded = modules_after("import negsim.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_loads_no_heavy_library():
    loaded = modules_after(
        "import sys\nfrom negsim.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_package_still_exports_the_model_on_first_use():
    loaded = modules_after("from negsim import NegotiationModel, simulate")
    assert "mesa" in loaded and "pandas" in loaded


def test_every_public_name_resolves():
    import negsim

    assert sorted(negsim.__all__) == sorted(negsim._EXPORTS)
    for name in negsim.__all__:
        assert getattr(negsim, name) is not None


BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {module!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
sys.argv = ["negsim", *{args!r}]
from negsim.cli import main
main()
"""


def run_without(module: str, *args: str) -> subprocess.CompletedProcess:
    """``negsim ARGS`` in a fresh interpreter in which ``module`` cannot be imported."""
    code = BLOCK.format(module=module, args=list(args))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_a_missing_dependency_gets_one_line_saying_what_to_install():
    done = run_without("solara", "app", "--port", "0")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "'solara' is not installed" in line and "pip install 'solara[assets]" in line
    assert "serving on" not in done.stdout
