"""The seminar app without a browser: the model factory, the levers, and the page's components."""

from __future__ import annotations

import os
import re
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import solara
import solara.widgets
import yaml
from typer.testing import CliRunner

import negsim
from negsim import app as seminar
from negsim import load_scenario, replication_seed, simulate
from negsim.app import (
    ConvergencePlot,
    Page,
    SeminarModel,
    StatusPanel,
    calibrated_levers,
    lever_overrides,
    model_params,
    status_html,
)
from negsim.catalog import find_scenario, offered_name, offered_scenarios, shipped_scenarios
from negsim.cli import app as cli_app

SCENARIO_NAME = "rok_japan_1951_1965"


@pytest.fixture(scope="module")
def finished_1965() -> SeminarModel:
    model = SeminarModel(scenario_name=SCENARIO_NAME)
    model.run()
    return model


def offer(monkeypatch, *paths: Path) -> list[str]:
    """Offer these files as `negsim app FILE ...` would; their names in the picker."""
    monkeypatch.setenv(seminar.FILES_ENV, os.pathsep.join(str(p) for p in paths))
    return [offered_name(seminar.offered(), p) for p in paths]


@pytest.fixture
def ab_scenario(tmp_path: Path, monkeypatch) -> str:
    """The 1965 case with other state ids (AAA, BBB), offered as if named on the command line."""
    text = find_scenario(SCENARIO_NAME).read_text(encoding="utf-8")
    doc = yaml.safe_load(text.replace("ROK", "AAA").replace("JPN", "BBB"))
    doc["id"] = "ab_test"
    doc["title"] = "A <b>test</b> & its states"
    doc["states"]["AAA"]["name"] = "Side <script>alert(1)</script>"
    doc["issues"]["amount"]["label"] = "<b>Amount</b>"
    path = tmp_path / "ab_test.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    (name,) = offer(monkeypatch, path)
    return name


def status_text(rc) -> str:
    html = rc.find(solara.widgets.HTML, attributes={"id": "negsim-status"})
    return html.widget.unsafe_innerHTML


def render_page():
    """The page as the server shows it (it brings its own app layout)."""
    return solara.render(Page(), handle_error=False)


# --- the model factory -------------------------------------------------------------------------


def test_levers_map_side_a_and_b_to_the_scenarios_two_states(ab_scenario):
    spec = load_scenario(seminar.offered_path(ab_scenario))
    paths = lever_overrides(
        spec, {"us_pressure": 0.0, "side_a_audience_cost": 0.9, "side_b_economic_need": 0.2}
    )
    a, b = spec.state_ids
    assert paths == {
        "drivers.us_pressure.scale": 0.0,
        f"states.{a}.audience_cost": 0.9,
        f"states.{b}.economic_need": 0.2,
    }
    model = SeminarModel(scenario_name=ab_scenario, side_a_audience_cost=0.9)
    assert model.spec.states[a].audience_cost.value == 0.9
    assert model.levers["side_a_audience_cost"] == 0.9
    assert model.historical_levers["side_a_audience_cost"] == spec.states[a].audience_cost.value


def test_default_run_is_negsim_run_with_the_same_seed(finished_1965):
    spec = load_scenario(find_scenario(SCENARIO_NAME))
    _, summary = simulate(spec, seed=replication_seed(0, 0))
    assert summary["agreement"]
    assert finished_1965.summary()["agreement_date"] == summary["agreement_date"]
    assert finished_1965.summary()["package"] == summary["package"]


def test_1965_closes_in_1965_with_us_pressure_and_not_without():
    with_us = SeminarModel(scenario_name=SCENARIO_NAME)
    with_us.run()
    assert with_us.summary()["agreement_date"].startswith("1965")
    without = SeminarModel(scenario_name=SCENARIO_NAME, us_pressure=0.0)
    without.run()
    assert without.agreement_step is None
    assert without.date == without.spec.end[:7]


def test_stepping_after_the_run_is_over_changes_nothing(finished_1965):
    step, package = finished_1965.agreement_step, finished_1965.package.copy()
    rows = len(finished_1965.datacollector.model_vars["date"])
    finished_1965.step()
    assert finished_1965.agreement_step == step
    assert (finished_1965.package == package).all()
    assert len(finished_1965.datacollector.model_vars["date"]) == rows


