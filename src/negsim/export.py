"""Results for R and Stata: CSV files with flat column names, and a codebook for each.

Names are letters, digits and underscores, start with a letter and are at most 32
characters (Stata's limit), so ``read.csv`` keeps them as they are and Stata's
``import delimited`` accepts them. True/false columns are written 1/0 and a missing value
as an empty field, which both read as missing.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negsim.dynamics import DRIVER_NAMES

if TYPE_CHECKING:
    import pandas as pd

    from negsim.results_files import Writer

MAX_NAME = 32  # Stata's limit on a variable name
AXIS = "position on the issue's 0-1 axis (0 and 1: the two sides' stated positions)"
GAP = "distance on the issue's 0-1 axis (1 = the initial distance)"
DRIVERS = "|".join(DRIVER_NAMES)  # every driver the model knows, whatever it adds

# What each column holds: (pattern of the column's own name, meaning, unit). First match wins.
CODEBOOK: list[tuple[str, str, str]] = [
    (r"step", "month index from the run's first month (0 = the first)", "months"),
    (r"date", "calendar month of the row", "YYYY-MM"),
    (r"talks_active", "talks in session this month (not suspended)", "1 = yes, 0 = no"),
    (r"agreed", "the two sides have agreed (by this month / in this run)", "1 = yes, 0 = no"),
    (r"mean_gap", "mean over issues of the gap between the two demands", GAP),
    (r"gap_(?P<issue>.+)", "gap between the two demands on issue {issue}", GAP),
    (
        rf"(?P<driver>{DRIVERS})_(?P<state>[A-Z0-9]+)",
        "level of the driver {driver} as {state} felt it this month (after its scale)",
        "driver level (0 = none, 1 = the scenario's reference peak)",
    ),
    (r"drive_(?P<state>.+)", "{state}'s drive to settle this month", "index (docs/model.md 3.3)"),
    (
        r"resistance_(?P<state>.+)",
        "{state}'s domestic resistance this month",
        "index (docs/model.md 3.3)",
    ),
    (
        r"demand_(?P<state>[A-Z0-9]+)_(?P<issue>.+)",
        "{state}'s demand on issue {issue}",
        AXIS,
    ),
    (r"run", "run number in the sweep", "count from 0"),
    (r"seed", "the run's own seed (derived from the experiment's master seed)", "integer"),
    (r"point", "parameter point of the design the run belongs to", "count from 0"),
    (r"replication", "replication number at its parameter point", "count from 0"),
    (r"agreement_date", "month of the agreement (empty: none)", "YYYY-MM"),
    (r"agreement_step", "month index of the agreement (empty: none)", "months from the start"),
    (r"package_(?P<issue>.+)", "the package's point on issue {issue} (empty: none)", AXIS),
    (r"final_gap_(?P<issue>.+)", "gap left on issue {issue} at the run's end", GAP),
    (
        r"concession_(?P<state>[A-Z0-9]+)_(?P<issue>.+)",
        "share of the initial gap on issue {issue} that {state} conceded",
        "share (0 = kept its ideal, 1 = accepted the other side's)",
    ),
    (
        r"(?P<path>.+\..+)",
        "swept parameter {path} (a scenario field) at this run's point",
        "the field's own unit (docs/model.md)",
    ),
]


def flat_name(name: str) -> str:
    """A column name R and Stata both keep: ``drivers.us_pressure.scale`` ->
    ``drivers_us_pressure_scale``; a long one is cut and given a short hash to stay unique."""
    flat = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "column"
    if not flat[0].isalpha():
        flat = f"v_{flat}"
    if len(flat) > MAX_NAME:
        digest = hashlib.sha1(name.encode()).hexdigest()[:6]
        flat = f"{flat[: MAX_NAME - 7]}_{digest}"
    return flat


def describe(name: str) -> tuple[str, str]:
    """The meaning and unit of a result column, from :data:`CODEBOOK`."""
    for pattern, meaning, unit in CODEBOOK:
        found = re.fullmatch(pattern, name)
        if found:
            return meaning.format(**found.groupdict()), unit
    return "see docs/model.md", ""


def for_csv(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame as it goes to CSV (flat names, 1/0 for true/false) and its codebook."""
    import pandas as pd

    names = {column: flat_name(str(column)) for column in frame.columns}
    if len(set(names.values())) < len(names):
        raise ValueError("two columns flatten to the same name")  # cannot happen with our names
    out = frame.rename(columns=names)
    for column in out.columns:
        if out[column].dtype == bool or str(out[column].dtype) == "boolean":
            out[column] = out[column].astype("Int64")
    rows = [(names[c], str(c), *describe(str(c))) for c in frame.columns]
    book = pd.DataFrame(rows, columns=["column", "original_name", "meaning", "unit"])
    return out, book


def csv_writer(frame: pd.DataFrame) -> Writer:
    """Write a frame as CSV: a header row, comma-separated, UTF-8, missing as empty."""
    return lambda tmp: frame.to_csv(tmp, index=False, na_rep="", encoding="utf-8")


def csv_files(frame: pd.DataFrame, folder: Path, stem: str) -> dict[Path, Any]:
    """The two files of a CSV export: ``STEM.csv`` and ``STEM_codebook.csv``."""
    data, book = for_csv(frame)
    return {
        folder / f"{stem}.csv": csv_writer(data),
        folder / f"{stem}_codebook.csv": csv_writer(book),
    }


def export_results(results: Path) -> list[Path]:
    """Write CSV and codebook beside a run's time series or a sweep's runs; the paths written."""
    import pandas as pd

    from negsim.results_files import write_files

    if (results / "timeseries.parquet").is_file():
        files = csv_files(pd.read_parquet(results / "timeseries.parquet"), results, "timeseries")
    else:
        from negsim.analysis import load_results

        frame, _ = load_results(results)  # a ScenarioError if this is no sweep either
        files = csv_files(frame, results, "runs")
    write_files(files)
    return list(files)
