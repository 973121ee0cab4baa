"""The seminar app end to end: `negsim app` served on loopback, driven in Debian's chromium.

Needs /usr/bin/chromium (``apt-get install chromium``; `.ci/run` installs it) and the
playwright Python package (its own browser download is not used: it cannot reach the net).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from negsim import load_scenario, replication_seed, simulate
from negsim.catalog import find_scenario, shipped_scenarios

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
SCENARIO_1965 = "rok_japan_1951_1965"
US_SLIDER = "U.S. pressure (× historical; 0 = none)"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent: install Debian's chromium (apt-get install chromium)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def negsim_command() -> list[str]:
    """The installed `negsim` script of this interpreter's environment."""
    script = shutil.which("negsim", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "from negsim.cli import main; main()"]


def opening_scenario() -> str | None:
    """Open on another shipped scenario when there is one, so the test must pick 1965."""
    others = [p.stem for p in shipped_scenarios() if p.stem != SCENARIO_1965]
    return others[0] if others else None


USERS_FILE_TITLE = "A teacher's own copy of 1965"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`negsim app` on a free loopback port, offered a user's own file beside the shipped
    scenarios; stopped (its whole process group) at the end."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    first = opening_scenario()
    own = tmp_path_factory.mktemp("own") / "my_1965.yaml"
    text = find_scenario(SCENARIO_1965).read_text(encoding="utf-8")
    doc = text.split("\ntitle: ", 1)
    own.write_text(doc[0] + f'\ntitle: "{USERS_FILE_TITLE}"\n' + doc[1].split("\n", 1)[1])
    cmd = [*negsim_command(), "app", *([first] if first else []), str(own), "--port", str(port)]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "MPLBACKEND": "Agg"}
    log = (ARTIFACTS / "negsim_app_server.log").open("w")
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"negsim app exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"negsim app did not answer on {url} within 60 s; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def press(locator, key: str, times: int = 1) -> None:
    locator.focus()
    for _ in range(times):
        locator.press(key)


