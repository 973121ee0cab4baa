"""The seminar page's "How sure? (many runs)": replications of the run on screen's scenario.

One run is one path through the monthly shocks. Here the page runs the scenario R times
(50, 200 or 1,000), as ``negsim run SCENARIO --seed S -r R [--fixed] --set ...`` does with the
levers the run on screen was built with (move a lever, press Reset) as ``--set`` overrides
and its seed as the master seed. Each replication draws the judgements that carry a range
(docs/model.md §3.6) unless *point values only* (``--fixed``) is on; a moved lever is a point
value, as ``--set`` makes it. The numbers are :func:`negsim.simulation.replicate`'s: the
agreement probability, the 10/50/90 % agreement dates, the probability with the point values
only, and how much of the spread comes from the judgements and how much from the shocks.
The figure (:func:`negsim.figures.uncertainty.agreement_dates_figure`) shows when the runs
agree, with history's date where the case has one. The work runs in a thread of this browser
session, so the page shows that it is working and stays usable.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara
import solara.lab

from negsim.app import (
    _PYPLOT,
    DEFAULT_REPLICATIONS,
    REPLICATION_CHOICES,
    STATUS_CSS,
    SeminarModel,
    _e,
    checked_fixed,
    checked_replications,
    history_note,
    lever_overrides,
    moved_only,
    offered_path,
    png_of,
)
from negsim.calendar import parse_month
from negsim.scenario import Scenario, ScenarioError, load_scenario


@dataclass(frozen=True)
class Replications:
    """R replications of one run on screen's scenario, levers and seed, and what they gave."""

    scenario_name: str
    spec: Scenario
    seed: int
    levers: dict[str, float]
    count: int
    fixed: bool
    summary: dict[str, Any]  # replicate()'s, as `negsim run -r R --json` prints it
    months: np.ndarray  # each agreeing run's month of agreement (calendar months)
    overrides: dict[str, float]  # the moved levers as --set paths
    moved: list[str]  # the moved levers in words (as *Compare* names them)

    def matches(self, model: SeminarModel) -> bool:
        """Whether these replications are of the run on screen (scenario, levers and seed)."""
        return (
            self.scenario_name == model.scenario_name
            and self.seed == model.seed
            and self.levers == model.levers
        )


def run_replications(model: SeminarModel, count: Any, fixed: Any) -> Replications:
    """Replicate the run on screen's scenario ``count`` times, as ``negsim run -r`` does.

    ``count`` and ``fixed`` are what the page sent, checked here like the levers. The numbers
    come from :func:`replicate`; the months of agreement, for the figure, from the batch
    engine's runs under the same seeds (the same runs: the figure's share of agreeing runs is
    the probability shown).
    """
    from negsim.app_compare import moved_levers
    from negsim.engine import run_batch
    from negsim.simulation import replicate, replication_seeds

    count, fixed = checked_replications(count), checked_fixed(fixed)
    spec = model.spec
    summary = replicate(spec, model.seed, count, draw=not fixed)
    batch = run_batch(spec, replication_seeds(model.seed, count), draw=not fixed)
    months = parse_month(spec.start) + batch.agreement_step[batch.agreed]
    base = load_scenario(offered_path(model.scenario_name))
    overrides = lever_overrides(base, moved_only(base, model.levers))
    return Replications(
        model.scenario_name,
        spec,
        model.seed,
        dict(model.levers),
        count,
        fixed,
        summary,
        months,
        overrides,
        moved_levers(model),
    )


def command_line(result: Replications) -> str:
    """The ``negsim run`` command that prints these numbers, quoted for a POSIX shell."""
    from negsim.catalog import shipped_scenarios

    name = result.scenario_name
    target = name if name in {p.stem for p in shipped_scenarios()} else str(offered_path(name))
    words = ["negsim", "run", target, "--seed", str(result.seed), "-r", str(result.count)]
    if result.fixed:
        words.append("--fixed")
    for path, value in result.overrides.items():
        words += ["--set", f"{path}={value!r}"]  # repr: the float itself, to the last bit
    return shlex.join(words)


