"""Choose the global constants on the text findings and the validation cases together.

Run: ``python experiments/calibrate_constants.py [--rounds N] [--replications R]``.

Every candidate set of constants is scored the same way: F1-F10 (``negsim reproduce``
at ``--findings-replications``) must all pass; among those that do, the score is the
validation's balanced accuracy plus its package direction (``negsim validate`` at
``--replications``). The search is a coordinate search from the current constants: each
round tries each constant in turn at each factor in ``--factors`` and keeps the best of
them where it improves the score, until a round improves nothing. Per-case tuning is impossible by
construction: one set of constants is scored on all cases at once, and no case file is
read except through the same harness ``negsim validate`` uses.

Prints one line per candidate and, at the end, the best constants as Python keyword
arguments for ``negsim.constants.Constants``; it does not edit the code.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from negsim.catalog import find_scenario, validation_dir
from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.findings import Context, evaluate, load_definitions
from negsim.validation import load_answer_keys, load_cases, validate


@dataclass(frozen=True)
class Score:
    """How one set of constants does: findings passed, and the validation's figures."""

    findings: int
    of: int
    phases_right: int
    balanced_accuracy: float
    package: float

    @property
    def admissible(self) -> bool:
        """All findings hold."""
        return self.findings == self.of

    @property
    def value(self) -> float:
        """What the search maximises (findings first)."""
        return (0.0 if self.admissible else -10.0 + self.findings) + (
            self.balanced_accuracy + self.package
        )

    def text(self) -> str:
        """One line."""
        return (
            f"findings {self.findings}/{self.of}  phases {self.phases_right}  "
            f"BA {self.balanced_accuracy:.3f}  package {self.package:.3f}  "
            f"score {self.value:.3f}"
        )


def score(c: Constants, cases, definitions, reps: int, finding_reps: int, floor: float) -> Score:
    """Score one set of constants on the validation cases, then (if it beats ``floor``) findings.

    Findings are measured only for a candidate whose validation could beat ``floor``; the
    others are reported as passing none, which is all the search needs to know.
    """
    totals = validate(cases, replications=reps, constants=c).totals()
    ba, package = totals["balanced_accuracy"] or 0.0, totals["package_direction"] or 0.0
    passed = 0
    if ba + package > floor:
        ctx = Context(constants=c, replications=finding_reps)
        passed = sum(evaluate(d, ctx).passed for d in definitions)
    return Score(passed, len(definitions), totals["phases_right"], ba, package)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--findings-replications", type=int, default=20)
    parser.add_argument("--factors", type=float, nargs="+", default=[0.6, 0.8, 1.25, 1.6])
    parser.add_argument("--only", nargs="+", default=None, help="constants to move")
    parser.add_argument(
        "--start", nargs="+", default=[], metavar="NAME=VALUE", help="start from these values"
    )
    args = parser.parse_args()
    folder = validation_dir()
    keys = load_answer_keys(folder)
    cases = load_cases(keys, folder, find_scenario)
    definitions = load_definitions()
    started = time.time()

    def run(c: Constants, label: str, floor: float = -1.0) -> Score:
        s = score(c, cases, definitions, args.replications, args.findings_replications, floor)
        print(f"[{time.time() - started:6.0f} s] {label:34} {s.text()}", flush=True)
        return s

    best_c = DEFAULT_CONSTANTS
    for item in args.start:
        name, _, value = item.partition("=")
        best_c = best_c.scaled(name, float(value) / getattr(best_c, name))
    best = run(best_c, "(current)")
    names = args.only or Constants.names()
    for k in range(args.rounds):
        improved = False
        for name in names:
            tried = [
                (run(c, f"round {k + 1}: {name} x{f:g}", best.value), c)
                for f in args.factors
                for c in [best_c.scaled(name, f)]
            ]
            top, top_c = max(tried, key=lambda m: m[0].value)
            if top.value > best.value + 1e-9:
                best, best_c, improved = top, top_c, True
                print(f"kept {name} = {getattr(best_c, name):.4g}: {best.text()}", flush=True)
        if not improved:
            break
    print("best:", best.text())
    changed = {
        n: round(getattr(best_c, n), 4)
        for n in Constants.names()
        if getattr(best_c, n) != getattr(DEFAULT_CONSTANTS, n)
    }
    print("Constants(" + ", ".join(f"{n}={v}" for n, v in changed.items()) + ")")
    sys.exit(0)


if __name__ == "__main__":
    main()
