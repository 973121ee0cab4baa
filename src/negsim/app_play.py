"""The seminar page's "Play a side": a student takes one state's seat; the model plays the other.

Each round the page shows what a delegation would see as the next month opens (the date
and its events, the seat's drive and domestic resistance, the partner's demands in each
issue's words and units, what the audience tolerates), and the student sets a demand per
issue or holds, walks out, or accepts the partner's offer. The game is a
:class:`negsim.roleplay.RolePlayModel` held in this browser session's own state: several
students in several sessions never share a game. At the end the page compares the
student's package and date with the model's own run and with history, and offers the moves
as CSV.
"""

from __future__ import annotations

from typing import Any

import solara

from negsim.app import (
    STATUS_CSS,
    SeminarModel,
    _e,
    _share,
    event_effect,
    gaps_png,
    history_note,
    long_date,
)
from negsim.figures.compare import Run, outcome_rows, verdict
from negsim.outcome import describe_point
from negsim.roleplay import MOVES, ROUNDS, Move, RolePlayModel, Table, moves_csv
from negsim.simulation import replication_seed, simulate

REFERENCE = "rok_japan_1951_1965"
"""The case whose concession shares the debrief shows beside the game's (F2: 1965)."""


def level_words(game: RolePlayModel, issue: int, level: float, seat: int | None = None) -> str:
    """A point ``level`` of the way from a seat's ideal to its partner's, in the issue's words."""
    s = game.seat if seat is None else seat
    ideal, other = game.run_state.ideal[s, issue], game.run_state.ideal[1 - s, issue]
    iid = game.timeline.issue_ids[issue]
    return describe_point(game.spec, iid, float(ideal + level * (other - ideal)))


def table_html(game: RolePlayModel, table: Table) -> str:
    """What the delegation sees as the month opens (escaped text only)."""
    spec, s = game.spec, game.seat
    sid, pid = game.timeline.state_ids[s], game.timeline.state_ids[1 - s]
    parts = [
        '<div class="negsim-status">',
        f'<div style="font-size:1.2em"><b>You are {_e(sid)} ({_e(spec.states[sid].name)}).</b> '
        f'The table as <b data-testid="negsim-play-date">{_e(table.date)}</b> '
        f"({_e(long_date(table.date))}) opens: talks "
        f'<b data-testid="negsim-play-talks">{"in session" if table.talks_active else "suspended"}'
        "</b>.</div>",
    ]
    if table.events:
        parts.append("<div><b>This month:</b><ul>")
        for event in table.events:
            effect = event_effect(spec, event)
            parts.append(f"<li>{_e(event.label)}" + (f" <i>({_e(effect)})</i>" if effect else ""))
        parts.append("</ul></div>")
    parts.append(
        f'<div><b>Your drive to settle:</b> <span data-testid="negsim-play-drive">'
        f"{table.drive:.2f}</span> &nbsp; <b>Domestic resistance:</b> "
        f'<span data-testid="negsim-play-resistance">{table.resistance:.2f}</span> &nbsp; '
        f"<b>Audience cost:</b> {table.audience_cost:.2f}</div>"
    )
    parts.append(
        '<table data-testid="negsim-play-table"><tr><th>issue</th>'
        f"<th>{_e(pid)} now demands</th><th>you now demand</th>"
        "<th>your audience tolerates up to</th></tr>"
    )
    for i, iid in enumerate(game.timeline.issue_ids):
        partner = describe_point(spec, iid, float(table.partner_demand[i]))
        own = level_words(game, i, float(table.own_level[i]))
        tolerated = level_words(game, i, float(table.tolerated_level[i]))
        parts.append(
            f"<tr><td>{_e(spec.issues[iid].label)}</td>"
            f'<td data-testid="negsim-play-partner-{_e(iid)}">{_e(partner)}</td>'
            f"<td>{_e(own)}</td><td>{_e(tolerated)} "
            f"({_share(float(table.tolerated_level[i]))} of the way)</td></tr>"
        )
    parts.append(
        "</table><div><small>Conceding beyond what your audience tolerates this month "
        "hardens it (your audience cost rises, and with it your resistance); a signed "
        "package must pass your ratification step where the scenario gives one. Walking out "
        "suspends the talks for the round.</small></div></div>"
    )
    return "".join(parts)


def reference_shares(game: RolePlayModel) -> dict[str, dict[str, float]] | None:
    """The 1965 case's concession shares (the model's run of history), for the debrief."""
    from negsim.app import offered_path
    from negsim.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(offered_path(REFERENCE))
    except ScenarioError:
        return None
    return simulate(spec, seed=replication_seed(0, 0))[1]["concession_share"]