def sampling_words(probability: float, runs: int) -> str:
    """How far the probability could be off from the number of runs alone (not the model)."""
    if probability in (0.0, 1.0):
        # The rule of three: no event in n trials puts the 95 % upper bound near 3/n.
        what = "an agreement" if probability == 0.0 else "no agreement"
        return (
            f"{'None' if probability == 0.0 else 'All'} of {runs} runs agree: a chance of {what} "
            f"below about {3 / runs:.1%} could go unseen in this many runs (the rule of three)."
        )
    margin = 1.96 * math.sqrt(probability * (1.0 - probability) / runs)
    return f"From running only {runs} replications, the probability could be off by ±{margin:.2f}."


def spread_words(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(testid, words) for each outcome's spread: judgements against monthly shocks."""
    spread = summary.get("spread") or {}
    out = []
    for key, label in (("agreed", "agreement (yes/no)"), ("agreement_month", "agreement month")):
        split = spread.get(key)
        if split and split["variance"] > 0:
            words = (
                f"{split['from_judgements']:.0%} from the judgements, "
                f"{split['from_shocks']:.0%} from the monthly shocks"
            )
        elif split:
            words = "none (every run the same)"
        else:
            words = "too few runs agree to split it"
        out.append((f"negsim-sure-spread-{key.replace('_', '-')}", f"{label}: {words}"))
    return out


def replications_html(result: Replications) -> str:
    """The replications' numbers, in words (escaped text only)."""
    summary, spec = result.summary, result.spec
    p = summary["agreement_probability"]
    agreeing = len(result.months)
    parts = ['<div class="negsim-status" data-testid="negsim-sure">']
    history = history_note(spec)
    parts.append(
        '<div style="font-size:1.3em"><b>Agreement probability '
        f'<span data-testid="negsim-sure-probability">{p:.2f}</span></b>: '
        f"{agreeing} of {result.count} runs agree by {_e(spec.end[:7])} "
        f"<i>({_e(history)})</i></div>"
    )
    q = summary["agreement_date_quantiles"]
    dates = f"{q['q10']} / {q['q50']} / {q['q90']}" if q else "none: no run agrees"
    parts.append(
        "<div><b>Agreement date, 10 / 50 / 90 %</b> of the runs that agree: "
        f'<span data-testid="negsim-sure-dates">{_e(dates)}</span></div>'
    )
    judged = summary["judgements"]
    if not judged["count"]:
        parts.append(
            "<div><b>Judgements:</b> this scenario gives no ranges, so every run uses the "
            "point values and the spread is the monthly shocks' alone (the switch changes "
            "nothing).</div>"
        )
    elif not judged["drawn"]:
        parts.append(
            f"<div><b>Judgements:</b> the {judged['count']} judgements that carry a range are "
            "held at their point values (<code>--fixed</code>): the spread is the monthly "
            "shocks' alone.</div>"
        )
    else:
        fixed = summary["agreement_probability_fixed"]
        parts.append(
            f"<div><b>Judgements:</b> each run drew its own value of each of the "
            f"{judged['count']} judgements that carry a range (a moved lever is a point value, "
            "as with <code>--set</code>). "
            "With the point values only (<code>--fixed</code>): probability "
            f'<span data-testid="negsim-sure-fixed">{fixed:.2f}</span>.</div>'
        )
        design = (summary.get("spread") or {}).get("design", "")
        parts.append(f"<div><b>Where the spread comes from</b> <small>({_e(design)})</small>:<ul>")
        for testid, words in spread_words(summary):
            parts.append(f'<li data-testid="{testid}">{_e(words)}</li>')
        parts.append("</ul></div>")
    parts.append(
        f"<div><b>How sure is this?</b> {_e(sampling_words(p, result.count))} These are the "
        "model's odds under its rules and the scenario's ranges, not the world's: a probability "
        "of 1.00 says that every run agreed, not that the agreement was certain.</div>"
    )
    parts.append(
        "<div><small>The same numbers from the command line: "
        f'<code data-testid="negsim-sure-command">{_e(command_line(result))}</code></small></div>'
    )
    parts.append("</div>")
    return "".join(parts)


def figure_title(result: Replications) -> str:
    """The figure's title: the scenario, then the moved levers, what the runs drew, the seed."""
    draws = "point values only (--fixed)" if result.fixed else "judgements drawn from their ranges"
    moved = result.moved
    levers = "levers: " + ", ".join(moved) if moved else "levers at the scenario's values"
    return f"{result.spec.title}\n{levers}; {draws}; seed {result.seed}"


def replications_png(result: Replications, dpi: int = 80) -> bytes:
    """When the replications agree, as PNG bytes."""
    from negsim.figures.uncertainty import agreement_dates_figure

    outcome = result.spec.historical_outcome
    with _PYPLOT:
        fig = agreement_dates_figure(
            result.months,
            result.count,
            result.spec.start,
            result.spec.end,
            figure_title(result),
            (outcome.date, outcome.label) if outcome is not None else None,
        )
        return png_of(fig, dpi)


def working_words(count: int, fixed: bool, ranged: bool) -> str:
    """What the page is running while the replications run."""
    runs = f"Running {count:,} replications"
    if fixed or not ranged:
        return f"{runs} with the point values…"
    return (
        f"{runs} with the judgements drawn from their ranges, {count:,} with the point values, "
        "and 1,000 more that split the spread…"
    )


def unapplied_levers(model: SeminarModel, parameters: dict) -> bool:
    """Whether the sliders differ from the run on screen (moved, Reset not yet pressed)."""
    for key, value in model.levers.items():
        sent = parameters.get(key)
        if isinstance(sent, int | float) and abs(float(sent) - value) > 1e-9:
            return True
    return parameters.get("seed", model.seed) != model.seed


@solara.component
def ReplicationsPanel(
    model: SeminarModel, parameters: dict, kept: solara.Reactive[tuple | None]
) -> None:
    """Run R replications of the run on screen; their numbers, and when they agree."""
    from negsim.judgements import scenario_judgements

    solara.Style(STATUS_CSS)
    count = solara.use_reactive(DEFAULT_REPLICATIONS)
    fixed = solara.use_reactive(False)
    ranged = bool(scenario_judgements(model.spec))

    def work() -> tuple[Replications, bytes]:
        result = run_replications(model, count.value, fixed.value)
        done = (result, replications_png(result))
        kept.set(done)  # held by the scenario's view: it outlives a switch of mode
        return done

    task = solara.lab.use_task(work, dependencies=None, raise_error=False)
    with solara.Card("How sure? Many runs of the run on screen", margin=0):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<div>One run is one path through the monthly shocks. Run the scenario many "
                "times, with the levers and seed of the run on screen (press <b>Reset</b> to "
                "apply moved levers): each run has its own shocks and, unless the switch "
                "holds them at their point values, its own draw of the judgements that carry "
                "a range.</div>"
            ),
        )
        with solara.Row(style={"align-items": "center"}, gap="16px"):
            solara.HTML(tag="span", unsafe_innerHTML="<b>Replications:</b>")
            solara.ToggleButtonsSingle(
                value=count.value,
                values=list(REPLICATION_CHOICES),
                on_value=count.set,
                dense=True,
                mandatory=True,
            )
            solara.Switch(
                label="Point values only (--fixed)",
                value=fixed.value,
                on_value=fixed.set,
                disabled=not ranged,
            )
            solara.Button(
                f"Run {count.value:,} replications",
                on_click=task,
                color="primary",
                disabled=task.pending,
            )
        if not ranged:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    "<small>This scenario gives no ranges: every run uses the point values.</small>"
                ),
            )
        if unapplied_levers(model, parameters):
            solara.Warning(
                "A slider differs from the run on screen: press Reset to apply it. The "
                "replications use the run on screen's levers and seed."
            )
    if task.pending:
        solara.ProgressLinear(True)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=_e(working_words(count.value, fixed.value, ranged)),
            attributes={"data-testid": "negsim-sure-working"},
        )
    elif task.error:
        error = task.exception
        words = str(error) if isinstance(error, ScenarioError) else f"the runs failed: {error!r}"
        solara.Error(f"cannot run the replications: {words}")
    done = kept.value
    if done is not None and done[0].matches(model):
        result, png = done
        solara.HTML(tag="div", unsafe_innerHTML=replications_html(result))
        solara.Image(png, width="100%", classes=["negsim-sure-figure"])
    elif not task.pending:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                '<div class="negsim-status" data-testid="negsim-sure-ready">Press <b>Run '
                f"{count.value:,} replications</b> to ask how sure the run on screen's outcome "
                "is.</div>"
            ),
        )
