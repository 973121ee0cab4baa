"""The seminar app: a Mesa SolaraViz page to step a scenario month by month and move its levers.

Run it with ``negsim app [SCENARIO]`` (or ``solara run negsim.app:page``). The page has

* a scenario picker over the scenarios the server was started with: the shipped ones and
  the files ``negsim app`` was given (:func:`offered`); nothing else is opened, whatever a
  page sends;
* the levers a seminar argues about, as sliders: the U.S.-pressure multiplier
  (``drivers.us_pressure.scale``), and for each of the scenario's two states (side A and
  side B, labelled with their names) economic need, audience cost, leader autonomy, leader
  disposition and fear of exclusion; a seed (the same as ``negsim run --seed``);
* SolaraViz's own Step / Play / Reset (levers take effect on Reset, as in every Mesa app);
* four modes: *Watch the model* (live convergence curves, :mod:`negsim.figures.convergence`,
  and a status panel), *Compare two runs* (:mod:`negsim.app_compare`), *How sure? (many
  runs)* (:mod:`negsim.app_replications`: R replications with the judgements drawn from their
  ranges, or point values only, as ``negsim run -r R [--fixed]``) and *Play a side*
  (:mod:`negsim.app_play`).

The levers moved away from the scenario's values become :func:`load_scenario` overrides (as
``--set``: a point value, so a lever left alone keeps its range); the model is
:class:`NegotiationModel`. What the page sends (a scenario name, lever values, the seed, a
replication count, the point-values switch) is checked on the server before it is used.
"""

from __future__ import annotations

import html
import io
import itertools
import math
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Classrooms and CI: no telemetry. Must be set before solara is imported.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara
from mesa.visualization.utils import update_counter

from negsim.catalog import offered_scenarios
from negsim.model import NegotiationModel
from negsim.outcome import summarize
from negsim.scenario import MAX_SCALE, Scenario, ScenarioError, load_scenario
from negsim.simulation import replication_seed

SCENARIO_ENV = "NEGSIM_APP_SCENARIO"
FILES_ENV = "NEGSIM_APP_FILES"  # the files named on `negsim app`'s command line, os.pathsep-joined
DEFAULT_SCENARIO = "rok_japan_1951_1965"

#: The per-state levers, in slider order: (motivation, label).
STATE_LEVERS: tuple[tuple[str, str], ...] = (
    ("economic_need", "economic need"),
    ("audience_cost", "audience cost"),
    ("leader_autonomy", "leader autonomy"),
    ("leader_disposition", "leader disposition"),
    ("fear_of_exclusion", "fear of exclusion"),
)
SIDES = ("a", "b")
US_PRESSURE_MAX = 2.0
SEED_MAX = 99

_REFUSALS = itertools.count(1)  # numbers the picker's refused picks, to rebuild the picker
_PYPLOT = threading.Lock()  # pyplot's figure registry is shared by every session's thread


def png_of(fig: Any, dpi: int) -> bytes:
    """A figure as PNG bytes; the figure is closed after (call it holding ``_PYPLOT``)."""
    import matplotlib.pyplot as plt

    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()
    finally:
        plt.close(fig)


def history_note(spec: Scenario) -> str:
    """What history did, for a panel that sets a result beside it (a future has none)."""
    outcome = spec.historical_outcome
    if outcome is None:
        return "this future has no history to compare with"
    return f"history: {outcome.label}, {outcome.date[:7]}"


def offered() -> dict[str, Path]:
    """The scenarios this server offers, by name: the shipped ones and ``$NEGSIM_APP_FILES``."""
    named = os.environ.get(FILES_ENV, "")
    return offered_scenarios(p for p in named.split(os.pathsep) if p)


def offered_path(name: Any) -> Path:
    """The file of an offered scenario; a :class:`ScenarioError` for anything else.

    This is the only way a name from the page becomes a path. The refusal is the same whether
    or not such a file exists, and shows at most the first 60 characters of what was sent.
    """
    catalog = offered()
    if isinstance(name, str) and name in catalog:
        return catalog[name]
    raise ScenarioError(
        shown(name),
        [("", "not one of the scenarios this page offers; start `negsim app FILE` to offer one")],
    )


def shown(value: Any) -> str:
    """What a page sent, quoted and cut to 60 characters, for a message."""
    return repr(value)[:60]


