"""The bad-input corpus: crafted inputs fed to check, run, sweep and app as a user would.

Each case must end with exit status 2, a message and no traceback, within a timeout (no
hang), leaving no file behind. The cases are generated here from the shipped 1965 scenario
(issue 12 lists where each came from). ``python tests/test_bad_input_corpus.py`` prints the
counts: tried / clean / traceback / hang / lost (a file left behind or a wrong status).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "rok_japan_1951_1965.yaml"
NEGSIM = str(Path(sys.executable).with_name("negsim"))
TIMEOUT = 60
TEXT = SCENARIO.read_text(encoding="utf-8")


def _after(anchor: str, line: str) -> str:
    """The scenario with ``line`` inserted after the line holding ``anchor``."""
    head, sep, rest = TEXT.partition(anchor)
    cut = rest.index("\n") + 1
    return head + sep + rest[:cut] + line + "\n" + rest[cut:]


def _doc(change: Callable[[dict], None]) -> str:
    doc = yaml.safe_load(TEXT)
    change(doc)
    return yaml.safe_dump(doc, sort_keys=False)


def _bomb(levels: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for k in range(1, levels + 1):
        lines.append(f"lol{k}: &lol{k} [" + ", ".join([f"*lol{k - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def _event(change: dict) -> Callable[[dict], None]:
    def go(doc: dict) -> None:
        doc["events"].append({"date": "1955-01", "label": "x", "source": "x", "changes": [change]})

    return go


def _rok(field: str, value) -> Callable[[dict], None]:
    return lambda doc: doc["states"]["ROK"].update({field: value})


def _first_point(doc: dict, value) -> None:
    series = next(iter(doc["drivers"]["us_pressure"]["series"].values()))
    series[0]["value"] = value


SCENARIOS: dict[str, str | bytes] = {
    "duplicate_end": _after("\nend: ", "end: '1990-12'"),
    "duplicate_audience_cost": _after("    audience_cost:", "    audience_cost: 0.1"),
    "alias_bomb": _bomb(),
    "malformed": "id: [unclosed\n",
    "a_list": "- a\n- b\n",
    "empty": "",
    "not_utf8": b"\xff\xfe\x00id: x\n" + bytes(range(256)),
    "huge_integer": _doc(_rok("audience_cost", "HUGE")).replace("HUGE", "9" * 400),
    "value_true": _doc(_rok("audience_cost", {"value": True, "source": "x"})),
    "value_text": _doc(_rok("audience_cost", {"value": "0.5", "source": "x"})),
    "units_nan": _doc(lambda d: d["issues"]["amount"].update(
        units={"label": "US$", "at_0": float("nan"), "at_1": 1.0})),
    "point_inf": _doc(lambda d: _first_point(d, float("inf"))),
    "outcome_2900": _doc(lambda d: d["historical_outcome"].update(date="2900-01")),
    "hold_from_outside": _doc(lambda d: d["drivers"]["us_pressure"].update(hold_from="1800-01")),
    "state_all": TEXT.replace("ROK", "all"),
    "event_set_5": _doc(_event({"path": "states.ROK.audience_cost", "set": 5})),
    "event_multiply_huge": _doc(_event({"path": "states.ROK.audience_cost", "multiply": -1e300})),
    "unknown_field": "password: hunter2\n" + TEXT,
    "three_megabytes": "# " + "x" * 3_000_000 + "\n" + TEXT,
    "deep_nesting": "id: " + "[" * 20000 + "]" * 20000 + "\n",
    "python_tag": "id: !!python/object/apply:os.system ['echo pwned']\n",
    "date_as_number": _doc(lambda d: d.update(start=1951)),
    "one_state": _doc(lambda d: d["states"].pop("JPN")),
    "salience_nan": _doc(lambda d: d["issues"]["amount"]["salience"].update(ROK=float("nan"))),
}  # fmt: skip

EXPERIMENT = {
    "id": "corpus",
    "title": "Corpus",
    "scenario": str(SCENARIO),
    "parameters": {"drivers.us_pressure.scale": {"values": [0.0, 1.0]}},
    "replications": 2,
    "master_seed": 1,
}


def _exp(**change) -> str:
    return yaml.safe_dump({**EXPERIMENT, **change}, sort_keys=False)


EXPERIMENTS: dict[str, str] = {
    "duplicate_parameter": _exp().replace(
        "parameters:\n", "parameters:\n  drivers.us_pressure.scale: {values: [2.0]}\n"),
    "scenario_dev_zero": _exp(scenario="/dev/zero"),
    "scenario_dir": _exp(scenario="/"),
    "scenario_missing": _exp(scenario="nowhere.yaml"),
    "grid_149_gib": _exp(parameters={
        "drivers.us_pressure.scale": {"range": [0, 2], "steps": 100000},
        "states.JPN.audience_cost": {"range": [0, 1], "steps": 100000}}),
    "lhs_10_8": _exp(design={"sampler": "lhs", "samples": 100000000},
                     parameters={"drivers.us_pressure.scale": {"range": [0, 2]}}),
    "replications_0": _exp(replications=0),
    "seed_huge": _exp(master_seed=2**70),
    "alias": "a: &x 1\nb: *x\n",
    "unknown_field": _exp(colour="red"),
    "absent_driver": _exp(parameters={"drivers.detente.scale": {"values": [0.0, 1.0]}}),
    "long_id": _exp(id="x" * 300),
}  # fmt: skip


@dataclass
class Case:
    name: str
    args: list[str]  # {file}: the case's input file; {fifo}: a named pipe; {dir}: the scratch dir


def cases() -> list[Case]:
    out = []
    # Every scenario through check; run and app read with the same reader, so a few suffice.
    out += [Case(f"check-{name}", ["check", "{file}"]) for name in SCENARIOS]
    for name in ("duplicate_end", "alias_bomb", "huge_integer", "event_set_5"):
        out.append(Case(f"run-{name}", ["run", "{file}"]))
    for name in ("duplicate_end", "not_utf8"):
        out.append(Case(f"app-{name}", ["app", "{file}", "--port", "1"]))
    for special in ("/dev/zero", "/dev/null", "{fifo}", "{dir}", "/etc/passwd", "nowhere.yaml"):
        out += [Case(f"check-{special}", ["check", special]),
                Case(f"sweep-{special}", ["sweep", special, "--out", "{dir}/out"])]  # fmt: skip
    out += [
        Case(f"app-{special}", ["app", special, "--port", "1"])
        for special in ("/dev/zero", "{fifo}")
    ]
    for name in EXPERIMENTS:
        args = ["sweep", "{file}", "--no-progress", "--workers", "1"]
        out.append(Case(f"sweep-{name}", args if name == "long_id" else [*args, "--out", "out"]))
    good_exp = ["sweep", "{file}", "--no-progress", "--workers", "1"]
    out += [
        Case("sweep-runs-0", [*good_exp, "--runs", "0", "--out", "out"]),
        Case("sweep-engine", [*good_exp, "--engine", "netlogo", "--out", "out"]),
        Case("sweep-dask-garbage", [*good_exp, "--dask", "not an address", "--out", "out"]),
        Case("sweep-out-file", [*good_exp, "--out", "{file}"]),
        Case("sweep-out-dev-null", [*good_exp, "--out", "/dev/null"]),
        Case("sweep-out-under-file", [*good_exp, "--out", "{file}/sub"]),
        Case("sweep-out-proc", [*good_exp, "--out", "/proc/self/negsim"]),
        Case("sweep-resume-stranger", [*good_exp, "--out", "{dir}", "--resume"]),
    ]
    bomb = "[&a [1], &b [*a, *a, *a, *a], &c [*b, *b, *b, *b], *c]"
    for label, value in [("alias", bomb), ("400_digits", "9" * 400), ("nan", ".nan"),
                         ("text", "abc"), ("1e-3_fine_but_twice", "1e-3")]:  # fmt: skip
        sets = ["--set", f"drivers.us_pressure.scale={value}"]
        if label.endswith("twice"):
            sets *= 2
        out.append(Case(f"run-set-{label}", ["run", str(SCENARIO), *sets]))
    out += [
        Case("run-set-absent-driver", ["run", str(SCENARIO), "--set", "drivers.detente.scale=1"]),
        Case("run-set-no-equals", ["run", str(SCENARIO), "--set", "drivers.us_pressure.scale"]),
        Case("run-set-unknown", ["run", str(SCENARIO), "--set", "states.XYZ.audience_cost=1"]),
        Case("run-seed-negative", ["run", str(SCENARIO), "--seed", "-1"]),
        Case("run-until-3000", ["run", str(SCENARIO), "--until", "3000-01"]),
        Case("run-out-file", ["run", str(SCENARIO), "--out", "{file}"]),
        Case("run-out-dev-null", ["run", str(SCENARIO), "--out", "/dev/null"]),
        Case("run-out-under-file", ["run", str(SCENARIO), "--out", "{file}/sub"]),
        Case("run-out-proc", ["run", str(SCENARIO), "--out", "/proc/self/negsim"]),
        Case("plot-not-a-sweep", ["plot", "{dir}"]),
        Case("app-host-port-text", ["app", "--port", "http"]),
    ]
    return out


def input_for(case: Case) -> str | bytes:
    kind, _, name = case.name.partition("-")
    if kind == "sweep" and name in EXPERIMENTS:
        return EXPERIMENTS[name]
    if kind in ("check", "run", "app") and name in SCENARIOS:
        return SCENARIOS[name]
    return _exp() if kind == "sweep" else "id: x\n"


def run_case(case: Case, scratch: Path) -> tuple[str, str]:
    """Run one case in ``scratch``; its verdict (clean, traceback, hang, lost) and output."""
    data = input_for(case)
    file = scratch / "input.yaml"
    file.write_bytes(data if isinstance(data, bytes) else data.encode())
    fifo = scratch / "pipe.yaml"
    os.mkfifo(fifo)
    args = [a.format(file=file, fifo=fifo, dir=scratch) for a in case.args]
    before = sorted(p.relative_to(scratch) for p in scratch.rglob("*"))
    env = {**os.environ, "MPLBACKEND": "Agg", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    try:
        done = subprocess.run([NEGSIM, *args], capture_output=True, text=True,
                              timeout=TIMEOUT, cwd=scratch, env=env)  # fmt: skip
    except subprocess.TimeoutExpired:
        return "hang", ""
    output = done.stdout + done.stderr
    after = sorted(p.relative_to(scratch) for p in scratch.rglob("*"))
    if "Traceback" in output:
        return "traceback", output
    if done.returncode != 2 or after != before or not output.strip():
        return "lost", f"exit {done.returncode}; left {set(after) - set(before)}\n{output}"
    return "clean", output


CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_exit_2_a_message_and_nothing_else(case, tmp_path):
    verdict, output = run_case(case, tmp_path)
    assert verdict == "clean", f"{case.name}: {verdict}\n{output[-2000:]}"


if __name__ == "__main__":  # the counts for the closing note
    import tempfile
    from collections import Counter

    counts: Counter = Counter()
    for case in CASES:
        with tempfile.TemporaryDirectory() as scratch:
            verdict, output = run_case(case, Path(scratch))
        counts[verdict] += 1
        if verdict != "clean":
            print(f"{verdict}: {case.name}\n{output[-600:]}")
    print(f"tried {len(CASES)} / clean {counts['clean']} / traceback {counts['traceback']} / "
          f"hang {counts['hang']} / lost {counts['lost']}")  # fmt: skip
