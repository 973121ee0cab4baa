"""Tabulate every calibrated value of the shipped scenarios with its source (docs/calibration.md).

Run: ``python experiments/calibration_tables.py [--write docs/calibration.md]``; with
``--write`` the tables replace the text between the calibration-table markers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from negsim.catalog import shipped_scenarios
from negsim.dynamics import MOTIVATION_NAMES
from negsim.scenario import load_scenario

START, END = "<!-- values:start -->", "<!-- values:end -->"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "/").replace("\n", " ")


def shown(v) -> str:
    """A value, with its range and distribution where it carries one."""
    if v.range is None:
        return f"{v.value:g}"
    return f"{v.value:g} ({v.range[0]:g} to {v.range[1]:g}, {v.distribution})"


def tables() -> str:
    """One section per shipped scenario: motivations, saliences, driver scales and points."""
    out = []
    for path in shipped_scenarios():
        s = load_scenario(path)
        out += [
            f"### {s.title} (`{path.name}`)",
            "",
            "| parameter | value (range, distribution) | source or reason |",
            "|---|---|---|",
        ]
        for sid, state in s.states.items():
            for m in MOTIVATION_NAMES:
                v = getattr(state, m)
                out.append(f"| states.{sid}.{m} | {shown(v)} | {cell(v.source)} |")
        for iid, issue in s.issues.items():
            for sid, v in issue.salience.items():
                out.append(f"| issues.{iid}.salience.{sid} | {shown(v)} | {cell(v.source)} |")
        for name, driver in s.drivers.items():
            scale = driver.scale
            out.append(f"| drivers.{name}.scale | {shown(scale)} | {cell(scale.source)} |")
            for target, points in driver.series.items():
                for p in points:
                    out.append(
                        f"| drivers.{name} ({target}) {p.date} | {p.value:g} | {cell(p.source)} |"
                    )
        out.append("")
    return "\n".join(out)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    text = tables()
    if args.write:
        doc = args.write.read_text(encoding="utf-8")
        head, _, rest = doc.partition(START)
        _, _, tail = rest.partition(END)
        args.write.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