def _refuse(message: str) -> Any:
    raise ScenarioError("seminar app", [("", message)])


def scenario_names() -> list[str]:
    """The scenarios the picker offers, by name."""
    return list(offered())


def initial_scenario(names: list[str] | None = None) -> str:
    """The scenario the page opens on: ``$NEGSIM_APP_SCENARIO`` if offered, the 1965 case, or
    the first."""
    names = scenario_names() if names is None else names
    wanted = os.environ.get(SCENARIO_ENV)
    if wanted in names:
        return wanted
    if DEFAULT_SCENARIO in names or not names:
        return DEFAULT_SCENARIO
    return names[0]


def lever_name(side: str, motivation: str) -> str:
    """The model parameter of a per-state lever, e.g. ``side_a_audience_cost``."""
    return f"side_{side}_{motivation}"


def lever_overrides(spec: Scenario, levers: dict[str, float | None]) -> dict[str, float]:
    """Turn lever values (``us_pressure``, ``side_a_economic_need``, ...) into override paths.

    A lever left at ``None`` keeps the scenario's calibrated value.
    """
    out: dict[str, float] = {}
    if levers.get("us_pressure") is not None and "us_pressure" in spec.drivers:
        out["drivers.us_pressure.scale"] = float(levers["us_pressure"])
    for side, sid in zip(SIDES, spec.state_ids, strict=True):
        for motivation, _ in STATE_LEVERS:
            value = levers.get(lever_name(side, motivation))
            if value is not None:
                out[f"states.{sid}.{motivation}"] = float(value)
    return out


def calibrated_levers(spec: Scenario) -> dict[str, float]:
    """The levers at the scenario's own (historical) values."""
    driver = spec.drivers.get("us_pressure")
    levers = {"us_pressure": driver.scale.value if driver is not None else 1.0}
    for side, sid in zip(SIDES, spec.state_ids, strict=True):
        for motivation, _ in STATE_LEVERS:
            levers[lever_name(side, motivation)] = getattr(spec.states[sid], motivation).value
    return levers


def moved_only(spec: Scenario, levers: dict[str, float | None]) -> dict[str, float]:
    """The levers that differ from the scenario's own values.

    Reset sends every slider, moved or not; a lever at the file's value must stay the file's
    value, range included, since an override is a point value (``--set`` removes the path's
    range) and replications would otherwise hold it fixed where ``negsim run`` draws it.
    """
    own = calibrated_levers(spec)
    return {
        k: v for k, v in levers.items() if v is not None and k in own and abs(v - own[k]) > 1e-9
    }


def checked_lever(name: str, value: Any) -> float | None:
    """A lever's value as sent by the page: ``None``, or a finite number from 0 to its maximum."""
    if value is None:
        return None
    top = MAX_SCALE if name == "us_pressure" else 1.0  # the scenario file's own bounds
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not 0.0 <= value <= top:
        return _refuse(f"lever {name} must be a number from 0 to {top:g} (got {shown(value)})")
    return float(value)


def checked_seed(value: Any) -> int:
    """The seed as sent by the page: a whole number from 0 to 2**63 - 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        return _refuse(f"seed must be a whole number from 0 to {2**63 - 1} (got {shown(value)})")
    return int(value)


#: The replication counts *How sure?* offers (``negsim run -r``), and the one it starts on.
REPLICATION_CHOICES = (50, 200, 1000)
DEFAULT_REPLICATIONS = 200


def checked_replications(value: Any) -> int:
    """A replication count as sent by the page: one of :data:`REPLICATION_CHOICES`."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in REPLICATION_CHOICES:
        choices = ", ".join(map(str, REPLICATION_CHOICES))
        return _refuse(f"replications must be one of {choices} (got {shown(value)})")
    return int(value)


def checked_fixed(value: Any) -> bool:
    """The *point values only* (``--fixed``) switch as sent by the page: true or false."""
    if not isinstance(value, bool):
        return _refuse(f"the point-values switch must be true or false (got {shown(value)})")
    return value


