"""Property-based fuzzing of scenario input.

Every mutated or random document must either be refused with a ScenarioError or
validate and then run (both engines) without any other exception.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import base_1965_doc, minimal_doc
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from negsim import ScenarioError, run_batch, simulate
from negsim.calendar import format_month, parse_month
from negsim.scenario import parse_yaml, scenario_from_dict

SETTINGS = settings(
    max_examples=500,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

BASES = [base_1965_doc(), minimal_doc()]
DATE_KEYS = {"date", "start", "end", "hold_from"}

Path = tuple[Any, ...]


def walk(node: Any, path: Path = ()) -> list[Path]:
    """Every path below a document (dict keys and list indices), the root excluded."""
    out: list[Path] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*path, k))
            out += walk(v, (*path, k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            out.append((*path, k))
            out += walk(v, (*path, k))
    return out


def containers(doc: Any) -> list[Path]:
    paths = [(), *walk(doc)]
    return [p for p in paths if isinstance(get(doc, p), dict)]


def get(doc: Any, path: Path) -> Any:
    for k in path:
        doc = doc[k]
    return doc


odd_values = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0.0, max_value=1.0),
    st.none(),
    st.booleans(),
    st.lists(st.one_of(st.integers(), st.text(max_size=4), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.none()), max_size=3),
    st.sampled_from(
        [
            10**400,
            -(10**400),
            1e308,
            -1e308,
            float("nan"),
            float("inf"),
            float("-inf"),
            -1,
            -0.5,
            0,
            1,
            "1965-06",
            "1965-13",
            "1965-02-30",
            "0000-01",
            "9999-12",
            "2001-01-01",
            "",
            "all",
            "ROK",
            "JPN",
            "A",
            "B",
            "suspend",
            "resume",
            "historical",
            "practical",
            "states.ROK.audience_cost",
            "drivers.us_pressure.scale",
            "issues.amount.salience.ROK",
        ]
    ),
)

plausible_numbers = st.one_of(
    st.floats(min_value=0.0, max_value=1.0),
    st.sampled_from([0.0, 1.0, 0.5, 2.0, 3.0, 1e6, 1e300, 1e308]),
)

# "tweak" is listed twice: about a third of the mutations keep the document plausible.
KINDS = ["delete", "replace", "rename", "insert", "dates", "swap", "tweak", "tweak", "tweak"]

odd_keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["economic_ned", "salience", "ideal", "states", "issues", "C", "all", "value", "scale"]
    ),
    st.integers(min_value=-5, max_value=5),
    st.none(),
)


@st.composite
def mutated_documents(draw) -> dict[str, Any]:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(KINDS))
        paths = walk(doc)
        if kind == "tweak":
            # a plausible new number: keeps many documents valid, so runs get exercised too
            numeric = [p for p in paths if type(get(doc, p)) in (int, float)]
            if numeric:
                path = draw(st.sampled_from(numeric))
                get(doc, path[:-1])[path[-1]] = draw(plausible_numbers)
            continue
        if kind == "delete" and paths:
            path = draw(st.sampled_from(paths))
            parent = get(doc, path[:-1])
            del parent[path[-1]]
        elif kind == "replace" and paths:
            path = draw(st.sampled_from(paths))
            get(doc, path[:-1])[path[-1]] = draw(odd_values)
        elif kind == "rename":
            keyed = [p for p in paths if isinstance(get(doc, p[:-1]), dict)]
            if keyed:
                path = draw(st.sampled_from(keyed))
                parent = get(doc, path[:-1])
                new_key = draw(odd_keys)
                value = parent.pop(path[-1])
                parent[new_key] = value
        elif kind == "insert":
            parent = get(doc, draw(st.sampled_from(containers(doc))))
            parent[draw(odd_keys)] = draw(odd_values)
        elif kind == "dates":
            dated = [
                p for p in paths if p[-1] in DATE_KEYS and not isinstance(get(doc, p), dict | list)
            ]
            if len(dated) > 1:
                values = [get(doc, p) for p in dated]
                shuffled = draw(st.permutations(values))
                for p, v in zip(dated, shuffled, strict=True):
                    get(doc, p[:-1])[p[-1]] = v
        elif kind == "swap" and len(paths) > 1:
            # copy a whole subtree somewhere else (states into issues, an issue into a state, ...)
            src, dst = draw(st.sampled_from(paths)), draw(st.sampled_from(paths))
            if src[: len(dst)] != dst and dst[: len(src)] != src:
                get(doc, dst[:-1])[dst[-1]] = copy.deepcopy(get(doc, src))
    return doc


def run_briefly(scenario) -> None:
    """Run a valid scenario a few months with both engines (any exception fails the test)."""
    until = format_month(parse_month(scenario.start) + 3)
    result = run_batch(scenario, np.array([1, 2], dtype=np.uint64), until=until, record=True)
    assert result.agreed.shape == (2,)
    assert result.gap_trace.shape[0] == 2
    series, summary = simulate(scenario, seed=1, until=until)
    assert 1 <= len(series) <= 4
    assert summary["scenario"] == scenario.id


def check_document(doc: Any, via_yaml: bool) -> None:
    try:
        if via_yaml:
            try:
                text = yaml.safe_dump(doc, allow_unicode=True)
            except yaml.YAMLError:
                return  # not representable as YAML text
            doc = parse_yaml(text, "fuzz.yaml")
        scenario = scenario_from_dict(doc, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems
        assert str(exc).startswith("fuzz.yaml")
        event("refused")
        return
    event("valid")
    run_briefly(scenario)


# Extreme but finite numbers (1e308) overflow inside the rules; that warns, it must not raise.
no_overflow_warnings = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@no_overflow_warnings
@SETTINGS
@given(doc=mutated_documents())
def test_mutated_documents_are_refused_or_run(doc):
    check_document(doc, via_yaml=False)


@no_overflow_warnings
@settings(max_examples=200, deadline=None, database=None)
@given(doc=mutated_documents())
def test_mutated_documents_through_yaml_text(doc):
    check_document(doc, via_yaml=True)


yaml_fragments = st.sampled_from(
    [
        "id: x\n",
        "title: t\n",
        "start: '1951-10'\n",
        "end: 1970-12\n",
        "states:\n",
        "  ROK:\n",
        "    audience_cost: 1.5\n",
        "issues: {}\n",
        "- a\n",
        "a: &x [1, 2]\n",
        "b: *x\n",
        "? [1]\n: 2\n",
        "!!python/object:os.system\n",
        "{",
        "]",
        "'unterminated\n",
        "\t",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "date: 1965-06-22 10:00:00\n",
        "x: !!binary aGVsbG8=\n",
        "x: !!float nan\n",
        "x: 1e999\n",
        "x: 0x1F\n",
        "x: 0o17\n",
        "<<: {a: 1}\n",
        "x: ~\n",
    ]
)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    pieces=st.lists(st.one_of(yaml_fragments, st.text(max_size=30)), max_size=8),
)
def test_random_yaml_text_is_refused_or_validates(pieces):
    text = "".join(pieces)
    try:
        doc = parse_yaml(text, "fuzz.yaml")
        scenario = scenario_from_dict(doc, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems
        return
    run_briefly(scenario)  # pragma: no cover - random text is never a whole scenario


def test_valid_bases_run():
    """The fuzz bases themselves are valid (otherwise every mutation would be refused)."""
    for doc in BASES:
        run_briefly(scenario_from_dict(copy.deepcopy(doc)))


# --- generated valid scenarios: invariants and engine agreement ------------------------------

unit = st.floats(min_value=0.0, max_value=1.0)
MOTIVES = list(minimal_doc()["states"]["A"])[2:]  # after name and leader


@st.composite
def valid_documents(draw) -> dict[str, Any]:
    doc = minimal_doc(drive_sd=draw(st.sampled_from([0.0, 0.05, 0.5])))
    months = parse_month(doc["end"]) - parse_month(doc["start"]) + 1
    for sid in ("A", "B"):
        for m in MOTIVES:
            doc["states"][sid][m] = draw(unit)
    weights = {sid: [draw(st.floats(0.01, 1.0)) for _ in doc["issues"]] for sid in ("A", "B")}
    for k, issue in enumerate(doc["issues"].values()):
        a, b = draw(unit), draw(unit)
        if abs(a - b) < 0.05:
            b = 1.0 - a if abs(1.0 - 2 * a) >= 0.05 else 1.0
        issue["ideal"] = {"A": a, "B": b}
        for sid in ("A", "B"):
            issue["salience"][sid] = weights[sid][k] / sum(weights[sid])
        issue["kind"] = draw(st.sampled_from(["historical", "practical"]))
    steps = sorted(draw(st.lists(st.integers(0, months - 1), min_size=1, max_size=4)))
    start = parse_month(doc["start"])
    doc["drivers"]["us_pressure"]["series"] = {
        "all": [{"date": format_month(start + t), "value": draw(st.floats(0, 3))} for t in steps]
    }
    doc["drivers"]["us_pressure"]["interpolation"] = draw(st.sampled_from(["step", "linear"]))
    doc["drivers"]["us_pressure"]["scale"] = draw(st.floats(0, 3))
    events = []
    for _ in range(draw(st.integers(0, 4))):
        ev = {
            "date": format_month(start + draw(st.integers(0, months - 1))),
            "label": "generated",
            "source": "test",
        }
        if draw(st.booleans()):
            ev["talks"] = draw(st.sampled_from(["suspend", "resume"]))
        if draw(st.booleans()):
            operation = draw(st.sampled_from(["set", "add", "multiply"]))
            # Values each operation accepts on every path below (a 0-1 parameter at least).
            within = {"set": (0, 1), "add": (-1, 1), "multiply": (0, 2)}[operation]
            ev["changes"] = [
                {
                    "path": draw(
                        st.sampled_from(
                            [
                                "states.A.economic_need",
                                "states.B.audience_cost",
                                "issues.money.salience.A",
                                "drivers.us_pressure.scale",
                            ]
                        )
                    ),
                    operation: draw(st.floats(*within)),
                }
            ]
        if draw(st.booleans()):
            ev["moves"] = [
                {
                    "state": draw(st.sampled_from(["A", "B"])),
                    "issue": draw(st.sampled_from(list(doc["issues"]))),
                    "share": draw(unit),
                }
            ]
        events.append(ev)
    doc["events"] = events
    return doc


@settings(max_examples=100, deadline=None, database=None)
@given(doc=valid_documents(), seed=st.integers(0, 2**32))
def test_generated_scenarios_run_and_engines_agree(doc, seed):
    scenario = scenario_from_dict(doc, "generated.yaml")
    series, summary = simulate(scenario, seed=seed)
    # a second run without U.S. pressure keeps the batch going after the first run has agreed,
    # so later events must leave a finished run alone, as the Mesa model (which stops) does
    batch = run_batch(
        scenario,
        np.array([seed, seed], dtype=np.uint64),
        values={"drivers.us_pressure.scale": [scenario.drivers["us_pressure"].scale.value, 0.0]},
    )
    assert bool(batch.agreed[0]) == summary["agreement"]
    event("agreement" if summary["agreement"] else "no agreement")
    if summary["agreement"]:
        step = parse_month(summary["agreement_date"]) - parse_month(scenario.start)
        assert batch.agreement_step[0] == step
    for i, iid in enumerate(scenario.issue_ids):
        ideals = [scenario.issues[iid].ideal[s].value for s in scenario.state_ids]
        lo, hi = min(ideals), max(ideals)
        for sid in scenario.state_ids:
            col = series[f"demand_{sid}_{iid}"]
            assert ((col >= lo - 1e-12) & (col <= hi + 1e-12)).all(), "demand left the axis"
        gap = series[f"gap_{iid}"]
        assert ((gap >= 0) & (gap <= hi - lo + 1e-12)).all()
        if summary["agreement"]:
            assert batch.package[0, i] == pytest.approx(summary["package"][iid]["point"], abs=1e-9)
        for s, sid in enumerate(scenario.state_ids):
            assert batch.concession_share[0, s, i] == pytest.approx(
                summary["concession_share"][sid][iid], abs=1e-9
            )
