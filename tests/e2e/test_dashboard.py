"""The built-in dashboard (`GET /dashboard`) end to end, in Debian's Chromium driven by Playwright
(no browser download: `executable_path` is the system's `chromium`), plus plain httpx checks of
the cookie flags, the CSRF tokens and the sign-in throttle.

The browser tests share one gateway and one signed-in page and run in file order: sign in, every
page, a key created and found in the list, calls made with it and seen on the overview, the usage
page and the request log, the key edited and revoked, the playground's stream, a form posted
without its CSRF token, and sign-out (the old cookie is refused).

SWITCHYARD_DASHBOARD_SCREENSHOTS=DIR saves a PNG of each page into DIR (docs/ holds the
committed ones)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from support import binary_path, clean_env, sim_prompt, write_config

ADMIN_KEY = "dashboard-admin-key-0123456789abcdef"
NAV = ["Overview", "Usage", "Keys", "Deployments", "Models", "Requests", "Playground"]
PAGES = {"Overview": "/dashboard", "Usage": "/dashboard/usage", "Keys": "/dashboard/keys", "Deployments": "/dashboard/deployments",
         "Models": "/dashboard/models", "Requests": "/dashboard/requests", "Playground": "/dashboard/playground"}
SCREENSHOTS = os.environ.get("SWITCHYARD_DASHBOARD_SCREENSHOTS")
# What the signed-in tests hand on to the next (they run in file order).
STATE: dict[str, str] = {}
CONSOLE: dict[str, "Console"] = {}

CONFIG = """\
providers:
  - name: deepseek
    family: deepseek
    deployments:
      - {name: dash-deepseek, region: global, simulated: true, models: {deepseek-v4-flash: , deepseek-v4-pro: }}
  - name: qwen
    family: qwen
    deployments:
      - {name: dash-qwen, region: ap-southeast-1, simulated: true, models: {Qwen/Qwen3-32B: }}
auth: {required: true}
store: {url: sqlite:dashboard.db}
ledger: {flush_ms: 20}
"""


def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail("chromium is not installed; scripts/test-dependencies installs it")
    return browser


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    from support import Launcher

    directory = tmp_path_factory.mktemp("dashboard")
    launcher = Launcher(directory)
    config = write_config(directory, "dashboard.yaml", CONFIG)
    process = launcher.gateway(config, clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    yield process
    launcher.stop_all()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


class Console:
    """Console errors and uncaught exceptions of a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


@pytest.fixture(scope="module")
def page(browser, dash):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=dash.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    CONSOLE["page"] = Console(page)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def sign_in(page, key: str = ADMIN_KEY) -> None:
    page.goto("/dashboard/login")
    page.fill("#admin-key", key)
    page.click("button[type=submit]")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"dashboard-{name}.png"), full_page=False)


