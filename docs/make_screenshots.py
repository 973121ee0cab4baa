"""Make the teaching guide's screenshots from the real app (docs/img/*.png).

    python docs/make_screenshots.py

Starts ``negsim app`` on a free loopback port, drives Debian's chromium with playwright
(as tests/test_app_browser.py does), plays each exercise's run to its end, and saves small
palette PNGs under docs/img/.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
IMG = HERE / "img"
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
US_SLIDER = "U.S. pressure (× historical; 0 = none)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from negsim.cli import main; main()", "app", "--port", str(port)]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=HERE.parent,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("negsim app did not start")


def pick(page: Page, scenario: str, side_a: str) -> None:
    page.locator(".v-select").filter(has_text="Scenario").first.click()
    page.get_by_role("option", name=scenario).click()
    page.get_by_role("slider", name=f"Side A · {side_a}: economic need").wait_for(state="attached")


def play_to_end(page: Page) -> None:
    """Reset (applying the levers), then Play a year a frame until the run stops."""
    page.get_by_role("button", name="Reset").click()
    page.get_by_test_id("negsim-outcome").filter(has_text="No agreement yet").wait_for()
    page.get_by_role("button", name="a year").click()
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=negsim-outcome]').textContent"
        ".match(/^(Agreement reached|No agreement by)/)"
    )
    page.wait_for_timeout(1500)


def shoot(page: Page, name: str) -> None:
    png = page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    path = IMG / name
    image.save(path, optimize=True)
    print(f"{path.relative_to(HERE.parent)}: {path.stat().st_size // 1024} KiB")


def set_slider(page: Page, label: str, key: str, times: int = 1) -> None:
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    for _ in range(times):
        slider.press(key)


#: Exercise 4's example game: Japan's demands (share of the way to the ROK's position).
JAPAN_OFFER = {
    "Sovereignty over the peninsula": 40,
    "Validity of the treaties before 22 Aug 1910": 30,
    "Name of the money (compensation vs claims)": 30,
    "Amount of Japanese funds": 70,
}


def play_japan_from_the_seventh_round(page: Page) -> None:
    """Take Japan's seat at the seventh round, make one offer, hold to the end; two shots."""
    page.set_viewport_size({"width": 1280, "height": 2000})  # the whole table and the debrief
    page.get_by_role("button", name="Play a side").click()
    page.get_by_role("button", name="JPN (Japan)").click()
    page.locator(".v-select").filter(has_text="Take the seat at").first.click()
    page.get_by_role("option", name="1964-12 7th round").click()
    page.get_by_role("button", name="Start as JPN").click()
    page.get_by_test_id("negsim-play-date").filter(has_text="1964-12").wait_for()
    for issue, share in JAPAN_OFFER.items():
        set_slider(page, f"Your demand: {issue}", "Home")
        set_slider(page, f"Your demand: {issue}", "ArrowRight", share)
    page.wait_for_timeout(1500)
    shoot(page, "teaching_play_table.png")
    button = "Put my demands on the table"
    while True:
        date = page.get_by_test_id("negsim-play-date").text_content()
        page.get_by_role("button", name=button).click()
        page.wait_for_function(
            "d => document.querySelector('[data-testid=negsim-debrief]') || document"
            ".querySelector('[data-testid=negsim-play-date]').textContent !== d",
            arg=date,
        )
        if page.get_by_test_id("negsim-debrief").count():
            break
        button = "Hold my position"
    page.wait_for_timeout(2000)
    shoot(page, "teaching_play_debrief.png")


def how_sure_at_0_7(page: Page) -> None:
    """1965 at 0.7 of history's U.S. pressure, 200 replications with the ranges; one shot.

    Leaves the U.S.-pressure slider at 0 (not applied), where exercise 4's steps expect it.
    """
    set_slider(page, US_SLIDER, "Home")
    set_slider(page, US_SLIDER, "ArrowRight", 7)
    page.get_by_role("button", name="Reset").click()
    page.get_by_test_id("negsim-us").filter(has_text="×0.7").wait_for()
    page.get_by_role("button", name="How sure? (many runs)").click()
    page.get_by_role("button", name="Run 200 replications").click()
    page.get_by_test_id("negsim-sure-probability").wait_for()
    page.wait_for_timeout(1500)
    shoot(page, "teaching_how_sure.png")
    set_slider(page, US_SLIDER, "Home")


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1180})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_test_id("negsim-date").wait_for()

            # Exercise 1: 1965 as calibrated.
            pick(page, "rok_japan_1951_1965", "ROK")
            play_to_end(page)
            shoot(page, "teaching_1965.png")

            # Exercise 2: the same with U.S. pressure at 0.
            set_slider(page, US_SLIDER, "Home")
            play_to_end(page)
            shoot(page, "teaching_1965_no_us_pressure.png")

            # Exercise 3: the two futures, as calibrated.
            for scenario, name in (
                ("dprk_japan_future_us_alignment", "teaching_future_us_alignment.png"),
                ("dprk_japan_future_opening", "teaching_future_opening.png"),
            ):
                pick(page, scenario, "DPRK")
                play_to_end(page)
                shoot(page, name)
            # Exercise 2, Compare: the scenario against U.S. pressure at 0, on one plot.
            pick(page, "rok_japan_1951_1965", "ROK")
            set_slider(page, US_SLIDER, "Home")
            page.get_by_role("button", name="Reset").click()
            page.get_by_role("button", name="Compare two runs").click()
            page.get_by_test_id("negsim-compare-agreement-1").wait_for()
            page.wait_for_timeout(1500)
            shoot(page, "teaching_compare.png")

            # Exercise 2, How sure?: 200 runs at 0.7 of the historical U.S. pressure.
            how_sure_at_0_7(page)

            # Exercise 4: a student plays Japan from the seventh round.
            set_slider(page, US_SLIDER, "ArrowRight", 10)  # back to history's x1.0
            page.get_by_role("button", name="Reset").click()
            play_japan_from_the_seventh_round(page)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
