"""Robustness of findings F1-F10 to each global constant moved by -20 % and +20 %.

Run: ``python experiments/robustness.py [--replications R] [--write docs/calibration.md]``.
Prints a Markdown table (one row per constant and direction, one column per finding);
with ``--write`` it replaces the table between the robustness markers of that file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from negsim.constants import DEFAULT_CONSTANTS
from negsim.findings import Context, evaluate, load_definitions

START, END = "<!-- robustness:start -->", "<!-- robustness:end -->"


def table(replications: int | None, factors: tuple[float, ...]) -> str:
    """The robustness table as Markdown."""
    definitions = load_definitions()
    ids = [d.id for d in definitions]
    lines = [
        "| constant | value | " + " | ".join(ids) + " | holds |",
        "|---|---|" + "---|" * len(ids) + "---|",
    ]
    rows = [("(calibrated)", 1.0)] + [(n, f) for n in DEFAULT_CONSTANTS.names() for f in factors]
    for k, (name, factor) in enumerate(rows, 1):
        constants = DEFAULT_CONSTANTS if factor == 1.0 else DEFAULT_CONSTANTS.scaled(name, factor)
        ctx = Context(constants=constants, replications=replications)
        passed = [evaluate(d, ctx).passed for d in definitions]
        value = getattr(constants, name) if name in DEFAULT_CONSTANTS.names() else ""
        label = name if factor == 1.0 else f"{name} x{factor:g}"
        cells = " | ".join("yes" if p else "**no**" for p in passed)
        lines.append(
            f"| {label} | {value:.4g} | {cells} | {sum(passed)}/{len(passed)} |"
            if value != ""
            else f"| {label} |  | {cells} | {sum(passed)}/{len(passed)} |"
        )
        print(f"[{k}/{len(rows)}] {label}: {sum(passed)}/{len(passed)}", file=sys.stderr)
    return "\n".join(lines)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    started = time.time()
    markdown = table(args.replications, (0.8, 1.2))
    print(markdown)
    print(f"({time.time() - started:.0f} s)", file=sys.stderr)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        args.write.write_text(f"{head}{START}\n{markdown}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