def test_1965_without_and_with_us_pressure_in_the_browser(server, browser):
    expected = simulate(load_scenario(find_scenario(SCENARIO_1965)), seed=replication_seed(0, 0))[
        1
    ]["agreement_date"]
    assert expected and expected.startswith("1965")

    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    outside: list[str] = []

    def record(request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOOPBACK:
            outside.append(request.url)

    page.on("request", record)
    page.set_default_timeout(30_000)
    page.goto(server)
    date = page.get_by_test_id("negsim-date")
    outcome = page.get_by_test_id("negsim-outcome")
    date.wait_for(timeout=60_000)

    # Choose the 1965 scenario in the picker; the per-side levers are relabelled ROK / JPN.
    page.locator(".v-select").filter(has_text="Scenario").first.click()
    page.get_by_role("option", name=SCENARIO_1965).click()
    page.get_by_role("slider", name="Side A · ROK: economic need").wait_for(state="attached")
    assert date.text_content() == "1951-10"

    # Mesa's generic controls are gone; the speed is chosen in words and the date is a date.
    for generic in ("Play Interval", "Render Interval", "Use Threads"):
        assert page.get_by_text(generic).count() == 0, generic
    assert page.get_by_test_id("negsim-long-date").text_content() == "October 1951"

    # Take U.S. pressure away, reset, and play a year per Step past 1966: no agreement.
    press(page.get_by_role("slider", name=US_SLIDER), "Home")
    page.get_by_test_id("negsim-value-us_pressure").filter(has_text="0.00").wait_for()
    page.get_by_role("button", name="Reset").click()
    page.get_by_test_id("negsim-us").filter(has_text="×0.0").wait_for()
    page.get_by_role("button", name="a year").click()
    curves = page.locator(".negsim-convergence img, img.negsim-convergence").first
    curves_at_start = curves.screenshot()
    step = page.get_by_role("button", name="Step")
    months = []
    for _ in range(16):  # 16 x 12 months: 1951-10 is month 1, month 192 is 1967-09
        before = date.text_content()
        step.click()
        page.wait_for_function(
            "before => document.querySelector('[data-testid=negsim-date]').textContent !== before",
            arg=before,
        )
        months.append(date.text_content())
    assert months[0] == "1952-09" and months[-1] == "1967-09", months
    assert page.get_by_test_id("negsim-long-date").text_content() == "September 1967"
    assert outcome.text_content().startswith("No agreement")
    assert page.get_by_test_id("negsim-drive-a").text_content() != "–"
    assert curves.screenshot() != curves_at_start
    page.get_by_role("button", name="to the end").click()
    step.click()
    outcome.filter(has_text="No agreement by 1970-12").wait_for()
    page.screenshot(path=ARTIFACTS / "seminar_app_1965_no_us_pressure.png")

    # Back to the historical level (x1.0), reset and play: the agreement appears in 1965.
    press(page.get_by_role("slider", name=US_SLIDER), "ArrowRight", 10)
    page.get_by_test_id("negsim-value-us_pressure").filter(has_text="1.00").wait_for()
    page.get_by_role("button", name="a year").click()
    page.get_by_role("button", name="Reset").click()
    page.get_by_test_id("negsim-us").filter(has_text="×1.0").wait_for()
    assert date.text_content() == "1951-10"
    assert outcome.text_content() == "No agreement yet"
    page.get_by_role("button", name="▶").click()
    outcome.filter(has_text="Agreement reached").wait_for(timeout=90_000)
    assert outcome.text_content() == f"Agreement reached: {expected}"
    assert date.text_content() == expected  # the run stops at the agreement
    package = page.get_by_test_id("negsim-package")
    assert "US$ millions" in package.text_content()
    assert "ROK conceded" in package.text_content()
    assert page.get_by_role("button", name="Step").is_disabled()
    page.screenshot(path=ARTIFACTS / "seminar_app_1965.png")

    assert outside == [], f"the page requested hosts outside this machine: {outside}"
    page.close()


def test_the_page_cannot_make_the_server_open_another_file(server, browser, tmp_path):
    """A page user sends paths through the picker's own channel; the server opens none."""
    outside = tmp_path / "outside.yaml"  # a valid scenario the server was not started with
    text = find_scenario(SCENARIO_1965).read_text(encoding="utf-8")
    outside.write_text(text.replace("title: ", "title: SECRET-TITLE ", 1), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    page.goto(server)
    date = page.get_by_test_id("negsim-date")
    date.wait_for(timeout=60_000)
    opened_on = date.text_content()
    picker = page.locator(".v-select").filter(has_text="Scenario").first
    opened_name = picker.locator(".v-select__selection").text_content().strip()
    assert opened_name, "the picker shows no scenario at the start"
    alert = page.locator(".v-alert")
    refusals = []
    for sent in (str(outside), "/etc/passwd", str(tmp_path / "absent.yaml"), "/dev/zero"):
        # What the console line does: the select's Vue component emits the value.
        picker.evaluate("(el, value) => { el.__vue__.$emit('input', value); }", sent)
        alert.filter(has_text=sent[:40]).wait_for()  # the picker's Select shows the refusal
        message = alert.text_content()
        assert "not one of the scenarios this page offers" in message
        refusals.append(message.removeprefix(f"cannot open {repr(sent)[:60]}: "))
        assert date.text_content() == opened_on
        # The picker still shows the scenario that is open, not an empty value.
        shows = page.locator(".v-select").filter(has_text="Scenario").first
        shows.locator(".v-select__selection").filter(has_text=opened_name).wait_for()
    assert len(set(refusals)) == 1, refusals  # the same answer whether a file exists or not
    assert "SECRET-TITLE" not in page.content()
    page.screenshot(path=ARTIFACTS / "seminar_app_refuses_outside_path.png")
    page.close()


def open_page(context, server: str):
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    page.get_by_test_id("negsim-date").wait_for(timeout=60_000)
    return page


def start_game(page, state: str) -> None:
    """Pick the 1965 case, open "Play a side" and take ``state``'s seat."""
    page.locator(".v-select").filter(has_text="Scenario").first.click()
    page.get_by_role("option", name=SCENARIO_1965).click()
    page.get_by_role("slider", name="Side A · ROK: economic need").wait_for(state="attached")
    page.get_by_role("button", name="Play a side").click()
    page.get_by_role("button", name=state, exact=False).first.click()
    page.get_by_role("button", name=f"Start as {state.split()[0]}").click()
    page.get_by_test_id("negsim-play-date").wait_for()


def test_two_students_play_1965_in_their_own_sessions_to_the_debrief(server, browser, tmp_path):
    japan = open_page(browser.new_context(viewport={"width": 1400, "height": 1500}), server)
    korea = open_page(browser.new_context(viewport={"width": 1400, "height": 1500}), server)
    start_game(japan, "JPN (Japan)")
    start_game(korea, "ROK (Republic of Korea)")
    when = japan.get_by_test_id("negsim-play-date")
    assert when.text_content() == "1951-10"
    assert "You are JPN" in japan.get_by_test_id("negsim-play-table").locator("..").text_content()

    # Japan: a month holding, then 20 % of the way on the amount, then the ROK's offer.
    japan.get_by_role("button", name="one month").click()
    japan.get_by_role("button", name="Hold my position").click()
    when.filter(has_text="1951-11").wait_for()
    amount = japan.get_by_role("slider", name="Your demand: Amount of Japanese funds")
    press(amount, "ArrowRight", 20)
    japan.get_by_test_id("negsim-play-value-amount").filter(has_text="20% of the way").wait_for()
    japan.get_by_role("button", name="Put my demands on the table").click()
    when.filter(has_text="1951-12").wait_for()
    japan.get_by_role("button", name="Accept the partner's offer").click()
    outcome = japan.get_by_test_id("negsim-play-outcome")
    outcome.wait_for(timeout=90_000)
    debrief = japan.get_by_test_id("negsim-debrief").text_content()
    assert outcome.text_content().startswith("Your game: agreement")
    assert "the model's own JPN: agreement 1965" in debrief  # F1: the model's 1965 closes
    assert "history: Treaty on Basic Relations signed, 1965-06" in debrief
    shares = japan.get_by_test_id("negsim-shares")
    assert "you (JPN)" in shares.text_content() and "model's own JPN" in shares.text_content()
    with japan.expect_download() as download:
        japan.get_by_role("button", name="Download the moves (CSV)").click()
    path = tmp_path / "moves.csv"
    download.value.save_as(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("date,round,move,talks")
    assert [line.split(",")[0] for line in lines[1:]] == ["1951-10", "1951-11", "1951-12"]
    japan.screenshot(path=ARTIFACTS / "seminar_app_play_debrief.png", full_page=True)

    # The other student's game has not moved, and shows nothing of Japan's.
    seat = korea.get_by_test_id("negsim-play-table").locator("..").text_content()
    assert "You are ROK" in seat and "You are JPN" not in korea.content()
    assert korea.get_by_test_id("negsim-play-date").text_content() == "1951-10"
    assert korea.get_by_test_id("negsim-debrief").count() == 0
    korea.screenshot(path=ARTIFACTS / "seminar_app_play_second_session.png", full_page=True)
    japan.context.close()
    korea.context.close()


def test_compare_a_lever_on_a_users_own_file(server, browser):
    page = open_page(browser.new_context(viewport={"width": 1400, "height": 1400}), server)
    page.locator(".v-select").filter(has_text="Scenario").first.click()
    page.get_by_role("option", name="my_1965").click()
    page.get_by_text(USERS_FILE_TITLE).first.wait_for()
    page.get_by_role("button", name="Compare two runs").click()
    first = page.get_by_test_id("negsim-compare-agreement-0")
    first.wait_for(timeout=90_000)
    assert first.text_content().startswith("agreement 1965")  # F1
    press(page.get_by_role("slider", name=US_SLIDER), "Home")
    page.get_by_role("button", name="Reset").click()
    page.get_by_test_id("negsim-compare-agreement-1").filter(has_text="no agreement").wait_for(
        timeout=90_000
    )
    assert "U.S. pressure ×0.0" in page.get_by_test_id("negsim-compare").text_content()
    page.screenshot(path=ARTIFACTS / "seminar_app_compare.png", full_page=True)
    page.context.close()


def test_how_sure_of_1965_in_the_browser_with_and_without_the_ranges(server, browser):
    """Press the button, read the probability: replicate()'s, as `negsim run -r 200` prints."""
    from negsim import replicate

    page = open_page(browser.new_context(viewport={"width": 1280, "height": 1400}), server)
    page.locator(".v-select").filter(has_text="Scenario").first.click()
    page.get_by_role("option", name=SCENARIO_1965).click()
    page.get_by_role("slider", name="Side A · ROK: economic need").wait_for(state="attached")
    press(page.get_by_role("slider", name=US_SLIDER), "ArrowLeft", 3)  # x0.7: some runs fail
    page.get_by_test_id("negsim-value-us_pressure").filter(has_text="0.70").wait_for()
    press(page.get_by_role("slider", name="Seed (as negsim run --seed)"), "ArrowRight", 3)
    page.get_by_test_id("negsim-value-seed").filter(has_text="3").wait_for()
    page.get_by_role("button", name="Reset").click()
    page.get_by_test_id("negsim-us").filter(has_text="×0.7").wait_for()
    page.get_by_role("button", name="How sure? (many runs)").click()

    spec = load_scenario(find_scenario(SCENARIO_1965), {"drivers.us_pressure.scale": 0.7})
    for fixed in (False, True):
        if fixed:
            page.get_by_text("Point values only (--fixed)", exact=True).click()  # its label
            page.wait_for_function(
                "() => [...document.querySelectorAll('[role=switch]')].some(e => e.checked"
                " || e.getAttribute('aria-checked') === 'true')"
            )
        page.get_by_role("button", name="Run 200 replications").click()
        command = page.get_by_test_id("negsim-sure-command")
        command.filter(has_text="--fixed" if fixed else "-r 200").wait_for(timeout=120_000)
        summary = replicate(spec, 3, 200, draw=not fixed)
        probability = page.get_by_test_id("negsim-sure-probability").text_content()
        assert probability == f"{summary['agreement_probability']:.2f}"
        q = summary["agreement_date_quantiles"]
        dates = page.get_by_test_id("negsim-sure-dates").text_content()
        assert dates == f"{q['q10']} / {q['q50']} / {q['q90']}"
        expected = "negsim run rok_japan_1951_1965 --seed 3 -r 200"
        expected += " --fixed" if fixed else ""
        assert command.text_content() == expected + " --set drivers.us_pressure.scale=0.7"
        if not fixed:
            assert 0.0 < summary["agreement_probability"] < 1.0
            shown = page.get_by_test_id("negsim-sure-fixed").text_content()
            assert shown == f"{summary['agreement_probability_fixed']:.2f}"
            assert "from the judgements" in page.get_by_test_id("negsim-sure").text_content()
            page.locator("img.negsim-sure-figure, .negsim-sure-figure img").first.wait_for()
            page.screenshot(path=ARTIFACTS / "seminar_app_how_sure.png", full_page=True)
        else:
            assert page.get_by_test_id("negsim-sure-fixed").count() == 0
            assert "held at their point values" in page.get_by_test_id("negsim-sure").text_content()
    page.context.close()