class SeminarModel(NegotiationModel):
    """:class:`NegotiationModel` built from a shipped scenario's name and the seminar's levers.

    Every lever defaults to ``None``: the scenario's calibrated value. ``seed`` is the
    master seed of ``negsim run --seed`` (the run is that command's first replication).
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        us_pressure: float | None = None,
        side_a_economic_need: float | None = None,
        side_a_audience_cost: float | None = None,
        side_a_leader_autonomy: float | None = None,
        side_a_leader_disposition: float | None = None,
        side_a_fear_of_exclusion: float | None = None,
        side_b_economic_need: float | None = None,
        side_b_audience_cost: float | None = None,
        side_b_leader_autonomy: float | None = None,
        side_b_leader_disposition: float | None = None,
        side_b_fear_of_exclusion: float | None = None,
        seed: int = 0,
    ):
        levers = {k: v for k, v in locals().items() if k == "us_pressure" or k.startswith("side_")}
        levers = {k: checked_lever(k, v) for k, v in levers.items()}
        path = offered_path(scenario_name)
        base = load_scenario(path)
        moved = moved_only(base, levers)
        spec = load_scenario(path, lever_overrides(base, moved)) if moved else base
        self.scenario_name = scenario_name
        self.seed = checked_seed(seed)
        super().__init__(spec, rng=replication_seed(self.seed, 0))
        self.levers = calibrated_levers(spec)
        self.historical_levers = calibrated_levers(base)

    def step(self) -> None:
        """One month; nothing once the run is over (agreement reached or the end month passed)."""
        if self.running:
            super().step()

    @property
    def started(self) -> bool:
        """Whether at least one month has been simulated."""
        return self.agreement_step is not None or len(self.datacollector.model_vars["date"]) > 0

    def series(self):
        """The monthly series so far; before the first step, one row for the starting point."""
        import pandas as pd

        if self.started:
            return self.datacollector.get_model_vars_dataframe()
        row: dict[str, Any] = {
            "date": self.spec.start[:7],
            "talks_active": bool(self.run_state.talks_active),
        }
        for i, iid in enumerate(self.timeline.issue_ids):
            row[f"gap_{iid}"] = float(self.gaps[i])
        return pd.DataFrame([row])

    def summary(self) -> dict[str, Any]:
        """The run so far, as ``negsim run`` summarizes it (package, concession shares)."""
        return summarize(
            self.spec,
            self.timeline,
            self.agreement_step,
            self.run_state.origin,
            self.run_state.demand,
            self.gaps,
            replication_seed(self.seed, 0),
            self.shelved,
            int(self.run_state.signed_step),
        )

    @property
    def finished(self) -> bool:
        """Agreement reached, or the last month simulated."""
        return not self.running


def model_params(spec: Scenario, scenario_name: str, seed: int = 0) -> dict[str, Any]:
    """SolaraViz's controls for one run: the levers at its scenario's values, and its seed.

    The page rebuilds its sliders from these after each Reset, so the seed must be the run's
    own: a seed slider back at 0 would show one seed and rebuild the next run with another.
    """
    levers = calibrated_levers(spec)
    params: dict[str, Any] = {
        "scenario_name": scenario_name,  # fixed: the picker above SolaraViz chooses it
        "us_pressure": {
            "type": "SliderFloat",
            "value": levers["us_pressure"],
            "label": "U.S. pressure (× historical; 0 = none)",
            "min": 0.0,
            "max": max(US_PRESSURE_MAX, levers["us_pressure"]),
            "step": 0.1,
        },
        "seed": {
            "type": "SliderInt",
            "value": seed,
            "label": "Seed (as negsim run --seed)",
            "min": 0,
            "max": SEED_MAX,
            "step": 1,
        },
    }
    for side, sid in zip(SIDES, spec.state_ids, strict=True):
        for motivation, words in STATE_LEVERS:
            params[lever_name(side, motivation)] = {
                "type": "SliderFloat",
                "value": levers[lever_name(side, motivation)],
                "label": f"Side {side.upper()} · {sid}: {words}",
                "min": 0.0,
                "max": 1.0,
                "step": 0.05,
            }
    return params


# ---------------------------------------------------------------------------------------------
# The page's own components (each takes the model, like Mesa's plot components).


def gaps_png(
    spec: Scenario, series, agreement_date: str | None, title: str, dpi: int = 80
) -> bytes:
    """A run's gaps per issue with its drivers under them, as PNG bytes."""
    import matplotlib.pyplot as plt

    from negsim.figures.compare import LABEL_ROW, Run, add_drivers_panel, draw_events
    from negsim.figures.convergence import EVENT_GID, convergence_figure

    summary = {"agreement": agreement_date is not None, "agreement_date": agreement_date}
    with _PYPLOT:
        fig = convergence_figure(spec, series, summary)
        try:
            top = fig.axes[0]
            top.set_title(title)
            for text in list(top.texts):  # event labels in rows that never collide instead
                text.remove()
            for artist in [*top.patches, *top.collections, *fig.legends]:  # and the legend
                if artist.get_gid() == EVENT_GID or artist in fig.legends:  # to the right
                    artist.remove()
            rows = draw_events(top, spec, series["date"].iloc[0], series["date"].iloc[-1])
            top.set_ylim(-0.02, 1.03 + LABEL_ROW * rows)
            top.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
            top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
            add_drivers_panel(fig, [Run("", spec, series, summary)])
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
        finally:
            plt.close(fig)
    return buf.getvalue()


