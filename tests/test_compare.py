"""``negsim compare``: two runs of one scenario on one figure, outcomes side by side."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENARIO_NAME, invoke

from negsim.figures.compare import label_rows


def test_compare_1965_with_and_without_us_pressure(tmp_path: Path):
    out = tmp_path / "compare.png"
    result = invoke("compare", SCENARIO_NAME, "--set", "drivers.us_pressure.scale=0", "--out",
                    str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    agreement = next(line for line in result.output.splitlines() if line.startswith("agreement"))
    assert "agreement 1965" in agreement and agreement.rstrip().endswith("no agreement")  # F1
    assert "with drivers.us_pressure.scale=0" in result.output
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--set: give at least one PATH=VALUE"),
        (["--set", "drivers.us_pressure.scale=0", "--out", "{tmp}/x.txt"], "must end in .png"),
        (["--set", "no.such.path=1"], "unknown parameter path"),
    ],
)
def test_compare_refuses_bad_input_with_a_message(tmp_path, args, message):
    result = invoke("compare", SCENARIO_NAME, *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2
    assert message in result.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_event_labels_never_share_a_row_where_they_would_overlap():
    starts = [0.10, 0.12, 0.13, 0.30, 0.31, 0.5]
    widths = [0.05] * len(starts)
    rows = label_rows(starts, widths)
    for i in range(len(starts)):
        for j in range(i):
            if rows[i] == rows[j]:
                assert starts[i] > starts[j] + widths[j]
    assert rows[:3] == [0, 1, 2] and rows[3] == 0
