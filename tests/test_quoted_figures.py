"""The numbers the README and the guides quote from runs match the runs (docs drift).

When this fails, the model or a scenario has moved a figure the docs quote. Regenerate with
``python experiments/quoted_figures.py --write`` and re-read the sentences around it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "quoted_figures", REPO / "experiments" / "quoted_figures.py"
)
quoted_figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(quoted_figures)


def test_every_quoted_figure_has_a_run_and_every_run_is_quoted():
    table = yaml.safe_load(quoted_figures.TABLE.read_text(encoding="utf-8"))["figures"]
    used = {fid for _, fid, _ in quoted_figures.quoted()}
    assert used, "no quoted figures found in the docs"
    assert used <= set(table), (
        f"quoted without an entry in docs/quoted_figures.yaml: {used - set(table)}"
    )
    assert set(table) <= used, f"entries quoted nowhere: {set(table) - used}"
    assert {"gap_no_pressure_1965", "agreement_pressure_x1_5_1965"} <= used  # issue 13's two


def test_the_docs_quote_what_the_model_gives():
    drifted = quoted_figures.drift()
    report = "\n".join(
        f"  {path}: {fid} is quoted as {text!r}, the run gives {now!r}"
        for path, fid, text, now in drifted
    )
    assert not drifted, (
        f"figures in the docs drifted from the model:\n{report}\n"
        "regenerate: python experiments/quoted_figures.py --write"
    )


def test_a_wrong_figure_is_reported(monkeypatch):
    real = quoted_figures.quoted()
    path, fid, _ = real[0]
    monkeypatch.setattr(quoted_figures, "quoted", lambda: [(path, fid, "1848")])
    assert quoted_figures.drift() == [
        (str(path.relative_to(REPO)), fid, "1848", quoted_figures.computed()[fid])
    ]


def test_measures_read_a_summary():
    summary = {
        "agreement_date": "1965-06",
        "final_gap": {"a": 0.2, "b": 0.4},
        "package": {"amount": {"value": 611.0}},
        "mean_concession": {"ROK": 0.58},
        "concession_share": {"ROK": {"a": 0.7}},
    }
    m = quoted_figures.measure
    assert m(summary, "agreement") == "agreement in June 1965"
    assert m(summary, "agreement_month") == "June 1965"
    assert m(summary, "agreement_year") == "1965"
    assert m(summary, "mean_final_gap") == 0.30000000000000004
    assert m(summary, "final_gap:b") == 0.4
    assert m(summary, "package_value:amount") == 611.0
    assert m(summary, "mean_share:ROK") == 0.58
    assert m(summary, "share:ROK:a") == 0.7
    assert m({**summary, "agreement_date": None}, "agreement") == "no agreement"
    replicated = {
        **summary,
        "agreement_probability": 0.57,
        "agreement_probability_fixed": 0.76,
        "agreement_date_quantiles": {"q10": "1966-03", "q50": "1966-10", "q90": "1968-07"},
        "spread": {"agreed": {"from_judgements": 0.83}, "agreement_month": None},
    }
    assert m(replicated, "probability") == 0.57
    assert m(replicated, "probability_fixed") == 0.76
    assert m(replicated, "date_quantiles") == "1966-03 / 1966-10 / 1968-07"
    assert m({**replicated, "agreement_date_quantiles": {}}, "date_quantiles") == "no agreement"
    assert m(replicated, "spread_from_judgements:agreed") == 0.83
    assert quoted_figures.month_words("1961-10") == "October 1961"