def convergence_png(model: SeminarModel, dpi: int = 80) -> bytes:
    """The convergence figure of the run so far, as PNG bytes."""
    agreed = model.agreement_step
    date = model.timeline.month_label(agreed) if agreed is not None else None
    return gaps_png(model.spec, model.series(), date, f"{model.spec.title}: {verdict(model)}", dpi)


def current_date(model: SeminarModel) -> str:
    """The month last simulated (the start month before the first step)."""
    return model.date if model.started else model.spec.start[:7]


def verdict(model: SeminarModel) -> str:
    """One line: where the run stands."""
    if model.agreement_step is not None:
        return f"agreement {model.timeline.month_label(model.agreement_step)}"
    if not model.started:
        return f"ready at {current_date(model)} (press Step or Play)"
    if model.finished:
        return f"no agreement by {model.date} (end of the run)"
    talks = "talks active" if model.run_state.talks_active else "talks suspended"
    return f"no agreement yet, {model.date}, {talks}"


def _e(text: Any) -> str:
    return html.escape(str(text))


def reference_word(spec: Scenario) -> str:
    """What a lever's file value is: history's in a historical case, the scenario's in a future."""
    return "history" if spec.historical_outcome is not None else "scenario"


def _was(model: SeminarModel, key: str) -> str:
    """``(history 0.50)`` after a lever moved away from the file's value (``scenario`` in a
    future, which has no history)."""
    now, then = model.levers[key], model.historical_levers[key]
    word = reference_word(model.spec)
    return "" if abs(now - then) < 1e-9 else f" <i>({word} {then:.2f})</i>"


def _share(x: float) -> str:
    return f"{round(x, 2) + 0.0:.0%}"  # + 0.0: no "-0%" for a hair's-breadth negative