def debrief_html(game: RolePlayModel, own: Run, played: Run, ref: dict | None) -> str:
    """The end of the game: the student's package and date beside the model's and history's."""
    spec, s = game.spec, game.seat
    sid, pid = game.timeline.state_ids[s], game.timeline.state_ids[1 - s]
    parts = ['<div class="negsim-status" data-testid="negsim-debrief">']
    history = history_note(spec)
    parts.append(
        f'<div style="font-size:1.2em"><b data-testid="negsim-play-outcome">Your game: '
        f"{_e(verdict(played))}</b>; the model's own {_e(sid)}: {_e(verdict(own))}; "
        f"{_e(history)}.</div>"
    )
    rows = outcome_rows([played, own])
    head, *body = rows
    parts.append("<table><tr>" + "".join(f"<th>{_e(h) or 'issue'}</th>" for h in head) + "</tr>")
    for row in body:
        parts.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>")
    parts.append("</table>")
    parts.append("<div><b>Who conceded what</b> (share of the initial gap on each issue):</div>")
    head = f"<tr><th>issue</th><th>you ({_e(sid)})</th><th>{_e(pid)} (the model)</th>"
    head += f"<th>model's own {_e(sid)}</th><th>{_e(pid)} against it</th>"
    if ref is not None:
        a, b = list(ref)
        head += f"<th>1965: {_e(a)}</th><th>1965: {_e(b)}</th>"
    parts.append('<table data-testid="negsim-shares">' + head + "</tr>")
    for iid in game.timeline.issue_ids:
        cells = [
            played.summary["concession_share"][sid][iid],
            played.summary["concession_share"][pid][iid],
            own.summary["concession_share"][sid][iid],
            own.summary["concession_share"][pid][iid],
        ]
        row = f"<tr><td>{_e(spec.issues[iid].label)}</td>"
        row += "".join(f"<td>{_share(x)}</td>" for x in cells)
        if ref is not None:
            row += "".join(
                f"<td>{_share(ref[k][iid])}</td>" if iid in ref[k] else "<td>–</td>" for k in ref
            )
        parts.append(row + "</tr>")
    parts.append("</table>")
    added = sum(r["backlash"] for r in game.log)
    walked = sum(r["move"] == MOVES["walk_out"] for r in game.log)
    yours = sum(r["round"] > 0 for r in game.log)
    parts.append(
        f"<div>Your audience cost rose by {added:.2f} from concessions beyond what it "
        f"tolerated; you walked out for {walked} month(s); you played {yours} months in "
        f"{game.rounds} rounds.</div></div>"
    )
    return "".join(parts)


@solara.component
def IssueSlider(game: RolePlayModel, issue: int, value: float, on_value):
    """A demand on one issue: from your position to the partner's, its value in words."""
    spec, s = game.spec, game.seat
    iid = game.timeline.issue_ids[issue]
    sid, pid = game.timeline.state_ids[s], game.timeline.state_ids[1 - s]
    positions = spec.issues[iid].positions
    with solara.Column(gap="0px"):
        solara.SliderFloat(
            label=f"Your demand: {spec.issues[iid].label}",
            value=value,
            on_value=on_value,
            min=0.0,
            max=1.0,
            step=0.01,
            thumb_label=False,
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<small>0 = {_e(sid)}: {_e(positions[sid])} &nbsp;…&nbsp; 1 = {_e(pid)}: "
                f"{_e(positions[pid])}<br><b>Now {_share(value)} of the way:</b> "
                f"{_e(level_words(game, issue, value))}</small>"
            ),
            attributes={"data-testid": f"negsim-play-value-{iid}"},
        )


def game_png(game: RolePlayModel) -> bytes | None:
    """The game's gaps and drivers so far (``None`` before the first month)."""
    if not game.started:
        return None
    agreed = game.agreement_step
    date = game.timeline.month_label(agreed) if agreed is not None else None
    title = f"{game.spec.title}: your game as {game.timeline.state_ids[game.seat]}"
    return gaps_png(game.spec, game.datacollector.get_model_vars_dataframe(), date, title)


def debrief_runs(game: RolePlayModel) -> tuple[Run, Run]:
    """The student's game and the model's own run (same scenario, levers and seed)."""
    played = Run("your game", game.spec, game.datacollector.get_model_vars_dataframe(),
                 game.summary())  # fmt: skip
    own = Run("the model's own run", game.spec, *simulate(game.spec, seed=game.seed))
    return played, own