def test_controls_are_labelled_with_the_scenarios_states_and_pass_mesas_check(ab_scenario):
    from mesa.visualization.solara_viz import _check_model_params

    model = SeminarModel(scenario_name=ab_scenario)
    params = model_params(model.spec, ab_scenario)
    _check_model_params(model, params)  # Mesa's own check that Reset can rebuild the model
    a, b = model.spec.state_ids
    assert params["side_a_audience_cost"]["label"] == f"Side A · {a}: audience cost"
    assert params["side_b_fear_of_exclusion"]["label"] == f"Side B · {b}: fear of exclusion"
    levers = calibrated_levers(model.spec)
    assert all(params[k]["value"] == levers[k] for k in levers)
    # Reset rebuilds the model from these values: the same run as the scenario's own.
    values = {k: p["value"] if isinstance(p, dict) else p for k, p in params.items()}
    rebuilt = SeminarModel(**values)
    assert rebuilt.levers == model.levers


def test_reset_keeps_the_ranges_of_the_levers_it_did_not_move():
    """Reset sends every slider; only a moved one becomes a point value (as ``--set`` does)."""
    from negsim.judgements import scenario_judgements

    spec = load_scenario(find_scenario(SCENARIO_NAME))
    ranged = {j.path for j in scenario_judgements(spec)}
    assert "states.JPN.audience_cost" in ranged and len(ranged) > 10  # levers carry ranges
    values = {k: p["value"] if isinstance(p, dict) else p
              for k, p in model_params(spec, SCENARIO_NAME).items()}  # fmt: skip
    untouched = SeminarModel(**values)  # what Reset builds with no slider moved
    assert {j.path for j in scenario_judgements(untouched.spec)} == ranged
    moved = SeminarModel(**{**values, "side_b_audience_cost": 0.3})
    assert {j.path for j in scenario_judgements(moved.spec)} == ranged - {
        "states.JPN.audience_cost"
    }
    assert moved.spec == load_scenario(
        find_scenario(SCENARIO_NAME), {"states.JPN.audience_cost": 0.3}
    )  # the scenario of `negsim run ... --set states.JPN.audience_cost=0.3`


# --- the page's components ---------------------------------------------------------------------


def test_status_panel_before_and_after_agreement(finished_1965):
    fresh = SeminarModel(scenario_name=SCENARIO_NAME)
    _, rc = solara.render(StatusPanel(fresh), handle_error=False)
    text = status_text(rc)
    assert 'data-testid="negsim-date">1951-10<' in text
    assert "No agreement yet" in text
    assert "Republic of Korea" in text and "Japan" in text

    _, rc = solara.render(StatusPanel(finished_1965), handle_error=False)
    text = status_text(rc)
    agreed = finished_1965.summary()["agreement_date"]
    assert f"Agreement reached: {agreed}" in text
    assert "The package, in each issue's words" in text
    assert "US$ millions" in text  # the amount, in its own units
    assert "ROK conceded" in text and "JPN conceded" in text
    assert "history: Treaty on Basic Relations signed, 1965-06" in text


def test_status_escapes_the_scenarios_text(ab_scenario):
    model = SeminarModel(scenario_name=ab_scenario)
    model.run()
    text = status_html(model)
    assert "AAA" in text and "BBB" in text
    assert "&lt;script&gt;" in text and "&lt;b&gt;Amount" in text
    assert "<script" not in text and "<b>Amount" not in text


def test_convergence_plot_is_a_png_that_follows_the_run():
    model = SeminarModel(scenario_name=SCENARIO_NAME)
    _, rc = solara.render(ConvergencePlot(model), handle_error=False)
    image = rc.find(ipywidgets.Image).widget
    first = bytes(image.value)
    assert first.startswith(b"\x89PNG")
    model.run_for(24)
    seminar.update_counter.value += 1  # what Mesa's Step does after stepping
    assert bytes(image.value) != first