def status_html(model: SeminarModel) -> str:
    """The status panel's content (HTML built only from escaped text)."""
    spec, timeline = model.spec, model.timeline
    started = model.started
    talks = bool(model.run_state.talks_active)
    parts = [
        '<div class="negsim-status">',
        f'<div><b>Date:</b> <span data-testid="negsim-date">{_e(current_date(model))}</span>'
        f" &nbsp; <b>Talks:</b> "
        f'<span data-testid="negsim-talks">{"active" if talks else "suspended"}</span></div>',
    ]
    if model.agreement_step is not None:
        agreed = timeline.month_label(model.agreement_step)
        state = f"Agreement reached: {agreed}"
    elif model.finished:
        state = f"No agreement by {model.date} (end of the run)"
    else:
        state = "No agreement yet"
    parts.append(f'<div style="font-size:1.2em"><b data-testid="negsim-outcome">{_e(state)}</b>')
    outcome = spec.historical_outcome
    if outcome is not None:
        parts.append(f" &nbsp;<i>(history: {_e(outcome.label)}, {_e(outcome.date[:7])})</i>")
    parts.append("</div>")

    us = model.levers["us_pressure"]
    parts.append(
        f'<div><b>Levers in this run:</b> <span data-testid="negsim-us">U.S. pressure '
        f"×{us:.1f}</span>{_was(model, 'us_pressure')}, seed {model.seed}. "
        "<i>Move a slider, then press Reset to apply it.</i></div>"
    )
    parts.append('<table class="negsim-sides"><tr><th>side</th><th>state</th>')
    parts.append("<th>drive to settle</th><th>domestic resistance</th>")
    parts.append("".join(f"<th>{_e(words)}</th>" for _, words in STATE_LEVERS) + "</tr>")
    for side, agent in zip(SIDES, model.states, strict=True):
        drive = f"{agent.drive:.2f}" if started else "–"
        resistance = f"{agent.resistance:.2f}" if started else "–"
        parts.append(
            f"<tr><td>{side.upper()}</td><td>{_e(agent.state_id)} ({_e(agent.name)})</td>"
            f'<td data-testid="negsim-drive-{side}">{drive}</td>'
            f'<td data-testid="negsim-resistance-{side}">{resistance}</td>'
        )
        for motivation, _ in STATE_LEVERS:
            key = lever_name(side, motivation)
            parts.append(f"<td>{model.levers[key]:.2f}{_was(model, key)}</td>")
        parts.append("</tr>")
    word = "history's" if spec.historical_outcome is not None else "the scenario's"
    parts.append(
        "</table><div><small>Lever values are the states' motivations at the start "
        f"(0 to 1); {word} value is shown where a lever was moved.</small></div>"
    )

    latest = latest_event(model)
    if latest is not None:
        parts.append(f"<div><b>Latest scheduled event:</b> {_e(latest)}</div>")

    if started:
        summary = model.summary()
        a, b = timeline.state_ids
        if summary["agreement"]:
            parts.append("<div><b>The package, in each issue's words:</b></div>")
        else:
            parts.append("<div><b>Where each side stands so far:</b></div>")
        head = "package" if summary["agreement"] else "remaining gap"
        parts.append(
            f'<table class="negsim-package" data-testid="negsim-package"><tr><th>issue</th>'
            f"<th>{head}</th><th>{_e(a)} conceded</th><th>{_e(b)} conceded</th></tr>"
        )
        for iid in timeline.issue_ids:
            if summary["agreement"]:
                what = summary["package"][iid]["wording"]
            else:
                what = f"{summary['final_gap'][iid]:.2f} of the initial distance"
            shares = summary["concession_share"]
            parts.append(
                f"<tr><td>{_e(spec.issues[iid].label)}</td><td>{_e(what)}</td>"
                f"<td>{_share(shares[a][iid])}</td><td>{_share(shares[b][iid])}</td></tr>"
            )
        mean = summary["mean_concession"]
        parts.append(
            f"<tr><td><i>mean over issues (unweighted)</i></td><td></td>"
            f"<td>{_share(mean[a])}</td><td>{_share(mean[b])}</td></tr></table>"
        )
        parts.append(
            "<div><small>Conceded: how far each side moved from its ideal, as a share of the "
            "initial gap on the issue.</small></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def path_words(path: str) -> str:
    """A parameter path as a reader says it: ``states.ROK.audience_cost`` -> ROK audience cost."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "states":
        return f"{parts[1]} {parts[2].replace('_', ' ')}"
    return path


def event_effect(spec: Scenario, event) -> str:
    """What a dated event does in the model, in words (talks, parameter changes, moves)."""
    bits = []
    if event.talks:
        bits.append(f"talks {'suspended' if event.talks == 'suspend' else 'resume'}")
    for change in event.changes:
        operation, value = change.operation
        verb = {"set": "set to", "add": "+", "multiply": "×"}.get(operation, operation)
        bits.append(f"{path_words(change.path)} {verb} {value:g}")
    for move in event.moves:
        label = spec.issues[move.issue].label
        bits.append(f"{move.state} moves {move.share:.0%} of the gap on {label}")
    return "; ".join(bits)


def latest_event(model: SeminarModel) -> str | None:
    """The last dated event the run has reached: its date, short name and effect in the model.

    Events fall on history's dates whatever the levers, so the page names what an event does
    in the run, not history's account of it (``Basic Relations Treaty initialed`` beside *No
    agreement* would say what the run did not do).
    """
    if not model.started:
        return None
    reached = [
        e.event
        for step, events in sorted(model.timeline.events.items())
        if step <= model.month_step
        for e in events
    ]
    if not reached:
        return None
    event = reached[-1]
    effect = event_effect(model.spec, event)
    name = event.short or event.label
    return f"{event.date[:7]} {name}" + (f" ({effect})" if effect else "")


STATUS_CSS = """
.negsim-status { font-size: 15px; line-height: 1.5; }
.negsim-status table { border-collapse: collapse; margin: 6px 0; }
.negsim-status th, .negsim-status td { border-bottom: 1px solid #ddd; padding: 2px 10px;
  text-align: left; vertical-align: top; }
