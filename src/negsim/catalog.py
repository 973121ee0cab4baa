"""Where shipped scenarios live, so a scenario can be named rather than pathed."""

from __future__ import annotations

import sys
from pathlib import Path

INSTALLED = Path(sys.prefix) / "share" / "negsim" / "scenarios"


def scenario_dirs() -> list[Path]:
    """Search order: ./scenarios, the source checkout's, then the installed copy."""
    here = Path(__file__).resolve().parents[2] / "scenarios"
    dirs = [Path.cwd() / "scenarios", here, INSTALLED]
    seen, out = set(), []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.add(d.resolve())
            out.append(d)
    return out


def shipped_scenarios() -> list[Path]:
    """The shipped scenario files, by name."""
    found: dict[str, Path] = {}
    for d in scenario_dirs():
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
    return [found[k] for k in sorted(found)]


def find_scenario(name_or_path: str) -> Path:
    """A path as given, or a shipped scenario's file by its name."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return path
    for p in shipped_scenarios():
        if p.stem == name_or_path:
            return p
    return path
