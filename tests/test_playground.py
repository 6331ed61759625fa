"""The generated project's model playground in a real browser: Debian's headless Chromium, driven
by Playwright (the Python package of requirements-dev.txt, which never downloads a browser here),
against `make serve` of the installed default project on loopback.

A person's walk through the page: it opens on a real training row and its prediction, Predict
asks the server again, a misprediction is opened from the keyboard, and changing one of its
values moves the probabilities. The test saves a screenshot of the end state and prints where.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.helpers import free_port, porcelain, started, trained, wait_until_serving

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: `apt-get install chromium` (.ci/run)
# Headless, and quiet: no sandbox (root in CI), no GPU, no QUIC, no first-run or background
# traffic, no proxy (the page is on loopback); a new profile every run.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]
SCREENSHOT = Path(__file__).resolve().parents[1] / "build" / "screenshots" / "playground.png"
WAIT_MS = 60_000  # how long the page may take to show an answer (a busy CI machine)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def post_json(url: str, body: object) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def shown_probabilities(page: Page) -> dict[str, float]:
    """The class probabilities on the page, once the page has no prediction under way."""
    expect(page.locator("#prediction")).to_have_attribute("aria-busy", "false")
    return {
        str(item.get_attribute("data-class")): float(str(item.get_attribute("data-probability")))
        for item in page.locator("#prediction li[data-class]").all()
    }


def test_the_playground_predicts_and_explores_mistakes_in_a_browser(
    default_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"no {CHROMIUM}: apt-get install chromium (.ci/run does, under CI=true)")
    expect.set_options(timeout=WAIT_MS)

    project = trained(default_project, env)
    files = porcelain(project, env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with started(["make", "serve", f"PORT={port}"], project, env, log) as server:
        wait_until_serving(f"{base}/health", server, log)
        form = get_json(f"{base}/playground/form")
        mistakes = get_json(f"{base}/playground/errors")["rows"]
        assert mistakes, "the default project's model makes some mistakes on the test set"

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": 1400, "height": 1000},
            )
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{base}/")

            # It opens on the typical training row, every input labelled with its column name.
            expect(page.locator("#predicted")).to_be_visible()
            for name, value in form["example"].items():
                field = page.get_by_label(name, exact=True)
                assert float(field.input_value()) == pytest.approx(value), name

            # Predict asks the server, and the page shows its answer for every class.
            with page.expect_response(lambda response: response.url == f"{base}/predict"):
                page.get_by_role("button", name="Predict", exact=True).click()
            [served] = post_json(f"{base}/predict", {"instances": [form["example"]]})["predictions"]
            assert shown_probabilities(page) == pytest.approx(served["probabilities"])
            expect(page.locator("#predicted")).to_have_text(str(served["predicted"]))
            assert list(served["probabilities"]) == form["classes"]

            # The mistakes: sortable and filterable; one opened from the keyboard.
            table = page.locator("#errors tbody tr")
            expect(table).to_have_count(len(mistakes))
            page.get_by_role("button", name="Row", exact=True).click()
            expect(page.locator("#errors th").first).to_have_attribute("aria-sort", "ascending")
            first_id = table.first.locator("td").first.inner_text()
            assert first_id == str(min(row["row_id"] for row in mistakes))
            actual = mistakes[0]["actual"]
            page.get_by_label("Actual class", exact=True).select_option(actual)
            expect(table).to_have_count(sum(row["actual"] == actual for row in mistakes))
            page.get_by_label("Actual class", exact=True).select_option("")

            mistake = mistakes[0]
            page.get_by_role("button", name=f"Open row {mistake['row_id']} in the form").focus()
            page.keyboard.press("Enter")
            expect(page.locator("#source")).to_contain_text(f"Test row {mistake['row_id']}")
            loaded = shown_probabilities(page)
            expect(page.locator("#predicted")).to_have_text(mistake["predicted"])
            assert max(loaded.values()) == pytest.approx(mistake["confidence"], abs=1e-6)
            for name, value in mistake["features"].items():
                assert float(page.get_by_label(name, exact=True).input_value()) == value

            # Changing one value moves the prediction, and the page says from where.
            column = next(column for column in form["columns"] if column["kind"] == "number")
            before = mistake["features"][column["name"]]
            after = column["minimum"] if before != column["minimum"] else column["maximum"]
            page.get_by_label(column["name"], exact=True).fill(str(after))
            moved = shown_probabilities(page)
            expect(page.locator("#prediction")).to_contain_text("pts")
            assert moved != pytest.approx(loaded)
            field = page.locator(f'.field[data-column="{column["name"]}"]')
            expect(field).to_have_class(re.compile(r"\bchanged\b"))
            expect(field).to_contain_text("was ")

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            browser.close()
        # Nothing but the server was asked for: the page is self-contained.
        assert requested and all(url.startswith(f"{base}/") for url in requested), requested
    print(f"playground screenshot: {SCREENSHOT}")
    assert porcelain(project, env) == files  # serving changed no file
