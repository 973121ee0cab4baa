"""Reading sweep results: agreement probabilities with Wilson intervals, surfaces, Sobol indices.

Every function takes the DataFrame of a results directory (``pandas.read_parquet``)
and, where it needs one, its manifest (``_manifest.json``). The figures drawn from these
tables are in :mod:`negsim.figures.sweeps`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from negsim.scenario import ScenarioError

Z95 = 1.959963984540054
MAX_LEVELS = 40  # a numeric parameter with more distinct values than this is binned


def wilson_interval(
    agreed: np.ndarray | int, runs: np.ndarray | int, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a proportion (95 % by default), safe at 0 and 1."""
    k = np.asarray(agreed, dtype=float)
    n = np.asarray(runs, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def load_results(results: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A results directory's rows (sorted by run) and its manifest."""
    from negsim.sweep import read_manifest, read_results

    results = Path(results)
    manifest = read_manifest(results)
    try:
        frame = read_results(results)
    except (OSError, ValueError) as exc:
        raise ScenarioError(str(results), [("", f"cannot read the results: {exc}")]) from None
    if frame.empty:
        raise ScenarioError(str(results), [("", "no runs on disk yet")])
    return frame, manifest


def need_column(frame: pd.DataFrame, column: str, source: str, field: str) -> None:
    """Refuse a results frame without ``column``, naming the option and the columns it has."""
    if column not in frame.columns:
        have = [c for c in frame.columns if c not in ("run", "seed", "point", "replication")]
        raise ScenarioError(
            source, [(field, f"no column {column!r} in the results; columns: {', '.join(have)}")]
        )


def levels(column: pd.Series, bins: int = 20) -> tuple[pd.Series, bool]:
    """Group keys for a parameter: its values, or bin centres if it takes too many values."""
    if not pd.api.types.is_numeric_dtype(column):
        return column.fillna("none").astype(str), False
    if column.nunique() <= MAX_LEVELS:
        return column, False
    edges = np.linspace(column.min(), column.max(), bins + 1)
    index = np.clip(np.searchsorted(edges, column.to_numpy(), side="right") - 1, 0, bins - 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    return pd.Series(centres[index], index=column.index), True


def agreement_by(frame: pd.DataFrame, parameter: str, bins: int = 20) -> pd.DataFrame:
    """Agreement probability per value (or bin) of a parameter, with 95 % Wilson intervals."""
    keys, _ = levels(frame[parameter], bins)
    grouped = frame["agreed"].astype(bool).groupby(keys.to_numpy(), sort=True)
    table = pd.DataFrame({"runs": grouped.size(), "agreed": grouped.sum()})
    table["probability"] = table["agreed"] / table["runs"]
    table["low"], table["high"] = wilson_interval(table["agreed"], table["runs"])
    table.index.name = parameter
    return table.reset_index()


def surface_table(frame: pd.DataFrame, x: str, y: str, outcome: str = "agreed") -> pd.DataFrame:
    """Mean of an outcome (agreement probability by default) over a grid of two parameters."""
    kx, _ = levels(frame[x])
    ky, _ = levels(frame[y])
    values = frame[outcome].astype(float)
    return values.groupby([ky.to_numpy(), kx.to_numpy()]).mean().unstack()


def sobol_indices(
    frame: pd.DataFrame, manifest: dict[str, Any], outcome: str = "agreed", source: str = ""
) -> pd.DataFrame:
    """First-order and total Sobol indices (SALib) of an outcome's mean per design point."""
    from SALib.analyze import sobol

    experiment = manifest["experiment"]
    if manifest.get("sampler") != "sobol":
        raise ScenarioError(
            source,
            [("--kind", f"sobol needs a sobol design; this sweep is {manifest.get('sampler')}")],
        )
    points = manifest["design_points"]
    per_point = frame.groupby("point")[outcome].mean()
    if len(per_point) != points or per_point.isna().any():
        raise ScenarioError(
            source,
            [
                (
                    "--kind",
                    f"sobol needs every design point ({points}); the results have "
                    f"{per_point.notna().sum()} with a value of {outcome} "
                    "(finish the sweep with --resume)",
                )
            ],
        )
    names = list(manifest["parameters"])
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [experiment["parameters"][n]["range"] for n in names],
    }
    result = sobol.analyze(
        problem,
        per_point.sort_index().to_numpy(dtype=float),
        calc_second_order=experiment["design"]["second_order"],
        conf_level=0.95,
        seed=manifest["master_seed"] % 2**32,
    )
    return pd.DataFrame(
        {k: result[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}, index=pd.Index(names)
    )