"""


@solara.component
def ConvergencePlot(model: SeminarModel):
    """Gap per issue against the date, the drivers under it: suspensions, events, history."""
    update_counter.get()
    png = solara.use_memo(
        lambda: convergence_png(model), dependencies=[model, model.steps, update_counter.value]
    )
    solara.Image(png, width="100%", classes=["negsim-convergence"])


@solara.component
def StatusPanel(model: SeminarModel):
    """Date, talks, each side's drive and resistance, and the package on agreement."""
    update_counter.get()
    solara.Style(STATUS_CSS)
    solara.HTML(tag="div", unsafe_innerHTML=status_html(model), attributes={"id": "negsim-status"})


@solara.component
def ScenarioCard(names: list[str], model: SeminarModel, on_scenario, error: str | None):
    """The picker, and which state is side A and which side B."""
    spec = model.spec
    with solara.Card("Scenario", margin=0):
        solara.Select(
            label="Scenario", values=names, value=model.scenario_name, on_value=on_scenario
        )
        a, b = spec.state_ids
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<small>{_e(spec.title)} ({_e(spec.start[:7])} to {_e(spec.end[:7])})<br>"
                f"<b>Side A</b> = {_e(a)} ({_e(spec.states[a].name)}); "
                f"<b>Side B</b> = {_e(b)} ({_e(spec.states[b].name)}).<br>"
                "Levers set each state's motivations at the start; dated events may "
                "change them later. Press <b>Reset</b> to apply moved levers.</small>"
            ),
        )
        if error:
            solara.Error(error)


#: The speed choice, in words: months per Step (and per frame of Play); ``None`` = to the end.
SPEEDS: dict[str, int | None] = {"a month": 1, "a year": 12, "to the end": None}


def months_per_step(model: SeminarModel, speed: str) -> int:
    """How many months a Step covers at a speed in words (:data:`SPEEDS`)."""
    months = SPEEDS.get(speed, 1)
    return model.timeline.months if months is None else months


def long_date(month: str) -> str:
    """``1965-06`` as ``June 1965``."""
    from negsim.calendar import month_to_date, parse_month

    return month_to_date(parse_month(month)).strftime("%B %Y")


@solara.component
def DateReadout(model: SeminarModel):
    """The date the run has reached, in words, and how far through the run it is."""
    update_counter.get()
    month = current_date(model)
    done = model.month_step + 1 if model.started else 0
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'<span style="font-size:1.3em"><b data-testid="negsim-long-date">'
            f"{_e(long_date(month))}</b></span><br><small>{done} of {model.timeline.months} "
            f"months played ({_e(model.spec.start[:7])} to {_e(model.spec.end[:7])})"
            "</small>"
        ),
    )


@solara.component
def Controls(model: solara.Reactive[SeminarModel], parameters: solara.Reactive[dict]):
    """Mesa's Reset / Play / Step, a speed in words, and the date: nothing else to set."""
    from mesa.visualization.solara_viz import ModelController

    speed = solara.use_reactive("a month")
    play_interval = solara.use_reactive(50)
    render_interval = solara.use_reactive(months_per_step(model.value, speed.value))
    use_threads = solara.use_reactive(False)
    with solara.Card("Run", margin=0):
        solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), on_value=speed.set, dense=True)
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<small>Each Step (and each frame of ▶) covers this much.</small>",
        )
        ModelController(
            model,
            model_parameters=parameters,
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=use_threads,
        )
        DateReadout(model.value)


