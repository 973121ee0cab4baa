"""CSV export: flat names R and Stata keep, a codebook for every column, and files that read back.

R is not installed here, so the files are read with Python's csv module the way R's
``read.csv`` reads them (a header row, comma-separated, ``check.names`` on, "" and "NA"
missing) and the names are checked against R's ``make.names`` and Stata's 32-character rule.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

from conftest import SCENARIO_NAME
from typer.testing import CliRunner

from negsim.cli import app
from negsim.export import MAX_NAME, describe, flat_name

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
R_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._]*")  # make.names keeps such a name as it is
STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def read_like_read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows as ``read.csv(path)`` sees them; fails where R would mangle or choke."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert len(set(header)) == len(header), "read.csv would rename duplicated columns"
    for name in header:
        assert R_NAME.fullmatch(name), f"read.csv would rename {name!r}"
        assert STATA_NAME.fullmatch(name), f"Stata refuses {name!r}"
    for row in body:
        assert len(row) == len(header), "a row with another number of fields"
    return header, [dict(zip(header, row, strict=True)) for row in body]


def is_number_or_missing(text: str) -> bool:
    if text in ("", "NA"):
        return True
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def check_export(data: Path, codebook: Path) -> list[dict[str, str]]:
    header, rows = read_like_read_csv(data)
    book_header, book = read_like_read_csv(codebook)
    assert book_header == ["column", "original_name", "meaning", "unit"]
    assert [entry["column"] for entry in book] == header  # every column, in order
    for entry in book:
        assert entry["meaning"] and entry["meaning"] != "see docs/model.md", entry
    assert rows
    return rows


def test_run_csv_reads_back_with_its_codebook(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", SCENARIO_NAME, "--out", str(out), "--csv"])
    assert result.exit_code == 0, result.output
    rows = check_export(out / "timeseries.csv", out / "timeseries_codebook.csv")
    assert {row["agreed"] for row in rows} <= {"0", "1"}  # not True/False
    assert rows[-1]["agreed"] == "1"
    for column in ("us_pressure_ROK", "gap_amount", "demand_JPN_amount"):
        assert all(is_number_or_missing(row[column]) for row in rows), column
    assert float(rows[-1]["us_pressure_ROK"]) > float(rows[0]["us_pressure_ROK"])


def test_csv_needs_out():
    result = runner.invoke(app, ["run", SCENARIO_NAME, "--csv"])
    assert result.exit_code == 2 and "--csv: needs --out DIR" in result.output


def test_export_of_a_sweep_flattens_the_dotted_parameter_names(tmp_path):
    experiment = REPO / "experiments" / "us_pressure_x_audience_cost_1965.yaml"
    results = tmp_path / "r"
    swept = runner.invoke(
        app, ["sweep", str(experiment), "--runs", "60", "--workers", "1", "--out", str(results)]
    )
    assert swept.exit_code == 0, swept.output
    exported = runner.invoke(app, ["export", str(results)])
    assert exported.exit_code == 0, exported.output
    rows = check_export(results / "runs.csv", results / "runs_codebook.csv")
    assert len(rows) == 60
    assert "drivers_us_pressure_scale" in rows[0] and "states_JPN_audience_cost" in rows[0]
    with (results / "runs_codebook.csv").open(newline="") as handle:
        book = {entry["column"]: entry for entry in csv.DictReader(handle)}
    assert book["drivers_us_pressure_scale"]["original_name"] == "drivers.us_pressure.scale"
    assert (
        "swept parameter drivers.us_pressure.scale" in book["drivers_us_pressure_scale"]["meaning"]
    )


def test_export_refuses_a_folder_without_results(tmp_path):
    result = runner.invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_long_names_are_cut_to_stata_length_and_stay_distinct():
    a = flat_name("states.DPRK.leader_disposition_and_a_very_long_tail_one")
    b = flat_name("states.DPRK.leader_disposition_and_a_very_long_tail_two")
    assert len(a) <= MAX_NAME and len(b) <= MAX_NAME and a != b
    assert flat_name("1st.value") == "v_1st_value"
    assert describe("concession_ROK_amount")[0].startswith("share of the initial gap")
