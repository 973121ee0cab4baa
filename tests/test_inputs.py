"""Reading inputs: only small regular files, read safely, through one reader for files and --set.

Each case here once hung, ate memory, printed a traceback or was silently accepted (issue 12,
items 2, 3, 10 and 11). The commands run as a user runs them, in a subprocess with a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import SCENARIO_1965, SCENARIO_NAME, base_1965_doc, write_yaml

from negsim.inputs import MAX_FILE_BYTES, MAX_INTEGER, read_text
from negsim.scenario import ScenarioError, load_scenario, parse_yaml

NEGSIM = [str(Path(sys.executable).with_name("negsim"))]
TIMEOUT = 60  # s: every case answers in a second or two; a hang fails instead of blocking CI


def negsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed command; a hang past TIMEOUT fails the test."""
    env = {**os.environ, "MPLBACKEND": "Agg", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    return subprocess.run(
        [*NEGSIM, *args], capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=cwd
    )


def assert_bad_input(result: subprocess.CompletedProcess, *needles: str) -> None:
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out, out
    for needle in needles:
        assert needle in out, f"{needle!r} not in {out!r}"


def experiment_doc(scenario: str) -> dict:
    return {
        "id": "tiny",
        "title": "Tiny sweep",
        "scenario": scenario,
        "parameters": {"drivers.us_pressure.scale": {"values": [0.0, 1.0]}},
        "replications": 2,
        "master_seed": 1,
    }


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


# --- what is read: regular files, at most the limit ---------------------------------------------


@pytest.mark.parametrize(
    ("special", "kind"),
    [("/dev/zero", "character device"), ("/dev/null", "character device"), (".", "directory")],
)
def test_check_refuses_what_is_not_a_regular_file(special, kind):
    started = time.monotonic()
    assert_bad_input(negsim("check", special), special, kind)
    assert time.monotonic() - started < TIMEOUT / 2


def test_check_refuses_a_fifo_without_waiting_for_a_writer(fifo):
    assert_bad_input(negsim("check", str(fifo)), str(fifo), "named pipe")


def test_a_link_to_a_device_is_refused_like_the_device(tmp_path):
    link = tmp_path / "innocent.yaml"
    link.symlink_to("/dev/zero")
    assert_bad_input(negsim("check", str(link)), str(link), "character device")


def test_at_most_the_limit_plus_one_byte_is_read(tmp_path):
    exact = tmp_path / "exact.yaml"
    exact.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(read_text(exact)) == MAX_FILE_BYTES
    with open(exact, "ab") as f:
        f.write(b"#")
    with pytest.raises(ScenarioError, match="larger than"):
        read_text(exact)


def test_a_proc_file_that_reports_size_zero_is_read_within_the_limit():
    text = read_text("/proc/self/status", limit=100_000)
    assert os.stat("/proc/self/status").st_size == 0 and "Pid:" in text
    with pytest.raises(ScenarioError, match="larger than 10 bytes"):
        read_text("/proc/self/status", limit=10)


@pytest.mark.parametrize("special", ["/dev/zero", "FIFO", "."])
def test_sweep_refuses_such_an_experiment_file_and_such_a_scenario_in_it(tmp_path, fifo, special):
    special = str(fifo) if special == "FIFO" else special
    out = tmp_path / "out"
    assert_bad_input(negsim("sweep", special, "--out", str(out)), special)
    exp = write_yaml(tmp_path / "exp.yaml", experiment_doc(special))
    assert_bad_input(negsim("sweep", str(exp), "--out", str(out)), str(exp), "scenario")
    assert not out.exists()


# --- YAML: duplicate keys, numbers as numbers, no huge integers ---------------------------------


def _with_duplicate(after: str, line: str) -> str:
    """The 1965 scenario's text with ``line`` written again right after ``after``'s line."""
    text = SCENARIO_1965.read_text(encoding="utf-8")
    head, sep, rest = text.partition(after)
    end_of_line = rest.index("\n") + 1
    return head + sep + rest[:end_of_line] + line + "\n" + rest[end_of_line:]


@pytest.mark.parametrize(
    ("after", "line", "key"),
    [
        ("\nend: ", "end: '1990-12'", "end"),
        ("    audience_cost:", "    audience_cost: {value: 0.1, source: typo}", "audience_cost"),
    ],
)
def test_a_duplicated_key_is_an_error_naming_it_and_both_lines(tmp_path, after, line, key):
    path = tmp_path / "dup.yaml"
    path.write_text(_with_duplicate(after, line), encoding="utf-8")
    result = negsim("check", str(path))
    assert_bad_input(result, str(path), f"duplicate key '{key}'", "first on line")


def test_a_duplicated_experiment_parameter_is_an_error(tmp_path):
    text = yaml.safe_dump(experiment_doc(str(SCENARIO_1965)), sort_keys=False)
    text = text.replace(
        "parameters:\n", "parameters:\n  drivers.us_pressure.scale: {values: [2.0]}\n"
    )
    path = tmp_path / "exp.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert_bad_input(negsim("sweep", str(path), "--out", str(out)), "duplicate key")
    assert not out.exists()


@pytest.mark.parametrize(("value", "needle"), [("true", "valid number"), ("'0.5'", "valid number")])
def test_a_value_must_be_written_as_a_number(tmp_path, value, needle):
    doc = base_1965_doc()
    doc["states"]["JPN"]["audience_cost"] = {"value": "PLACEHOLDER", "source": "x"}
    path = write_yaml(tmp_path / "s.yaml", doc)
    path.write_text(path.read_text().replace("PLACEHOLDER", value), encoding="utf-8")
    assert_bad_input(negsim("check", str(path)), "states.JPN.audience_cost.value", needle)


def test_exponent_numbers_are_numbers_in_files_and_in_set():
    assert parse_yaml("a: 1e-3\nb: -2E+2\nc: 1.5e3\nd: '1e-3'\n") == {
        "a": 0.001,
        "b": -200.0,
        "c": 1500.0,
        "d": "1e-3",
    }
    spec = load_scenario(SCENARIO_1965, ["drivers.us_pressure.scale=1e-3"])
    assert spec.drivers["us_pressure"].scale.value == 0.001


def test_a_huge_integer_is_refused_in_files_and_in_set(tmp_path):
    huge = "9" * 400
    assert_bad_input(
        negsim("run", SCENARIO_NAME, "--set", f"states.ROK.audience_cost={huge}"),
        "states.ROK.audience_cost",
        "too large",
    )
    doc = base_1965_doc()
    doc["states"]["ROK"]["audience_cost"] = "HUGE"
    path = write_yaml(tmp_path / "s.yaml", doc)
    path.write_text(path.read_text().replace("HUGE", huge), encoding="utf-8")
    assert_bad_input(negsim("check", str(path)), str(path), "too large")
    assert parse_yaml(f"a: {MAX_INTEGER - 1}") == {"a": MAX_INTEGER - 1}


def flow_alias_bomb(levels: int = 9) -> str:
    """The alias bomb as one flow-style YAML value, for a --set: 10**levels items expanded."""
    items = ["&l0 [1]"]
    for k in range(1, levels + 1):
        items.append(f"&l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]")
    return "[" + ", ".join(items) + "]"


def test_set_refuses_an_alias_bomb_at_once():
    started = time.monotonic()
    result = negsim("run", SCENARIO_NAME, "--set", f"states.ROK.audience_cost={flow_alias_bomb()}")
    assert_bad_input(result, "states.ROK.audience_cost", "aliases")
    assert time.monotonic() - started < TIMEOUT / 2


# --- scale: a scenario with 10,000 events (issue 12, item 12) ---------------------------------


@pytest.fixture(scope="module")
def ten_thousand_events(tmp_path_factory) -> Path:
    doc = base_1965_doc()
    kinds = [
        {"changes": [{"path": "states.JPN.audience_cost", "add": 0.0}]},
        {"changes": [{"path": "drivers.us_pressure.scale", "multiply": 1.0}]},
        {"changes": [{"path": "issues.amount.salience.ROK", "add": 0.0}]},
        {"moves": [{"state": "JPN", "issue": "amount", "share": 0.0}]},
    ]
    for k in range(10_000):
        month = 1952 * 12 + k % (12 * 13)
        doc["events"].append(
            {
                "date": f"{month // 12}-{month % 12 + 1:02d}",
                "label": f"event {k}",
                "source": "test",
                **kinds[k % len(kinds)],
            }
        )
    return write_yaml(tmp_path_factory.mktemp("scale") / "events.yaml", doc)


def test_reading_10000_events_costs_about_what_libyaml_costs(ten_thousand_events):
    """The reader's checks (aliases, duplicate keys, huge integers) ride on libyaml's parser:
    the pure-Python parser it used before took about four times as long."""
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML was built without libyaml here")
    text = ten_thousand_events.read_text(encoding="utf-8")

    def best(read) -> float:
        times = []
        for _ in range(2):
            start = time.perf_counter()
            read()
            times.append(time.perf_counter() - start)
        return min(times)

    plain = best(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    ours = best(lambda: parse_yaml(text))
    assert ours < 2.0 * plain, f"negsim's reader {ours:.2f} s against libyaml's {plain:.2f} s"
    spec = load_scenario(ten_thousand_events)
    assert len(spec.events) >= 10_000


def test_a_run_with_10000_events_costs_little_more_than_without(ten_thousand_events):
    from negsim import simulate

    spec, base = load_scenario(ten_thousand_events), load_scenario(SCENARIO_1965)
    simulate(base, seed=0)  # warm
    start = time.perf_counter()
    simulate(base, seed=0)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    simulate(spec, seed=0)
    crowded = time.perf_counter() - start
    assert crowded < 6 * alone + 1.0, f"{crowded:.2f} s with 10,000 events, {alone:.2f} s without"


def test_a_plot_of_10000_events_draws_lines_not_labels(ten_thousand_events):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from negsim import simulate
    from negsim.figures.convergence import MAX_LABELLED, convergence_figure

    spec = load_scenario(ten_thousand_events)
    series, summary = simulate(spec, seed=0)
    fig = convergence_figure(spec, series, summary)
    try:
        ax = fig.axes[0]
        assert len(ax.texts) == 0 and len(ax.collections) >= 1
        assert "too many to label" in ax.get_title() and MAX_LABELLED < 10_000
    finally:
        plt.close(fig)