@solara.component
def Game(game: RolePlayModel, on_new: Any):
    """One game: the table, the student's move, the curves; the debrief at the end."""
    from negsim.app_compare import comparison_png

    tick = solara.use_reactive(0)
    length = solara.use_reactive("event")
    table = solara.use_memo(game.table, dependencies=[game, tick.value])
    start = [float(x) for x in table.own_level] if table is not None else []
    levels = solara.use_reactive(start)
    solara.use_effect(lambda: levels.set(start), [tick.value])
    over = table is None
    curves = solara.use_memo(lambda: game_png(game), dependencies=[game, tick.value])
    runs = solara.use_memo(lambda: debrief_runs(game) if over else None, dependencies=[over])
    overlay = solara.use_memo(lambda: comparison_png(list(runs)) if runs else None, [runs])
    ref = solara.use_memo(
        lambda: reference_shares(game) if over and game.spec.id != REFERENCE else None, [over]
    )

    def play(kind: str) -> None:
        move = Move(kind, tuple(levels.value)) if kind == "demand" else Move(kind)
        game.play(move, length.value)
        tick.set(tick.value + 1)

    if not over:
        solara.HTML(tag="div", unsafe_innerHTML=table_html(game, table))
        with solara.Card("Your move", margin=0):
            for i in range(len(game.timeline.issue_ids)):
                value = levels.value[i] if i < len(levels.value) else 0.0

                def set_level(x: float, i: int = i) -> None:
                    new = list(levels.value)
                    new[i] = float(x)
                    levels.set(new)

                IssueSlider(game, i, value, set_level)
            lengths = list(ROUNDS.values())
            solara.ToggleButtonsSingle(
                value=ROUNDS[length.value],
                values=lengths,
                on_value=lambda w: length.set(list(ROUNDS)[lengths.index(w)]),
                dense=True,
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f"<small>The round lasts {_e(ROUNDS[length.value])}: your move opens it, "
                    "then you hold.</small>"
                ),
            )
            with solara.Row():
                for kind, words in MOVES.items():
                    solara.Button(
                        words.split(" (")[0].capitalize(), on_click=lambda k=kind: play(k)
                    )
        if curves is not None:
            solara.Image(curves, width="100%", classes=["negsim-play-curves"])
    else:
        solara.Image(overlay, width="100%", classes=["negsim-play-comparison"])
        played, own = runs
        solara.HTML(tag="div", unsafe_innerHTML=debrief_html(game, own, played, ref))
    with solara.Row():
        solara.FileDownload(
            lambda: moves_csv(game).encode("utf-8"),
            filename=f"negsim_moves_{game.spec.id}.csv",
            label="Download the moves (CSV)",
        )
        solara.Button("New game", on_click=on_new, outlined=True)


def start_months(spec) -> dict[str, str]:
    """Where a game may start: the run's first month, or any shown event's month (in words)."""
    out = {f"the start ({spec.start[:7]})": spec.start[:7]}
    for event in spec.events:
        if event.show:
            out.setdefault(f"{event.date[:7]} {event.short or event.label}", event.date[:7])
    return out


@solara.component
def PlayPanel(model: SeminarModel, parameters: dict):
    """Pick a seat and play; the game lives in this browser session only."""
    solara.Style(STATUS_CSS)
    game = solara.use_reactive(None)
    seat = solara.use_reactive(0)
    starts_at = solara.use_reactive("")
    spec = model.spec
    if game.value is None:
        names = [f"{sid} ({spec.states[sid].name})" for sid in spec.state_ids]
        with solara.Card("Play a side", margin=0):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    "<div>Take one state's seat; the model plays the other by its own rules. "
                    "The game starts from the levers of the run on screen (press Reset in "
                    "<i>Watch the model</i> to change them).</div>"
                ),
            )
            solara.ToggleButtonsSingle(
                value=names[seat.value],
                values=names,
                on_value=lambda v: seat.set(names.index(v)),
            )
            starts = start_months(spec)
            solara.Select(
                label="Take the seat at",
                values=list(starts),
                value=starts_at.value if starts_at.value in starts else next(iter(starts)),
                on_value=starts_at.set,
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    "<small>Until then the model plays your state by its own rules.</small>"
                ),
            )

            def start() -> None:
                seed = replication_seed(model.seed, 0)
                new = RolePlayModel(spec, seat.value, rng=seed)
                month = starts.get(starts_at.value, spec.start[:7])
                new.hand_over(month)
                game.set(new)

            solara.Button(f"Start as {spec.state_ids[seat.value]}", on_click=start, color="primary")
        return
    Game(game.value, lambda: game.set(None)).key(f"game-{id(game.value)}")
