"""Hostile upstreams and slow readers: a provider that claims absurd usage, echoes the API key it
was sent in its errors, never ends a line or resets mid-stream, and a client that stops reading a
long stream. The gateway must survive all of them, bill what was really generated, and never
hand a secret back."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from decimal import Decimal

import httpx
import pytest

from hostile import (
    ADMIN_KEY, MODEL, PUSD, PeakRSS, Raw, assert_alive, assert_openai_error, chat_json, chat_request_bytes, connect, content_chunks,
    create_key, deployment_health, env, gateway_config, key_info, ledger_rows, post_chat, reset, sse_events, start_gateway,
    until_closed, wait_for_rows, wait_until,
)
from hostile_upstream import FakeUpstream, key_forms
from support import Launcher, binary_path, free_port, sim_prompt

UPSTREAM_KEY = "bce-v3/ALTAK-7hQx2WmZ9pLk+Qz="
UPSTREAM_KEY_ENV = "HOSTILE_UPSTREAM_KEY"
DEPLOYMENT = "hostile-upstream"
EXPENSIVE = [{"id": MODEL, "pricing": {"input": Raw("10"), "output": Raw("10")}}]


def fake(mode: str, chunks: int = 5, **params: object) -> str:
    words = " ".join(f"{k}={v}" for k, v in params.items())
    return f"Hello. [fake mode={mode} chunks={chunks} {words}]"


def hostile_config(directory, upstream: FakeUpstream, db=None, **overrides):
    return gateway_config(
        directory, db=db, base_url=upstream.base_url, api_key_env=UPSTREAM_KEY_ENV, deployment=DEPLOYMENT,
        timeouts={"connect_ms": 2000, "first_token_ms": 3000, "stream_idle_ms": 3000, "total_ms": 6000},
        routing={"retry": {"max_attempts": 1}, "balance_cooldown_s": 0,
                 "breaker": {"consecutive_failures": 10000, "minimum_requests": 1000000}},
        model_overrides=EXPENSIVE, **overrides)


@pytest.fixture(scope="module")
def upstream():
    server = FakeUpstream()
    yield server
    server.close()


@pytest.fixture(scope="module")
def hostile(upstream, tmp_path_factory):
    """A gateway in front of the fake upstream, at $10/$10 per 1M tokens, with a key."""
    directory = tmp_path_factory.mktemp("hostile-upstream")
    launcher = Launcher(directory)
    db = directory / "hostile.db"
    gateway = start_gateway(launcher, hostile_config(directory, upstream, db=db), **{UPSTREAM_KEY_ENV: UPSTREAM_KEY})
    secret, key_id = create_key(gateway.url, name="hostile-upstream")
    yield gateway, secret, key_id, db
    launcher.stop_all()


def stream_body(response: httpx.Response) -> bytes:
    return response.content


# MARK: 10. Bogus usage


@pytest.mark.parametrize("mode", ["huge", "negative", "overcontext"])
def test_bogus_usage_on_a_whole_answer_is_a_502_and_the_gateway_lives(hostile, mode):
    gateway, secret, _, db = hostile
    failures_before = deployment_health(gateway.url, DEPLOYMENT)["failures"]
    request_id = f"bogus-{mode}-{uuid.uuid4().hex[:8]}"
    r = post_chat(gateway.url, chat_json(fake(mode)), key=secret, request_id=request_id)
    assert_openai_error(r.status_code, r.content, 502, "upstream_bad_response")
    assert_alive(gateway)
    assert deployment_health(gateway.url, DEPLOYMENT)["failures"] > failures_before, "held against the deployment"
    row = wait_for_rows(db, [request_id])[request_id]
    assert row["status"] == 502
    assert (row["cost_pusd"] or 0) < PUSD, f"a refused answer was billed {row['cost_pusd']} pUSD"


@pytest.mark.parametrize("mode", ["huge", "negative", "overcontext"])
def test_bogus_usage_after_streamed_content_ends_the_call_billed_by_estimate(hostile, mode):
    gateway, secret, key_id, db = hostile
    request_id = f"bogus-stream-{mode}-{uuid.uuid4().hex[:8]}"
    chunks = 6
    r = post_chat(gateway.url, chat_json(fake(mode, chunks=chunks), stream=True), key=secret, request_id=request_id)
    assert r.status_code == 200, r.text
    events = sse_events(r.content)
    assert content_chunks(events) == chunks, "the content already streamed reached the client"
    assert_alive(gateway)
    row = wait_for_rows(db, [request_id])[request_id]
    assert row["usage_source"] == "estimated", row
    assert row["cost_pusd"] is not None and 0 < row["cost_pusd"] < PUSD // 100, row  # a few tokens at $10/1M
    assert 1 <= row["completion_tokens"] <= 4 * chunks, row
    assert 0 < row["prompt_tokens"] < 1000, row


def test_bogus_usage_repeated_on_one_expensive_key_survives_a_restart(upstream, tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "repeat.db"
        config = hostile_config(tmp_path, upstream, db=db)
        gateway = start_gateway(launcher, config, **{UPSTREAM_KEY_ENV: UPSTREAM_KEY})
        secret, key_id = create_key(gateway.url, name="expensive", budget_usd="1000000", budget_period="total")
        modes = ["huge", "negative", "overcontext"]
        statuses: list[int] = []
        lock = threading.Lock()

        def worker(offset: int) -> None:
            for i in range(10):
                mode = modes[(i + offset) % 3]
                stream = (i + offset) % 2 == 0
                try:
                    r = post_chat(gateway.url, chat_json(fake(mode, chunks=3), stream=stream), key=secret)
                except httpx.TransportError as error:
                    raise AssertionError(f"the gateway dropped a connection: {error}") from error
                with lock:
                    statuses.append(r.status_code)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(statuses) == 40
        assert set(statuses) <= {200, 502}, statuses
        assert_alive(gateway)
        # Spend is readable and sane: estimates of a few tokens each, nowhere near 2**40 tokens;
        # and it is what the ledger says.
        def ledger_spend() -> Decimal:
            rows = ledger_rows(db, "key_id = ?", (key_id,))
            return sum((Decimal(r["cost_pusd"] or 0) for r in rows), Decimal(0)) / PUSD if len(rows) == 40 else Decimal(-1)

        spent = wait_until(lambda: (s := Decimal(key_info(gateway.url, key_id)["spent_usd"])) == ledger_spend() and (s,), 15,
                           message="the key's spend never matched its ledger rows")[0]
        assert Decimal(0) < spent < Decimal(1), spent
        # A restart on the same SQLite file reads it back.
        gateway.popen.send_signal(signal.SIGTERM)
        assert gateway.popen.wait(timeout=60) == 0, gateway.output()[-3000:]
        again = start_gateway(launcher, config, **{UPSTREAM_KEY_ENV: UPSTREAM_KEY})
        assert Decimal(key_info(again.url, key_id)["spent_usd"]) == spent
        r = post_chat(again.url, chat_json(fake("ok")), key=secret)
        assert r.status_code == 200, r.text
        assert_alive(again)
    finally:
        launcher.stop_all()


def test_out_of_range_spend_in_the_store_is_repaired_not_trapped_on(upstream, tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "corrupt.db"
        config = hostile_config(tmp_path, upstream, db=db)
        gateway = start_gateway(launcher, config, **{UPSTREAM_KEY_ENV: UPSTREAM_KEY})
        keys = [create_key(gateway.url, name=f"corrupt-{n}") for n in range(3)]
        ids = []
        for secret, _ in keys:
            request_id = f"corrupt-{uuid.uuid4().hex[:8]}"
            assert post_chat(gateway.url, chat_json(fake("ok")), key=secret, request_id=request_id).status_code == 200
            ids.append(request_id)
        wait_for_rows(db, ids)

        def spend_rows() -> int:
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT count(*) FROM key_spend").fetchone()[0]

        wait_until(lambda: spend_rows() >= 3, 10, message="no key_spend rows were written")
        gateway.popen.send_signal(signal.SIGTERM)
        assert gateway.popen.wait(timeout=60) == 0
        with sqlite3.connect(db) as conn:
            for (_, key_id), value in zip(keys, [9.3e30, "lots", -(2**62)]):
                conn.execute("UPDATE key_spend SET spent_pusd = ? WHERE key_id = ?", (value, key_id))
        again = start_gateway(launcher, config, **{UPSTREAM_KEY_ENV: UPSTREAM_KEY})
        for secret, key_id in keys:
            info = key_info(again.url, key_id)
            Decimal(info["spent_usd"])  # a plain decimal, whatever the store held
            r = post_chat(again.url, chat_json(fake("ok")), key=secret)
            assert r.status_code in (200, 429), r.text
            assert_alive(again)
        wait_until(lambda: "warn" in again.output().lower(), 10, message="a repaired spend is reported with a warning")
    finally:
        launcher.stop_all()


# MARK: 12. Secrets


def assert_no_key(where: str, *texts: str) -> None:
    for text in texts:
        for form in key_forms(UPSTREAM_KEY):
            assert form not in text, f"{where} shows the deployment key (as {form!r}): {text[:400]!r}"


def decoded_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in decoded_strings(k) + decoded_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in decoded_strings(v)]
    return []


@pytest.mark.parametrize("mode,status,stream", [
    ("echo_key", 400, False), ("echo_key", 401, False), ("echo_key", 429, False), ("echo_key", 500, False),
    ("echo_key", 503, False), ("echo_key_escaped", 400, False), ("echo_key", 400, True), ("echo_key_stream", 200, True),
])
def test_an_upstream_echoing_the_deployment_key_never_shows_it_to_the_client(hostile, upstream, mode, status, stream):
    gateway, secret, _, _ = hostile
    before = len(upstream.requests)
    r = post_chat(gateway.url, chat_json(fake(mode, status=status), stream=stream), key=secret)
    assert len(upstream.requests) > before and upstream.requests[-1]["key"] == UPSTREAM_KEY, "the upstream got the key"
    headers = "\n".join(f"{name}: {value}" for name, value in r.headers.items())
    body = r.content.decode(errors="replace")
    assert_no_key("the response headers", headers)
    assert_no_key("the response body", body)
    documents: list[object] = []
    if r.headers.get("content-type", "").startswith("text/event-stream"):
        documents = [e for e in sse_events(r.content) if isinstance(e, dict)]
    else:
        documents = [r.json()]
        assert r.status_code >= 400
        assert_openai_error(r.status_code, r.content, r.status_code)
    for document in documents:
        assert_no_key("a decoded JSON string", *decoded_strings(document))
    assert_alive(gateway)
    assert_no_key("the gateway's logs", gateway.output())


def test_admin_health_and_metrics_never_show_the_deployment_key(hostile):
    gateway, secret, _, _ = hostile
    post_chat(gateway.url, chat_json(fake("echo_key", status=500)), key=secret)
    health = httpx.get(f"{gateway.url}/admin/health", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10)
    metrics = httpx.get(f"{gateway.url}/metrics", timeout=10)
    assert_no_key("/admin/health", health.text)
    assert_no_key("/metrics", metrics.text)


def run_config(path, extra_env: dict[str, str] | None = None, request: bool = True) -> str:
    """Starts `serve --config path`; if it serves, sends a chat request. Returns everything printed."""
    port = free_port()
    process = subprocess.Popen([str(binary_path()), "serve", "--config", str(path), "--port", str(port), "--host", "127.0.0.1"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env(**(extra_env or {})))
    try:
        deadline = time.monotonic() + 20
        serving = False
        while time.monotonic() < deadline and process.poll() is None:
            try:
                serving = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                pass
            if serving:
                break
            time.sleep(0.1)
        if serving and request:
            r = post_chat(f"http://127.0.0.1:{port}", chat_json("hi"), timeout=30)
            text = r.text + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
            assert "pa55word" not in text and "token=abc" not in text, text
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    return output.decode(errors="replace")


@pytest.mark.parametrize("case", ["bad-field-next-to-it", "bad-scheme", "valid-and-logged"])
def test_a_base_url_with_credentials_is_never_printed(tmp_path, case):
    url = "http://user:pa55word@127.0.0.1:1/v1?token=abc"
    extra_line = ""
    if case == "bad-field-next-to-it":
        extra_line = "        weight: -5\n"
    if case == "bad-scheme":
        url = "ftp://user:pa55word@127.0.0.1:1/v1?token=abc"
    path = tmp_path / "creds.yaml"
    path.write_text(
        "providers:\n"
        "  - name: creds\n"
        "    family: deepseek\n"
        "    deployments:\n"
        "      - name: creds-deployment\n"
        f"        base_url: {url}\n"
        f"{extra_line}"
        "        models: {deepseek-v4-flash: deepseek-v4-flash}\n"
        "auth: {required: false}\n"
        f"store: {{url: 'sqlite:{tmp_path / 'creds.db'}'}}\n")
    output = run_config(path)
    assert "pa55word" not in output, output
    assert "token=abc" not in output, output
    if case != "valid-and-logged":
        assert "creds.yaml" in output, f"the config error still names the file:\n{output}"


# MARK: Endless lines and resets


def test_an_endless_line_from_the_upstream_ends_in_an_error_not_a_dead_gateway(hostile):
    gateway, secret, _, _ = hostile
    start = time.monotonic()
    with PeakRSS(gateway.popen.pid) as memory:
        r = post_chat(gateway.url, chat_json(fake("endless"), stream=True), key=secret, timeout=60)
    elapsed = time.monotonic() - start
    print(f"ENDLESS ended after {elapsed:.2f} s, RSS +{memory.growth:.1f} MB")
    assert memory.growth < 64, f"an endless SSE line grew the gateway by {memory.growth:.0f} MB: lines must be bounded"
    assert elapsed < 6 * 3 + 5, f"an endless line held the call {elapsed:.1f} s (total_ms is 6 s)"
    if r.status_code == 200:
        assert b"[DONE]" not in r.content
        assert any(isinstance(e, dict) and "error" in e for e in sse_events(r.content)), r.content[-500:]
    else:
        assert_openai_error(r.status_code, r.content, r.status_code)
        assert r.status_code >= 500
    assert_alive(gateway)


def test_an_upstream_reset_mid_stream_ends_the_stream_with_an_error_event(hostile):
    gateway, secret, _, db = hostile
    request_id = f"reset-{uuid.uuid4().hex[:8]}"
    r = post_chat(gateway.url, chat_json(fake("reset", chunks=4), stream=True), key=secret, request_id=request_id)
    assert r.status_code == 200
    events = sse_events(r.content)
    assert content_chunks(events) == 4
    assert "[DONE]" not in events
    assert any(isinstance(e, dict) and "error" in e for e in events), events[-2:]
    assert_alive(gateway)
    row = wait_for_rows(db, [request_id])[request_id]
    assert row["cost_pusd"] is not None and row["cost_pusd"] > 0, "content that was relayed is billed"


# MARK: 8. Slow readers


def test_a_client_that_stops_reading_is_cut_off_at_total_ms_and_the_call_billed(tmp_path):
    """A long simulated stream (6 s) with timeouts.total_ms 3000, to a client that never reads.

    30,000 tokens, not more: the simulator writes its whole answer before the first byte, and
    a debug build on a loaded 2-core machine took over 3 s for 100,000 (the call then timed out
    before its stream started, and there was nothing to bill)."""
    launcher = Launcher(tmp_path)
    sock = None
    try:
        sim = launcher.sim("--seed", "3")
        db = tmp_path / "stall.db"
        total_ms = 3000
        config = gateway_config(tmp_path, db=db, base_url=f"{sim.url}/v1", auth_required=False, deployment="stall-sim",
                                server={"client_stall_ms": 60000}, timeouts={"total_ms": total_ms})
        gateway = start_gateway(launcher, config)

        def stats() -> dict:
            return httpx.get(f"{sim.url}/sim/stats", timeout=5).json()

        request_id = f"stall-{uuid.uuid4().hex[:8]}"
        body = chat_json(sim_prompt(text="Never read.", tokens=30000, tps=5000, ttft_ms=0), stream=True)
        sock = connect(gateway.url, rcvbuf=2048)
        sock.sendall(chat_request_bytes(body, request_id=request_id))
        start = time.monotonic()
        wait_until(lambda: stats()["requests"] >= 1, 5, message="the request never reached the simulator")
        wait_until(lambda: deployment_health(gateway.url, "stall-sim")["in_flight"] == 0 and stats()["in_flight"] == 0,
                   timeout=total_ms / 1000 * 3 + 4, interval=0.1,
                   message=f"a stream whose client stopped reading outlived total_ms ({total_ms} ms)")
        elapsed = time.monotonic() - start
        assert stats()["cancelled"] >= 1, "the upstream call was cancelled, not played to the end"
        row = wait_for_rows(db, [request_id])[request_id]
        assert row["completion_tokens"] > 0, str(row)
        assert row["cost_pusd"] is not None and row["cost_pusd"] > 0, "what was generated is billed"
        assert_alive(gateway)
        print(f"STALL total_ms={total_ms}: ended after {elapsed:.2f} s; billed {row['completion_tokens']} completion tokens")
    finally:
        if sock is not None:
            reset(sock)
        launcher.stop_all()


def test_a_client_that_accepts_no_bytes_is_disconnected_at_client_stall_ms_and_billed(upstream, tmp_path):
    """An upstream that floods 8 KB chunks (so the kernel's buffers fill within a fraction of a
    second, whatever their autotuned size) to a client that never reads."""
    launcher = Launcher(tmp_path)
    sock = None
    try:
        db = tmp_path / "flood.db"
        stall_ms = 1500
        config = gateway_config(tmp_path, db=db, base_url=upstream.base_url, auth_required=False, deployment="flood",
                                server={"client_stall_ms": stall_ms}, timeouts={"total_ms": 120000, "stream_idle_ms": 120000})
        gateway = start_gateway(launcher, config)
        request_id = f"flood-{uuid.uuid4().hex[:8]}"
        sock = connect(gateway.url, rcvbuf=2048)
        sock.sendall(chat_request_bytes(chat_json(fake("flood"), stream=True), request_id=request_id))
        start = time.monotonic()
        wait_until(lambda: upstream.floods.get(request_id), 5, message="the request never reached the upstream")
        # Linux grows the gateway's socket send buffer (to about 2 MB on loopback) while the
        # client's zero-window probes are answered, so writes block only some seconds after the
        # client stopped reading; the stall is counted from there.
        wait_until(lambda: deployment_health(gateway.url, "flood")["in_flight"] == 0 and upstream.floods[request_id] != "streaming",
                   timeout=stall_ms / 1000 * 3 + 25, interval=0.1,
                   message=f"a client that accepts no bytes is still served (client_stall_ms {stall_ms})")
        elapsed = time.monotonic() - start
        assert upstream.floods[request_id] == "cut", "the upstream call was cancelled"
        row = wait_for_rows(db, [request_id])[request_id]
        assert row["completion_tokens"] > 0, str(row)
        assert row["cost_pusd"] is not None and row["cost_pusd"] > 0, "what was relayed is billed"
        how, _, _ = until_closed(sock, timeout=15)
        assert how in ("eof", "reset"), "the stalled client is disconnected"
        assert_alive(gateway)
        print(f"STALL client_stall_ms={stall_ms}: ended after {elapsed:.2f} s; billed {row['completion_tokens']} completion tokens")
    finally:
        if sock is not None:
            reset(sock)
        launcher.stop_all()
