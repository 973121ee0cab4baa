"""Compute the figures the docs quote from runs, and check or rewrite them in the docs.

Each figure the README or a guide quotes from a run stands between markers,
``<!--q:ID-->June 1965<!--/q-->``, and ``docs/quoted_figures.yaml`` says how it is computed
(a scenario, its ``--set`` overrides and a measure of the run ``negsim run`` makes, seed 0;
with ``replications: R``, of ``negsim run -r R`` and with ``fixed: true`` of ``-r R --fixed``).

    python experiments/quoted_figures.py           # quoted, computed, DRIFT; exit 1 on drift
    python experiments/quoted_figures.py --write   # rewrite the quoted figures from the runs

``tests/test_quoted_figures.py`` fails, naming each figure that drifted, whenever the model
or a scenario changes a number the docs quote; re-run with ``--write`` and re-read the
sentences around the figures that moved.
"""

from __future__ import annotations

import argparse
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from negsim.calendar import parse_month
from negsim.scenario import load_scenario
from negsim.simulation import replicate, replication_seed, simulate

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "docs" / "quoted_figures.yaml"
MARKER = re.compile(r"<!--q:(?P<id>[A-Za-z0-9_]+)-->(?P<text>.*?)<!--/q-->", re.S)
MONTHS = "January February March April May June July August September October November December"


def month_words(month: str) -> str:
    """``1965-06`` -> ``June 1965``."""
    index = parse_month(month)
    return f"{MONTHS.split()[index % 12]} {index // 12}"


@cache
def _run(
    scenario: str,
    overrides: tuple[tuple[str, Any], ...],
    replications: int = 1,
    fixed: bool = False,
) -> dict[str, Any]:
    """The summary of ``negsim run SCENARIO --set ... [-r R [--fixed]]`` (seed 0, as the app's
    default run and its *How sure?* with the levers at these values)."""
    spec = load_scenario(scenario, dict(overrides))
    _, summary = simulate(spec, seed=replication_seed(0, 0))
    if replications > 1:
        summary |= replicate(spec, 0, replications, draw=not fixed)
    return summary


def measure(summary: dict[str, Any], name: str) -> Any:
    """One measure of a run's summary: ``agreement``, ``agreement_year``, ``mean_final_gap``,
    ``final_gap:ISSUE``, ``package_value:ISSUE``, ``mean_share:STATE``, ``share:STATE:ISSUE``;
    of replications: ``probability``, ``probability_fixed``, ``date_quantiles`` (10/50/90 %)
    and ``spread_from_judgements:agreed`` (or ``:agreement_month``)."""
    kind, *args = name.split(":")
    if kind == "probability":
        return summary["agreement_probability"]
    if kind == "probability_fixed":
        return summary["agreement_probability_fixed"]
    if kind == "date_quantiles":
        q = summary["agreement_date_quantiles"]
        return f"{q['q10']} / {q['q50']} / {q['q90']}" if q else "no agreement"
    if kind == "spread_from_judgements":
        return summary["spread"][args[0]]["from_judgements"]
    date = summary["agreement_date"]
    if kind == "agreement":
        return f"agreement in {month_words(date)}" if date else "no agreement"
    if kind == "agreement_month":
        return month_words(date) if date else "no agreement"
    if kind == "agreement_year":
        return date[:4] if date else "no agreement"
    if kind == "mean_final_gap":
        gaps = summary["final_gap"].values()
        return sum(gaps) / len(gaps)
    if kind == "final_gap":
        return summary["final_gap"][args[0]]
    if kind == "package_value":
        return summary["package"][args[0]]["value"] if summary["package"] else None
    if kind == "mean_share":
        return summary["mean_concession"][args[0]]
    if kind == "share":
        return summary["concession_share"][args[0]][args[1]]
    raise ValueError(f"unknown measure {name!r}")


def computed() -> dict[str, str]:
    """Every quoted figure of docs/quoted_figures.yaml, computed from its run and formatted."""
    table = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["figures"]
    out = {}
    for fid, spec in table.items():
        overrides = tuple(sorted((spec.get("set") or {}).items()))
        run = _run(
            spec["scenario"], overrides, spec.get("replications", 1), spec.get("fixed", False)
        )
        value = measure(run, spec["measure"])
        fmt = spec.get("format", "{:.2f}")
        if isinstance(value, int | float):
            value = round(float(value), 9) + 0.0  # no "-0.00"
            out[fid] = fmt.format(value)
        else:
            out[fid] = str(value)
    return out


def quoted() -> list[tuple[Path, str, str]]:
    """Every marked figure in the README and docs: (file, id, the text quoted)."""
    files = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return [
        (path, m["id"], m["text"])
        for path in files
        for m in MARKER.finditer(path.read_text(encoding="utf-8"))
    ]


def drift() -> list[tuple[str, str, str, str]]:
    """(file, id, quoted, computed) for every quoted figure that differs from its run;
    an id with no entry in the table is reported with computed ``?``."""
    values = computed()
    return [
        (str(path.relative_to(REPO)), fid, text, values.get(fid, "?"))
        for path, fid, text in quoted()
        if values.get(fid) != text
    ]


def write() -> list[Path]:
    """Rewrite every marked figure from its run; the files changed."""
    values = computed()
    changed = []
    for path in {p for p, _, _ in quoted()}:
        text = path.read_text(encoding="utf-8")
        new = MARKER.sub(
            lambda m: f"<!--q:{m['id']}-->{values.get(m['id'], m['text'])}<!--/q-->", text
        )
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the figures in the docs")
    args = parser.parse_args()
    if args.write:
        for path in write():
            print(f"rewrote {path.relative_to(REPO)}")
    values = computed()
    bad = 0
    for path, fid, text in quoted():
        now = values.get(fid, "? (no entry in docs/quoted_figures.yaml)")
        flag = "" if now == text else "   DRIFT"
        bad += bool(flag)
        print(f"{path.relative_to(REPO)!s:22} {fid:34} {text!r:24} {now!r}{flag}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