def chat(url: str, key: str, model: str = "deepseek-v4-flash", stream: bool = False) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": sim_prompt(text="Hello from the dashboard test.")}]}
    if stream:
        body["stream"] = True
    return httpx.post(f"{url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}, timeout=30)


def stat(page, name: str) -> str:
    return page.inner_text(f"#stat-{name} .value")


# MARK: httpx: cookies, CSRF, off switch, throttle


def login_form(client: httpx.Client) -> str:
    response = client.get("/dashboard/login")
    assert response.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', response.text).group(1)


def test_cookie_flags_csrf_and_sign_out_with_httpx(dash):
    with httpx.Client(base_url=dash.url, follow_redirects=False, timeout=10) as client:
        assert client.get("/dashboard").status_code == 303
        assert client.get("/dashboard").headers["location"] == "/dashboard/login"
        login = client.get("/dashboard/login")
        assert login.headers["content-security-policy"].startswith("default-src 'none'")
        assert "HttpOnly" in login.headers["set-cookie"] and "SameSite=Strict" in login.headers["set-cookie"]
        token = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        # The sign-in form without its token, or with another one: 403, even with the right key.
        assert client.post("/dashboard/login", data={"admin_key": ADMIN_KEY}).status_code == 403
        assert client.post("/dashboard/login", data={"admin_key": ADMIN_KEY, "csrf": "forged"}).status_code == 403
        signed_in = client.post("/dashboard/login", data={"admin_key": ADMIN_KEY, "csrf": token})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
        cookie = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith("switchyard_session="))
        flags = [part.strip() for part in cookie.split(";")]
        assert "HttpOnly" in flags and "SameSite=Strict" in flags and "Path=/dashboard" in flags
        assert "Secure" not in flags  # plain HTTP
        assert any(f == "Max-Age=43200" for f in flags)
        session = cookie.split(";")[0].split("=", 1)[1]
        overview = client.get("/dashboard")
        assert overview.status_code == 200 and "Sign out" in overview.text
        assert ADMIN_KEY not in overview.text
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', overview.text).group(1)
        # A form without the session's CSRF token: 403, nothing created.
        before = len(httpx.get(f"{dash.url}/admin/keys", headers={"authorization": f"Bearer {ADMIN_KEY}"}).json()["data"])
        assert client.post("/dashboard/keys", data={"name": "no-csrf"}).status_code == 403
        assert client.post("/dashboard/keys", data={"name": "no-csrf", "csrf": "x" * 43}).status_code == 403
        after = len(httpx.get(f"{dash.url}/admin/keys", headers={"authorization": f"Bearer {ADMIN_KEY}"}).json()["data"])
        assert before == after
        created = client.post("/dashboard/keys", data={"name": "with-csrf", "csrf": csrf})
        assert created.status_code == 303
        keys_page = client.get("/dashboard/keys").text
        secret = re.search(r'id="new-key-secret" value="(sy-[0-9A-Za-z]{32})"', keys_page).group(1)
        assert secret not in client.get("/dashboard/keys").text, "a new key's secret is shown once"
        # Sign-out ends the session on the server: the old cookie no longer opens a page.
        assert client.post("/dashboard/logout", data={"csrf": csrf}).status_code == 303
    with httpx.Client(base_url=dash.url, follow_redirects=False, timeout=10, cookies={"switchyard_session": session}) as stale:
        response = stale.get("/dashboard")
        assert response.status_code == 303 and response.headers["location"] == "/dashboard/login"
        assert stale.post("/dashboard/keys", data={"name": "stale", "csrf": csrf}).status_code == 403


def test_secure_cookie_behind_tls_proxy(dash):
    with httpx.Client(base_url=dash.url, follow_redirects=False, timeout=10) as client:
        token = login_form(client)
        response = client.post("/dashboard/login", data={"admin_key": ADMIN_KEY, "csrf": token}, headers={"x-forwarded-proto": "https"})
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("switchyard_session="))
        assert "Secure" in [part.strip() for part in cookie.split(";")]


def test_dashboard_is_off_without_the_admin_api(launcher):
    process = launcher.gateway()  # the embedded default, no SWITCHYARD_ADMIN_KEY
    for path in ["/dashboard", "/dashboard/login", "/dashboard/assets/app.css"]:
        response = httpx.get(process.url + path, timeout=10)
        assert response.status_code == 404, path
    assert httpx.post(process.url + "/dashboard/login", data={"admin_key": "x"}, timeout=10).status_code == 404


