"""Browser tests: a real ``remit serve`` with the demo's data, driven by Debian's Chromium through Playwright.

One server and one browser serve the whole session; each test gets a fresh browser context (no cookies from
another test) and keeps a screenshot of every step in ``tests/browser/artifacts/<test>/`` (or under
``$REMIT_BROWSER_ARTIFACTS``), to be looked at, not compared.

SQLite only: these tests check what a person sees and can do in the pages. What the pages ask of the engine
is tested on both engines by tests/web (the same routes through a TestClient) and tests/service; a second
server, demo and browser run per engine would double the slowest tests of a two-core CI for no page that
behaves differently.

Chromium comes from the system (Debian's ``chromium`` package; .ci/run installs it), never from
Playwright's own download, which this machine cannot reach. Without it the tests skip with one line, unless
``CI=true`` or ``REMIT_REQUIRE_BROWSER=1``, when a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, sync_playwright

from tests.processes.harness import Server, remit_cli, remit_env

# This machine has no internet: without these Chromium's own connections (updates, sync, field trials)
# fail noisily. --no-sandbox because CI runs as root, where Chromium's sandbox refuses to start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
VIEWER_EMAIL = "viewer@demo.example"
VIEWER_PASSWORD = "viewer-password-1"
ARTIFACTS = Path(os.environ.get("REMIT_BROWSER_ARTIFACTS") or Path(__file__).parent / "artifacts")


def browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REMIT_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        reason = "chromium is not on PATH (apt-get install chromium)"
        if browser_required():
            pytest.fail(f"{reason}, and CI or REMIT_REQUIRE_BROWSER=1 requires the browser tests")
        pytest.skip(reason)
    return found


@dataclass(frozen=True)
class Login:
    email: str
    password: str


@dataclass
class Site:
    """The running server, the demo's API key (for setting up data a test needs), and who may sign in."""

    server: Server
    env: dict[str, str]
    api_key: str
    owner: Login
    viewer: Login

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, method: str, path: str, json_body: Any = None) -> Any:
        """The native API with the demo's key: only to make data a test starts from, never to check a page."""
        response = httpx.request(method, f"{self.url}{path}", json=json_body, timeout=60,
                                 headers={"Authorization": f"Bearer {self.api_key}"})
        assert response.status_code < 300, response.text
        return response.json()


def _cli_json(env: dict[str, str], *args: str, stdin: str | None = None) -> dict[str, Any]:
    if stdin is None:
        ran = remit_cli(env, *args)
    else:
        ran = subprocess.run([sys.executable, "-m", "remit.cli", *args], env=env, input=stdin,
                             capture_output=True, text=True, timeout=600, check=False)
    assert ran.returncode == 0, f"remit {' '.join(args)} failed:\n{ran.stdout}\n{ran.stderr}"
    return json.loads(ran.stdout)


@pytest.fixture(scope="session")
def site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    where = tmp_path_factory.mktemp("browser-site")
    # Every sign-in counts against the per-email limit (5 a minute), right or wrong, and these tests sign the
    # demo owner in once per test through the form. The limit itself is tested in tests/web.
    env = remit_env(f"sqlite:///{where / 'remit.db'}", where / "data", REMIT_LOGIN_RATE_LIMIT_EMAIL="1000/minute")
    demo = _cli_json(env, "demo", "--json")
    _cli_json(env, "user", "create", "--business", demo["url_key"], "--email", VIEWER_EMAIL, "--role", "viewer",
              "--password-stdin", "--json", stdin=VIEWER_PASSWORD + "\n")
    with Server(env, where / "server.log", workers=1) as server:
        yield Site(server, env, demo["api_key"], Login(demo["login_email"], demo["login_password"]),
                   Login(VIEWER_EMAIL, VIEWER_PASSWORD))


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, chromium_path: str) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


class Steps:
    """A test's page, and a screenshot after each step it names: ``01-signed-in.png``, ``02-...``."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0

    def shot(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    fresh = browser.new_context(base_url=site.url, viewport=DESKTOP)
    # A page that hangs fails the test in seconds, not after Playwright's default of half a minute.
    fresh.set_default_timeout(15_000)
    yield fresh
    fresh.close()


@pytest.fixture
def steps(context: BrowserContext, request: pytest.FixtureRequest) -> Steps:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return Steps(context.new_page(), folder)


def sign_in(steps: Steps, login: Login, *, expect_dashboard: bool = True) -> None:
    """Through the real form, as a person would: the sign-in page, its labelled fields, its button."""
    page = steps.page
    page.goto("/app/login")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if expect_dashboard:
        page.get_by_role("heading", level=1, name="Dashboard").wait_for()


def facts(scope: Page | Locator) -> dict[str, str]:
    """A description list read as a person reads it: each term and the text beside it."""
    return dict(zip(scope.get_by_role("term").all_inner_texts(), scope.get_by_role("definition").all_inner_texts(),
                    strict=True))


def shown_amount(scope: Page | Locator, term: str) -> str:
    found = facts(scope)
    assert term in found, f"no {term!r} among {sorted(found)}"
    return found[term].strip()


def figure(page: Page, title: str, currency: str) -> str:
    """A figure card (the dashboard's, a customer's): the amount in ``currency`` under the heading ``title``."""
    card = page.get_by_role("heading", level=3, name=title, exact=True).locator("xpath=..")
    return shown_amount(card, currency)