@solara.component
def LeverSlider(name: str, spec: dict[str, Any], value: float, on_value: Callable):
    """One lever: a slider with its label, and its value always shown beside it."""
    shown_value = f"{value:.{0 if spec['type'] == 'SliderInt' else 2}f}"
    with solara.Row(style={"align-items": "center"}, gap="8px"):
        kind = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
        kind(
            label=spec["label"],
            value=value,
            on_value=on_value,
            min=spec["min"],
            max=spec["max"],
            step=spec["step"],
            thumb_label=False,
        )
        solara.HTML(
            tag="span",
            unsafe_innerHTML=_e(shown_value),
            attributes={"data-testid": f"negsim-value-{name}", "class": "negsim-lever-value"},
        )


@solara.component
def Levers(params: dict[str, Any], parameters: solara.Reactive[dict]):
    """The seminar's levers; each takes effect on Reset (Mesa's model parameters)."""
    values = parameters.value

    def setter(name: str) -> Callable[[float], None]:
        return lambda value: parameters.set({**parameters.value, name: value})

    with solara.Card("Levers", margin=0):
        for name, spec in params.items():
            if isinstance(spec, dict):
                LeverSlider(name, spec, values.get(name, spec["value"]), setter(name))
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<small>Move a lever, then press <b>Reset</b> to apply it.</small>",
        )


MODES = ("Watch the model", "Compare two runs", "How sure? (many runs)", "Play a side")
WATCH, COMPARE, SURE, PLAY = MODES


@solara.component
def ScenarioView(
    opened: SeminarModel, names: list[str], on_scenario: Callable[[str], None], error: str | None
):
    """One scenario's whole page: its layout, Mesa's controls, the levers, curves and status.

    The page keys this view on the scenario, so picking another one mounts everything anew:
    the levers' labels and values, the parameters Reset builds from, and the model.
    """
    model = solara.use_reactive(solara.use_memo(lambda: opened, []))
    current = model.value
    params = model_params(current.spec, current.scenario_name, current.seed)
    parameters = solara.use_reactive(
        {k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}
    )
    mode = solara.use_reactive(WATCH)
    # The last replications, held here so that they outlive a switch of mode (the panel
    # shows them while they are of the run on screen).
    replications = solara.use_reactive(None)
    with solara.AppLayout(title=f"negsim seminar — {current.spec.title}"):
        with solara.Sidebar():
            ScenarioCard(names, current, on_scenario, error)
            if mode.value != PLAY:
                Controls(model, parameters)
            Levers(params, parameters)
        with solara.Column(style={"padding": "8px 16px", "max-width": "1150px"}):
            solara.ToggleButtonsSingle(value=mode, values=list(MODES), on_value=mode.set)
            if mode.value == WATCH:
                ConvergencePlot(current)
                StatusPanel(current)
            elif mode.value == COMPARE:
                from negsim.app_compare import ComparePanel

                ComparePanel(current, parameters.value)
            elif mode.value == SURE:
                from negsim.app_replications import ReplicationsPanel

                ReplicationsPanel(current, parameters.value, replications)
            else:
                from negsim.app_play import PlayPanel

                PlayPanel(current, parameters.value)


@solara.component
def Page():
    """The seminar page: the picker, the controls and levers, the curves and the status."""
    names = scenario_names()
    first = solara.use_memo(lambda: SeminarModel(scenario_name=initial_scenario(names)), [])
    opened = solara.use_reactive(first)
    error = solara.use_reactive(None)
    refused = solara.use_reactive(0)

    def choose(name: str | None) -> None:
        if not name or name == opened.value.scenario_name:
            return
        try:  # whatever the page sent: SeminarModel opens only what `offered` names
            new = SeminarModel(scenario_name=name)
        except (ScenarioError, OSError, ValueError) as exc:
            error.set(f"cannot open {exc}")
            refused.set(next(_REFUSALS))  # a new number each time, whatever this closure saw
            return
        error.set(None)
        opened.set(new)

    # Keyed on the scenario, layout included: Solara does not remount what a sidebar holds
    # when only a component inside the layout changes key. A refused pick remounts it too,
    # so that the picker shows the scenario still open, not the value the page sent (the
    # model, and so the run on screen, is the same object).
    ScenarioView(opened.value, names, choose, error.value).key(
        f"scenario-{opened.value.scenario_name}-{refused.value}"
    )


@solara.component
def Layout(children: list | None = None):
    """No outer app layout: each scenario's view brings its own (see :func:`ScenarioView`)."""
    solara.Column(children=children or [], margin=0, gap="0px", style={"height": "100%"})


page = Page