def test_page_steps_resets_and_picks_a_scenario(monkeypatch, ab_scenario):
    names = [p.stem for p in shipped_scenarios()]
    assert SCENARIO_NAME in names
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()

    picker = rc.find(v.Select, label="Scenario").widget
    assert picker.v_model == SCENARIO_NAME
    assert picker.items == [*names, ab_scenario]  # whatever the scenarios folder holds

    assert 'negsim-date">1951-10<' in status_text(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    text = status_text(rc)
    assert 'negsim-date">1951-11<' in text
    assert 'negsim-drive-a">–<' not in text  # drive and resistance are shown once stepped

    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert 'negsim-date">1951-10<' in status_text(rc)

    picker.v_model = ab_scenario
    spec = load_scenario(seminar.offered_path(ab_scenario))
    a, _ = spec.state_ids
    rc.find(v.Slider, label=f"Side A · {a}: economic need").assert_single()
    assert not rc.find(v.Slider, label="Side A · ROK: economic need")
    assert f'negsim-date">{spec.start[:7]}<' in status_text(rc)

    # Reset after picking rebuilds the picked scenario, with its own values for the levers.
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    text = status_text(rc)
    assert f'negsim-date">{spec.start[:7]}<' in text
    assert f"{a} (" in text and "ROK (" not in text
    assert not re.search(r"\(history \d", text)  # every lever at the scenario's own value


def test_reset_keeps_the_seed_on_the_slider_and_in_the_next_run(monkeypatch):
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()
    seed = rc.find(v.Slider, label="Seed (as negsim run --seed)")
    us = rc.find(v.Slider, label="U.S. pressure (× historical; 0 = none)")
    seed.widget.v_model = 3
    us.widget.v_model = 0.7  # a lever moved too: the sliders are rebuilt from the new run
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "seed 3." in status_text(rc) and "×0.7" in status_text(rc)
    assert seed.widget.v_model == 3  # not back at 0 while the run uses 3
    us.widget.v_model = 0.5
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "seed 3." in status_text(rc) and "×0.5" in status_text(rc)


def test_page_reports_a_scenario_that_cannot_be_read(monkeypatch, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    (name,) = offer(monkeypatch, bad)
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()
    rc.find(v.Select, label="Scenario").widget.v_model = name
    rc.find(v.Alert).assert_single()
    assert "malformed YAML" in rc.find(v.Alert).widget.children[0]
    assert 'negsim-date">1951-10<' in status_text(rc)  # the 1965 case stays on screen


def test_page_opens_on_the_scenario_negsim_app_was_given(monkeypatch, ab_scenario):
    monkeypatch.setenv(seminar.SCENARIO_ENV, ab_scenario)
    _, rc = render_page()
    assert rc.find(v.Select, label="Scenario").widget.v_model == ab_scenario


def test_page_opens_nothing_it_was_not_started_with(monkeypatch, tmp_path):
    """What a page sends through the picker's channel never becomes a path on the server."""
    outside = tmp_path / "outside.yaml"  # a valid scenario, but not offered
    text = find_scenario(SCENARIO_NAME).read_text(encoding="utf-8")
    outside.write_text(text.replace("title: ", "title: SECRET-TITLE ", 1), encoding="utf-8")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it would hang the session
    monkeypatch.delenv(seminar.FILES_ENV, raising=False)
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()
    refusals = []
    for sent in [str(outside), str(tmp_path / "nothing.yaml"), "/etc/passwd", str(fifo),
                 "/dev/zero", "../" * 8 + "etc/passwd", "outside"]:  # fmt: skip
        picker = rc.find(v.Select, label="Scenario").widget  # rebuilt after each refusal
        picker.v_model = sent
        (alert,) = [w.widget.children[0] for w in rc.find(v.Alert)]
        assert "not one of the scenarios this page offers" in alert
        refusals.append(alert.removeprefix(f"cannot open {seminar.shown(sent)}: "))
        assert 'negsim-date">1951-10<' in status_text(rc)  # the 1965 case stays on screen
        shown = rc.find(v.Select, label="Scenario").widget.v_model
        assert shown == SCENARIO_NAME, f"the picker shows {shown!r} after a refused pick"
    assert len(set(refusals)) == 1, refusals  # nothing tells which files exist
    assert "SECRET-TITLE" not in status_text(rc)
    with pytest.raises(seminar.ScenarioError, match="not one of the scenarios"):
        SeminarModel(scenario_name=str(outside))  # what SolaraViz's Reset would build


@pytest.mark.parametrize(
    "levers",
    [
        {"us_pressure": "1"},
        {"side_a_audience_cost": float("nan")},
        {"side_b_economic_need": 2.0},
        {"us_pressure": [1]},
        {"seed": -1},
        {"seed": "0"},
        {"seed": 10**30},
    ],
)
def test_levers_a_page_sends_are_checked_on_the_server(levers):
    with pytest.raises(seminar.ScenarioError, match="must be"):
        SeminarModel(scenario_name=SCENARIO_NAME, **levers)


def test_offered_scenarios_are_the_shipped_ones_and_the_named_files(tmp_path):
    shipped = shipped_scenarios()
    twin = tmp_path / f"{shipped[0].stem}.yaml"  # a file named like a shipped scenario
    own = tmp_path / "own.yaml"
    offered = offered_scenarios([own, twin, shipped[1]])
    assert list(offered) == [*(p.stem for p in shipped), "own", str(twin.resolve())]
    assert offered_name(offered, shipped[1]) == shipped[1].stem


def html_with(rc, key: str) -> str:
    """The page's one HTML block that holds ``key`` (a data-testid)."""
    (text,) = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
               if key in (w.unsafe_innerHTML or "")]  # fmt: skip
    return text


def choose_mode(rc, mode: str) -> None:
    (toggle,) = [w for w in rc.find(v.BtnToggle).widgets
                 if any(getattr(b, "children", None) == [mode] for b in w.children)]  # fmt: skip
    toggle.v_model = seminar.MODES.index(mode)


def test_no_generic_mesa_controls_and_the_date_in_words(monkeypatch):
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()
    labels = [w.label for w in rc.find(v.Slider).widgets]
    assert not [x for x in labels if "Interval" in x]
    assert not rc.find(v.Checkbox, label="Use Threads")
    assert ">October 1951<" in html_with(rc, "negsim-long-date")
    rc.find(v.Btn, children=["a year"]).assert_single()
    testid = "negsim-value-us_pressure"
    widgets = rc.find(solara.widgets.HTML).widgets
    (value,) = [w for w in widgets if (w.attributes or {}).get("data-testid") == testid]
    assert value.unsafe_innerHTML == "1.00"


def test_futures_have_no_history_marks(monkeypatch):
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    model = SeminarModel(scenario_name="dprk_japan_future_opening", us_pressure=0.0)
    assert model.spec.historical_outcome is None
    text = status_html(model)
    assert "(scenario 1.00)" in text and "history" not in text


def test_an_event_is_named_by_what_it_does_in_the_run_not_by_historys_account():
    model = SeminarModel(scenario_name=SCENARIO_NAME, us_pressure=0.0)
    model.run()
    text = status_html(model)
    assert "No agreement by" in text
    assert "initialed" not in text  # history's label for the Shiina visit is not the run's
    assert "Latest scheduled event:" in text


def test_compare_puts_the_scenario_beside_the_moved_lever():
    from negsim.app_compare import comparison_html, comparison_runs

    runs = comparison_runs(SeminarModel(scenario_name=SCENARIO_NAME, us_pressure=0.0))
    assert runs[0].summary["agreement_date"].startswith("1965")  # F1: 1965 closes
    assert not runs[1].summary["agreement"]  # ... and does not without U.S. pressure
    assert "U.S. pressure ×0.0" in runs[1].label
    text = comparison_html(runs)
    assert 'negsim-compare-agreement-1">no agreement<' in text


def test_play_a_side_to_the_debrief(monkeypatch):
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()
    choose_mode(rc, "Play a side")
    rc.find(v.Btn, children=["Start as ROK"]).widget.click()
    table = html_with(rc, "negsim-play-date")
    assert "You are ROK" in table and ">1951-10<" in table
    assert "JPN now demands" in table and "US$ millions" in table
    rc.find(v.Btn, children=["Hold my position"]).widget.click()
    assert ">1951-10<" not in html_with(rc, "negsim-play-date")
    rc.find(v.Btn, children=["Accept the partner's offer"]).widget.click()
    debrief = html_with(rc, "negsim-debrief")
    assert "Your game: agreement" in debrief
    assert "the model's own ROK: agreement 1965" in debrief  # F1
    assert "history: Treaty on Basic Relations signed, 1965-06" in debrief
    assert 'data-testid="negsim-shares"' in debrief


# --- the command -------------------------------------------------------------------------------

ENV_SET_BY_THE_COMMAND = (
    seminar.SCENARIO_ENV,
    seminar.FILES_ENV,
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE",
    "MPLBACKEND",
)


@pytest.mark.parametrize(
    ("host", "warned"),
    [
        ("0.0.0.0", True),
        ("::", True),
        ("192.0.2.7", True),
        ("example.org", True),
        ("127.0.0.1", False),
        ("127.1.2.3", False),
        ("localhost", False),
        ("::1", False),
    ],
)
def test_negsim_app_warns_when_it_serves_beyond_this_machine(monkeypatch, host, warned):
    import solara.__main__

    monkeypatch.setattr(solara.__main__.run, "main", lambda args, **kw: None, raising=False)
    for key in ENV_SET_BY_THE_COMMAND:
        monkeypatch.setenv(key, "unset")
    result = CliRunner().invoke(cli_app, ["app", "--host", host, "--port", "8802"])
    assert result.exit_code == 0, result.output
    assert ("anyone who can reach this machine on port 8802" in result.output) is warned


def test_negsim_app_offers_the_files_it_is_given(monkeypatch, tmp_path):
    import solara.__main__

    mine = tmp_path / "seminar_variant.yaml"
    mine.write_text(find_scenario(SCENARIO_NAME).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(solara.__main__.run, "main", lambda args, **kw: None, raising=False)
    for key in ENV_SET_BY_THE_COMMAND:
        monkeypatch.setenv(key, "unset")
    result = CliRunner().invoke(cli_app, ["app", str(mine), SCENARIO_NAME])
    assert result.exit_code == 0, result.output
    assert os.environ[seminar.SCENARIO_ENV] == "seminar_variant"
    assert seminar.scenario_names()[-1] == "seminar_variant"
    assert seminar.offered_path("seminar_variant") == mine.resolve()


def test_negsim_app_serves_on_loopback_offline(monkeypatch):
    import solara.__main__

    calls = []
    monkeypatch.setattr(
        solara.__main__.run, "main", lambda args, **kw: calls.append(args), raising=False
    )
    for key in ENV_SET_BY_THE_COMMAND:
        monkeypatch.setenv(key, "unset")  # restored after the test; the command sets them
    result = CliRunner().invoke(cli_app, ["app", SCENARIO_NAME, "--port", "8801"])
    assert result.exit_code == 0, result.output
    (args,) = calls
    assert args[0] == "negsim.app:page"
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "8801"
    assert "--no-open" in args and "--no-check-version" in args  # no browser, no PyPI check
    assert os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert os.environ[seminar.SCENARIO_ENV] == SCENARIO_NAME
    assert "warning" not in result.output


def test_negsim_app_refuses_a_bad_file_as_negsim_check_does(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("id: mine\ntitle: [unclosed\n", encoding="utf-8")
    app_result = CliRunner().invoke(cli_app, ["app", str(bad), "--port", "1"])
    check_result = CliRunner().invoke(cli_app, ["check", str(bad)])
    assert app_result.exit_code == check_result.exit_code == 2
    assert app_result.output == check_result.output
    assert "malformed YAML" in app_result.output and "serving on" not in app_result.output


def test_negsim_app_refuses_an_unknown_scenario():
    result = CliRunner().invoke(cli_app, ["app", "no_such_scenario"])
    assert result.exit_code == 2
    assert "no_such_scenario" in result.output


def test_negsim_app_refuses_a_port_in_use_before_saying_it_serves():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["app", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "serving on" not in result.output


def test_a_futures_debrief_puts_1965s_shares_beside_the_game_and_claims_no_history():
    from negsim.app_play import debrief_html, debrief_runs, reference_shares
    from negsim.roleplay import Move, RolePlayModel

    model = SeminarModel(scenario_name="dprk_japan_future_opening")
    game = RolePlayModel(model.spec, 0, rng=replication_seed(0, 0))
    game.play(Move("accept"), "month")
    played, own = debrief_runs(game)
    text = debrief_html(game, own, played, reference_shares(game))
    assert "Your game: agreement" in text
    assert "this future has no history to compare with" in text
    assert "1965: ROK" in text and "1965: JPN" in text  # beside 1965's shares


# --- How sure? (many runs) ---------------------------------------------------------------------

SURE = "How sure? (many runs)"


def sure_result(rc, timeout: float = 180.0) -> str:
    """The replications' numbers once the page shows them (the work runs in a thread)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
                 if 'data-testid="negsim-sure"' in (w.unsafe_innerHTML or "")]  # fmt: skip
        if found and not working(rc):
            return found[0]
        if rc.find(v.Alert):
            raise AssertionError(rc.find(v.Alert).widget.children[0])
        time.sleep(0.05)
    raise AssertionError(f"no replications on the page after {timeout} s")


def working(rc) -> bool:
    return any((w.attributes or {}).get("data-testid") == "negsim-sure-working"
               for w in rc.find(solara.widgets.HTML).widgets)  # fmt: skip


def by_testid(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', html)
    assert match, f"{testid} not on the page"
    return match.group(1)


def cli_lines(command: str) -> list[str]:
    """What the command the page shows prints (run in this process, as `negsim` would)."""
    import shlex

    words = shlex.split(command)
    assert words[:2] == ["negsim", "run"], command
    result = CliRunner().invoke(cli_app, words[1:])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def assert_the_page_shows_what_negsim_run_prints(html: str, fixed: bool) -> None:
    command = html_unescape(by_testid(html, "negsim-sure-command"))
    lines = cli_lines(command)
    (over,) = [x for x in lines if x.startswith("Over ")]
    probability = by_testid(html, "negsim-sure-probability")
    dates = by_testid(html, "negsim-sure-dates")
    assert f"agreement probability {probability};" in over or over.endswith(probability)
    if "/" in dates:
        assert over.endswith(f"agreement date 10/50/90%: {dates}"), (over, dates)
    if fixed:
        assert "--fixed" in command
        assert any("held at their point values (--fixed)" in x for x in lines)
        assert "negsim-sure-fixed" not in html
    else:
        (point,) = [x for x in lines if "with the point values only (--fixed)" in x]
        assert point.endswith(f"probability {by_testid(html, 'negsim-sure-fixed')}")
        for key in ("agreed", "agreement-month"):
            shown = html_unescape(by_testid(html, f"negsim-sure-spread-{key}"))
            label, words = shown.split(": ", 1)
            found = [x for x in lines if x.strip().startswith(f"spread of the {label}:")]
            if words == "too few runs agree to split it":
                assert not found, found  # negsim run prints no split then
            else:
                (line,) = found
                assert f"spread of the {label}: {words}" in line, (line, shown)


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_how_sure_shows_what_negsim_run_prints_for_the_levers_and_seed_on_screen(monkeypatch):
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()
    rc.find(v.Slider, label="U.S. pressure (× historical; 0 = none)").widget.v_model = 0.7
    rc.find(v.Slider, label="Seed (as negsim run --seed)").widget.v_model = 3
    choose_mode(rc, SURE)
    (alert,) = rc.find(v.Alert).widgets
    assert "press Reset to apply it" in alert.children[0]  # moved, not applied yet
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert not rc.find(v.Alert)

    run = rc.find(v.Btn, children=["Run 200 replications"]).widget
    run.click()
    assert working(rc) and run.disabled  # the page says it is working while it works
    html = sure_result(rc)
    assert not run.disabled
    command = html_unescape(by_testid(html, "negsim-sure-command"))
    assert command == (
        "negsim run rok_japan_1951_1965 --seed 3 -r 200 --set drivers.us_pressure.scale=0.7"
    )
    spec = load_scenario(find_scenario(SCENARIO_NAME), {"drivers.us_pressure.scale": 0.7})
    summary = negsim_replicate(spec, 3, 200)
    assert 0.0 < summary["agreement_probability"] < 1.0  # a case worth the switch
    assert by_testid(html, "negsim-sure-probability") == f"{summary['agreement_probability']:.2f}"
    q = summary["agreement_date_quantiles"]
    assert by_testid(html, "negsim-sure-dates") == f"{q['q10']} / {q['q50']} / {q['q90']}"
    assert_the_page_shows_what_negsim_run_prints(html, fixed=False)
    assert "history: Treaty on Basic Relations signed, 1965-06" in html
    assert "not that the agreement was certain" in html
    (image,) = [w for w in rc.find(ipywidgets.Image).widgets
                if "negsim-sure-figure" in w._dom_classes]  # fmt: skip
    assert bytes(image.value).startswith(b"\x89PNG")

    # Point values only: the numbers of the same command with --fixed.
    rc.find(v.Switch, label="Point values only (--fixed)").widget.v_model = True
    rc.find(v.Btn, children=["Run 200 replications"]).widget.click()
    fixed = sure_result(rc)
    assert fixed != html
    assert "held at their point values" in fixed
    assert_the_page_shows_what_negsim_run_prints(fixed, fixed=True)
    held = negsim_replicate(spec, 3, 200, draw=False)
    assert by_testid(fixed, "negsim-sure-probability") == f"{held['agreement_probability']:.2f}"

    # The replications outlive a switch of mode, and go once the levers on screen change.
    choose_mode(rc, "Watch the model")
    choose_mode(rc, SURE)
    assert sure_result(rc) == fixed
    rc.find(v.Slider, label="U.S. pressure (× historical; 0 = none)").widget.v_model = 1.0
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert not [w for w in rc.find(solara.widgets.HTML).widgets
                if 'data-testid="negsim-sure"' in (w.unsafe_innerHTML or "")]  # fmt: skip
    assert html_with(rc, "negsim-sure-ready")


def negsim_replicate(spec, seed: int, runs: int, draw: bool = True) -> dict:
    from negsim import replicate

    return replicate(spec, seed, runs, draw=draw)


def test_how_sure_of_a_users_file_names_its_path_and_matches_negsim_run(ab_scenario):
    from negsim.app_replications import replications_html, run_replications

    model = SeminarModel(scenario_name=ab_scenario, side_b_audience_cost=0.35, seed=5)
    result = run_replications(model, 50, False)
    html = replications_html(result)
    path = str(seminar.offered_path(ab_scenario))
    command = html_unescape(by_testid(html, "negsim-sure-command"))
    assert command == f"negsim run {path} --seed 5 -r 50 --set states.BBB.audience_cost=0.35"
    assert_the_page_shows_what_negsim_run_prints(html, fixed=False)
    ranged = len(negsim.scenario_judgements(load_scenario(find_scenario(SCENARIO_NAME))))
    assert f"each of the {ranged - 1} judgements that carry a range" in html  # less the moved lever


def test_how_sure_of_a_future_claims_no_history():
    from negsim.app_replications import replications_html, run_replications

    result = run_replications(SeminarModel(scenario_name="dprk_japan_future_opening"), 50, False)
    html = replications_html(result)
    assert "this future has no history to compare with" in html
    assert "history:" not in html


def test_how_sure_of_a_scenario_without_ranges(monkeypatch):
    from negsim.app_replications import replications_html, run_replications
    from negsim.catalog import shipped_cases

    (name,) = offer(monkeypatch, shipped_cases()[0])
    result = run_replications(SeminarModel(scenario_name=name), 50, False)
    assert not result.summary["judgements"]["count"]
    assert "this scenario gives no ranges" in replications_html(result)
    monkeypatch.setenv(seminar.SCENARIO_ENV, name)
    _, rc = render_page()
    choose_mode(rc, SURE)
    assert rc.find(v.Switch, label="Point values only (--fixed)").widget.disabled


@pytest.mark.parametrize(
    ("count", "fixed"),
    [
        (200, "yes"),
        (200, 1),
        (200, None),
        (7, False),
        (10**9, False),
        ("200", False),
        (True, False),
        (200.0, False),
        (None, False),
    ],
)
def test_a_replication_count_or_switch_the_page_sends_is_checked_on_the_server(count, fixed):
    from negsim.app_replications import run_replications

    with pytest.raises(seminar.ScenarioError, match="must be"):
        run_replications(SeminarModel(scenario_name=SCENARIO_NAME), count, fixed)


def test_how_sure_refuses_a_switch_value_the_page_forged(monkeypatch):
    monkeypatch.delenv(seminar.SCENARIO_ENV, raising=False)
    _, rc = render_page()
    choose_mode(rc, SURE)
    rc.find(v.Switch, label="Point values only (--fixed)").widget.v_model = "yes"
    rc.find(v.Btn, children=["Run 200 replications"]).widget.click()
    import time

    deadline = time.monotonic() + 60
    while not rc.find(v.Alert) and time.monotonic() < deadline:
        time.sleep(0.05)
    message = rc.find(v.Alert).widget.children[0]
    assert "the point-values switch must be true or false (got 'yes')" in message
    assert not [w for w in rc.find(solara.widgets.HTML).widgets
                if 'data-testid="negsim-sure"' in (w.unsafe_innerHTML or "")]  # fmt: skip
