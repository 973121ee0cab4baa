"""Where shipped files live (scenarios, case files, finding definitions, answer keys), so
they can be named, not pathed."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

INSTALLED = Path(sys.prefix) / "share" / "negsim"
CHECKOUT = Path(__file__).resolve().parents[2]


def shipped_dirs(relative: str) -> list[Path]:
    """Search order for a shipped folder: under the current directory, the source checkout,
    then the copy installed with the package (``share/negsim``)."""
    dirs = [Path.cwd() / relative, CHECKOUT / relative, INSTALLED / Path(relative).name]
    seen, out = set(), []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.add(d.resolve())
            out.append(d)
    return out


def scenario_dirs() -> list[Path]:
    """Where shipped scenarios are looked for."""
    return shipped_dirs("scenarios")


def first_dir_with(relative: str, pattern: str) -> Path | None:
    """The first shipped folder (in search order) holding files that match ``pattern``."""
    return next((d for d in shipped_dirs(relative) if any(d.glob(pattern))), None)


def findings_dir() -> Path | None:
    """The folder of finding definitions (F1.yaml ... F10.yaml), if one is found."""
    return first_dir_with("experiments/findings", "F*.yaml")


def case_dirs() -> list[Path]:
    """Where the validation cases' scenario files (``scenarios/cases``) are looked for."""
    return shipped_dirs("scenarios/cases")


def validation_dir() -> Path | None:
    """The folder of validation answer keys (``experiments/validation``), if one is found."""
    return first_dir_with("experiments/validation", "*.yaml")


def _by_name(dirs: list[Path]) -> list[Path]:
    found: dict[str, Path] = {}
    for d in dirs:
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
    return [found[k] for k in sorted(found)]


def shipped_scenarios() -> list[Path]:
    """The shipped scenario files, by name (the case files apart)."""
    return _by_name(scenario_dirs())


def shipped_cases() -> list[Path]:
    """The validation cases' scenario files, by name (``<case>__<phase>``)."""
    return _by_name(case_dirs())


def find_scenario(name_or_path: str) -> Path:
    """A path as given, or a shipped scenario's or case's file by its name."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return path
    for p in [*shipped_scenarios(), *shipped_cases()]:
        if p.stem == name_or_path:
            return p
    return path


def locate_scenario(name_or_path: str | Path) -> Path:
    """The file of a scenario given by path or shipped name; an unknown name is refused
    (:class:`~negsim.scenario.ScenarioError`) with the nearest shipped names."""
    import difflib

    from negsim.scenario import ScenarioError

    path = find_scenario(str(name_or_path))
    if path.exists():
        return path
    names = [p.stem for p in [*shipped_scenarios(), *shipped_cases()]]
    near = difflib.get_close_matches(path.stem, names, n=3, cutoff=0.6)
    bare_name = path.suffix not in (".yaml", ".yml") and len(path.parts) == 1
    if not near and not bare_name:
        return path  # a missing file: reading it reports that, naming the path
    what = "no such file and no shipped scenario of that name"
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    raise ScenarioError(str(name_or_path), [("", f"{what}{hint} (negsim list shows them all)")])


def offered_scenarios(named: Iterable[str | Path] = ()) -> dict[str, Path]:
    """What a server may open, by the name its page shows: the shipped scenarios, then files
    named when it started (by their stem, or their full path where the stem is taken).

    Nothing else is opened, whatever a page sends: a name maps to a path only through this.
    """
    offered = {p.stem: p for p in shipped_scenarios()}
    shipped = {p.resolve(): name for name, p in offered.items()}
    for item in named:
        path = Path(item).resolve()
        if path in shipped or path in offered.values():
            continue
        offered[path.stem if path.stem not in offered else str(path)] = path
    return offered


def offered_name(offered: dict[str, Path], path: str | Path) -> str | None:
    """The name under which ``path`` is offered, if it is."""
    path = Path(path).resolve()
    for name, p in offered.items():
        if p.resolve() == path:
            return name
    return None