def test_five_wrong_keys_in_a_minute_get_429_in_the_browser(browser, tmp_path, launcher):
    config = write_config(tmp_path, "throttle.yaml", CONFIG)
    process = launcher.gateway(config, clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    context = browser.new_context(base_url=process.url)
    page = context.new_page()
    statuses = []
    for attempt in range(5):
        page.goto("/dashboard/login")
        page.fill("#admin-key", f"wrong-key-{attempt}")
        with page.expect_response(lambda r: r.url.endswith("/dashboard/login") and r.request.method == "POST") as answer:
            page.click("button[type=submit]")
        statuses.append(answer.value.status)
        assert "That is not the admin key." in page.inner_text(".notice")
    assert statuses == [401] * 5
    # The sixth attempt, even with the right key, waits.
    page.goto("/dashboard/login")
    page.fill("#admin-key", ADMIN_KEY)
    with page.expect_response(lambda r: r.url.endswith("/dashboard/login") and r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 429
    assert 0 < int(answer.value.headers["retry-after"]) <= 60
    assert "Too many wrong keys" in page.inner_text(".notice")
    context.close()


# MARK: the browser, signed in


def test_sign_in_refuses_a_wrong_key_then_accepts_the_admin_key(page):
    page.goto("/dashboard")
    assert page.url.endswith("/dashboard/login")
    shot(page, "login")
    sign_in(page, "not-the-admin-key-at-all")
    assert page.url.endswith("/dashboard/login")
    assert "That is not the admin key." in page.inner_text(".notice")
    # The refusal is a 401, which the browser logs as a failed resource; nothing else.
    assert all("401" in error for error in CONSOLE["page"].take())
    sign_in(page)
    page.wait_for_url("**/dashboard")
    assert page.inner_text("h1") == "Overview"
    assert CONSOLE['page'].take() == []


def test_every_page_renders_with_its_navigation_and_no_console_errors(page):
    for label, path in PAGES.items():
        page.goto(path)
        assert page.inner_text("main h1") in (label, "Overview"), label
        links = page.locator("header nav a").all_inner_texts()
        assert links == NAV
        assert page.locator("header nav a[aria-current=page]").inner_text() == label
        assert page.locator("header form.signout button").inner_text() == "Sign out"
        assert CONSOLE['page'].take() == [], label
    # The deployments and models pages show the config's deployments.
    page.goto("/dashboard/deployments")
    assert page.locator("#deployments-table tr[data-deployment]").count() == 2
    assert "closed" in page.inner_text("#deployments-table")
    page.goto("/dashboard/models")
    assert page.locator("#models-table tr[data-model='deepseek-v4-flash']").count() == 1
    assert "dash-deepseek" in page.inner_text("#models-table tr[data-model='deepseek-v4-flash']")
    # A phone-width viewport lays the pages out too (no console errors, navigation reachable).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/dashboard")
    assert page.locator("header nav a").count() == 7
    page.set_viewport_size({"width": 1280, "height": 800})
    assert CONSOLE['page'].take() == []


def test_create_a_key_and_find_it_in_the_list(page, dash):
    page.goto("/dashboard/keys")
    form = page.locator("#create-key")
    form.locator("input[name=name]").fill("dash-e2e")
    form.locator("input[name=team]").fill("growth")
    form.locator("input[name=budget_usd]").fill("5")
    form.locator("input[name=rpm]").fill("600")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/dashboard/keys")
    secret = page.input_value("#new-key-secret")
    assert re.fullmatch(r"sy-[0-9A-Za-z]{32}", secret)
    page.click("button[data-copy=new-key-secret]")
    row = page.locator("#keys-table tr", has_text="dash-e2e")
    assert row.count() == 1
    assert "growth" in row.inner_text() and "600 rpm" in row.inner_text() and "of $5.00 / month" in row.inner_text()
    assert row.locator("svg.budget").count() == 1
    # Shown once: a reload no longer has it, and no other page ever does.
    page.reload()
    assert page.locator("#new-key-secret").count() == 0
    assert secret not in page.content()
    STATE.update(secret=secret, key_id=row.get_attribute("data-key-id"))
    shot(page, "keys")
    assert CONSOLE['page'].take() == []


def test_calls_with_the_key_show_on_overview_usage_and_requests(page, dash):
    secret, key_id = STATE["secret"], STATE["key_id"]
    page.goto("/dashboard")
    requests_before = int(stat(page, "requests").replace(",", ""))
    today_before = stat(page, "today")
    costs = Decimal(0)
    for i in range(3):
        response = chat(dash.url, secret, stream=(i == 2))
        assert response.status_code == 200, response.text
        if i < 2:
            costs += Decimal(response.headers["x-switchyard-cost-usd"])
    assert chat(dash.url, secret, model="no-such-model").status_code == 404
    time.sleep(0.5)  # the ledger writes every 20 ms
    page.goto("/dashboard")
    assert int(stat(page, "requests").replace(",", "")) == requests_before + 4
    assert stat(page, "today") != today_before
    assert page.locator("section.charts svg.chart").count() == 4
    shot(page, "overview")
    page.goto("/dashboard?range=7d")
    assert page.locator("section.charts svg.chart").count() == 4
    page.goto("/dashboard?range=30d&bucket=hour")
    assert page.locator("section.charts svg.chart").count() == 4

    # Usage, grouped by key: the key's row has its four requests and the cost its client was shown
    # (plus the streamed call's).
    page.goto(f"/dashboard/usage?group_by=key&key={key_id}")
    assert page.inner_text("#usage-total-requests") == "4"
    cost_cell = page.locator("#usage-total-cost").get_attribute("title")
    assert Decimal(cost_cell) > costs > 0
    # Sorting by requests (ascending, then descending) keeps the rows.
    page.goto("/dashboard/usage?group_by=model")
    page.click("#usage-table thead a:has-text('Requests')")
    assert "sort=requests" in page.url
    shot(page, "usage")
    # The CSV download has the figures of `switchyard usage` for the same query.
    with page.expect_download() as download_info:
        page.goto(f"/dashboard/usage?group_by=key&key={key_id}")
        page.click("text=Download CSV")
    csv_text = Path(download_info.value.path()).read_text()
    cli = subprocess.run([str(binary_path()), "usage", "--group-by", "key", "--key", key_id, "--csv", "--gateway", dash.url],
                         capture_output=True, text=True, timeout=60, env=clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    assert cli.returncode == 0, cli.stderr
    csv_lines, cli_lines = csv_text.splitlines(), cli.stdout.splitlines()
    assert csv_lines[0] == cli_lines[0] and csv_lines[0].startswith("key,requests,errors")
    # The same figures (latency percentiles aside: the CLI's query ran a moment later, same rows).
    assert [line.split(",")[:12] for line in csv_lines[1:]] == [line.split(",")[:12] for line in cli_lines[1:]]
    assert csv_lines[1].split(",")[1] == "4"

    # The request log: the key's four rows, newest first; the 404 among them; a row opens its details.
    page.goto(f"/dashboard/requests?key={key_id}")
    rows = page.locator("#requests-table tbody tr")
    assert rows.count() == 4
    assert "404" in rows.nth(0).inner_text()
    page.goto(f"/dashboard/requests?key={key_id}&status=error")
    assert page.locator("#requests-table tbody tr").count() == 1
    page.goto(f"/dashboard/requests?key={key_id}&status=ok&model=deepseek-v4-flash")
    assert page.locator("#requests-table tbody tr").count() == 3
    page.goto("/dashboard/requests?team=growth")
    assert page.locator("#requests-table tbody tr").count() == 4
    shot(page, "requests")
    # The second newest is the streamed call (the newest is the 404).
    page.locator("#requests-table tbody tr").nth(1).locator("td").nth(0).click()
    page.wait_for_url("**/dashboard/requests/*")
    details = page.inner_text("#request-details")
    for label in ["Route", "Attempts", "Deployment", "Prompt tokens", "Cost", "Latency", "Time to first token", "Error"]:
        assert label in details
    assert "dash-deepseek" in details and "explicit" in details
    assert re.search(r"Time to first token\n[0-9.]+ ms", details) and re.search(r"Stream\nyes", details)
    assert "Hello from the dashboard test" not in page.content(), "never a body"
    assert CONSOLE['page'].take() == []


def test_edit_then_revoke_the_key(page, dash):
    secret, key_id = STATE["secret"], STATE["key_id"]
    page.goto("/dashboard/keys")
    page.locator("#keys-table tr", has_text="dash-e2e").locator("a:has-text('Edit')").click()
    page.wait_for_url(f"**/dashboard/keys/{key_id}")
    form = page.locator("#edit-key")
    form.locator("input[name=rpm]").fill("1200")
    form.locator("input[name=tpm]").fill("50000")
    form.locator("input[name=budget_usd]").fill("7.5")
    form.locator("select[name=budget_period]").select_option("day")
    form.locator("input[name=models]").fill("deepseek")
    form.locator("input[name=expires_at]").fill("2099-01-31T00:00:00Z")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/dashboard/keys")
    row = page.locator("#keys-table tr", has_text="dash-e2e").inner_text()
    assert "1,200 rpm" in row and "50,000 tpm" in row and "of $7.50 / day" in row and "deepseek" in row and "2099-01-31" in row
    # The admin API sees the same key; the key still works for a model it allows, not for others.
    key = httpx.get(f"{dash.url}/admin/keys/{key_id}", headers={"authorization": f"Bearer {ADMIN_KEY}"}).json()
    assert key["rpm"] == 1200 and key["budget_usd"] == "7.5" and key["budget_period"] == "day" and key["models"] == ["deepseek"]
    assert chat(dash.url, secret).status_code == 200
    assert chat(dash.url, secret, model="Qwen/Qwen3-32B").status_code == 403
    # `switchyard keys update` changes it through the same PATCH; the keys page shows it.
    cli = subprocess.run([str(binary_path()), "keys", "update", key_id, "--tpm", "60000", "--clear", "expiry", "--gateway", dash.url],
                         capture_output=True, text=True, timeout=60, env=clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    assert cli.returncode == 0, cli.stderr
    assert f"updated {key_id}" in cli.stdout
    key = httpx.get(f"{dash.url}/admin/keys/{key_id}", headers={"authorization": f"Bearer {ADMIN_KEY}"}).json()
    assert key["tpm"] == 60000 and key["expires_at"] is None and key["rpm"] == 1200
    page.goto("/dashboard/keys")
    assert "60,000 tpm" in page.locator("#keys-table tr", has_text="dash-e2e").inner_text()
    # An invalid value is refused with the API's message, nothing changed.
    page.goto(f"/dashboard/keys/{key_id}")
    page.locator("#edit-key input[name=rpm]").fill("20000000")  # over the API's 10,000,000
    page.locator("#edit-key button[type=submit]").click()
    assert "'rpm' must be a whole number" in page.inner_text(".notice.error")
    assert all("400" in error for error in CONSOLE["page"].take())  # the refusal's status, logged by the browser
    # Revoke (the page asks first; the dialog is accepted).
    page.goto("/dashboard/keys")
    with page.expect_navigation():
        page.locator("#keys-table tr", has_text="dash-e2e").locator("button:has-text('Revoke')").click()
    assert "revoked" in page.locator("#keys-table tr", has_text="dash-e2e").inner_text()
    assert chat(dash.url, secret).status_code == 401
    assert CONSOLE['page'].take() == []


def test_the_playground_streams_an_answer(page):
    from playwright.sync_api import expect

    # (Locator expectations, not wait_for_function: the page's CSP forbids the eval it uses.)
    page.goto("/dashboard/playground")
    page.click("#pg-mint")
    expect(page.locator("#pg-key")).to_have_value(re.compile(r"^sy-[0-9A-Za-z]{32}$"))
    page.select_option("#pg-model", "auto")
    # Five seconds of stream: the output is read while it still grows, even on a loaded machine.
    page.fill("#pg-prompt", "Tell me a short story about a railway switchyard. [sim tps=40 ttft_ms=50 tokens=200]")
    page.click("#pg-send")
    # Token by token: the output grows while the stream runs, then the call's figures show.
    expect(page.locator("#pg-status")).to_have_text(re.compile(r"^streaming… [1-9]\d* chunks"))
    first = len(page.inner_text("#pg-output"))
    assert first > 0
    expect(page.locator("#pg-status")).to_have_text(re.compile(r"^done"), timeout=30_000)
    assert len(page.inner_text("#pg-output")) > first
    assert page.inner_text("#pg-route").startswith("default")
    assert page.inner_text("#pg-deployment") in ("dash-deepseek", "dash-qwen")
    assert page.inner_text("#pg-attempts") == "1"
    assert re.fullmatch(r"\$0\.\d+", page.inner_text("#pg-cost"))
    shot(page, "playground")
    assert CONSOLE['page'].take() == []


def test_a_form_posted_without_its_csrf_token_is_refused(page):
    page.goto("/dashboard/keys")
    page.evaluate("document.querySelector('#create-key input[name=csrf]').remove()")
    page.locator("#create-key input[name=name]").fill("no-token")
    with page.expect_response(lambda r: r.url.endswith("/dashboard/keys") and r.request.method == "POST") as answer:
        page.locator("#create-key button[type=submit]").click()
    assert answer.value.status == 403
    assert "CSRF" in page.inner_text("main")
    page.goto("/dashboard/keys")
    assert page.locator("#keys-table tr", has_text="no-token").count() == 0
    CONSOLE['page'].take()  # the 403 itself is logged by the browser as a failed resource


def test_screenshots_of_the_remaining_pages(page):
    for name in ["deployments", "models"]:
        page.goto(f"/dashboard/{name}")
        shot(page, name)
    assert CONSOLE['page'].take() == []


def test_sign_out_ends_the_session(page, dash):
    page.goto("/dashboard")
    session = next(c["value"] for c in page.context.cookies() if c["name"] == "switchyard_session")
    page.click("header form.signout button")
    page.wait_for_url("**/dashboard/login")
    page.goto("/dashboard")
    assert page.url.endswith("/dashboard/login")
    response = httpx.get(f"{dash.url}/dashboard", cookies={"switchyard_session": session}, follow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/login"
