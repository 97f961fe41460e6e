"""Live config reload (`POST /admin/reload`, SIGHUP): a valid file applies to new calls at once
while calls in flight finish where they started, at the prices they started with; an invalid
file is refused with its located error and the running config keeps serving; settings that
cannot change live are reported; /admin/health shows the file's hash and load time."""

import hashlib
import json
import re
import signal
import socket
import sqlite3
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from support import clean_env, free_port, sim_prompt

ADMIN_KEY = "e2e-reload-admin-key-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
MODEL = "deepseek-v4-flash"


def config_text(db: Path, price: str, deployment: str, server: str = "") -> str:
    return server + textwrap.dedent(f"""\
        models:
          - id: {MODEL}
            pricing: {{input: {price}, output: {price}}}
        providers:
          - name: deepseek
            family: deepseek
            deployments:
              - {{name: {deployment}, simulated: true, models: {{{MODEL}: }}}}
        auth: {{required: false}}
        store: {{url: "sqlite:{db}"}}
        ledger: {{flush_ms: 50}}
        """)


def start(launcher, path: Path, port: int | None = None):
    args = ["serve", "--config", str(path)] + ([] if port is not None else ["--host", "127.0.0.1"])
    return launcher.start("gateway", args, clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY), port=port)


def price_of(usage: dict, price: str) -> Decimal:
    """USD for `usage` at a flat `price` per 1M tokens (every token kind)."""
    return Decimal(usage["prompt_tokens"] + usage["completion_tokens"]) * Decimal(price) / Decimal(1_000_000)


def chat(gateway, **extra) -> httpx.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": sim_prompt(tokens=8)}], **extra}
    return httpx.post(f"{gateway.url}/v1/chat/completions", json=body, timeout=30)


def reload(gateway) -> httpx.Response:
    return httpx.post(f"{gateway.url}/admin/reload", headers=ADMIN, timeout=30)


def health(gateway) -> dict:
    r = httpx.get(f"{gateway.url}/admin/health", headers=ADMIN, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def reload_counts(gateway) -> dict[str, float]:
    text = httpx.get(f"{gateway.url}/metrics", timeout=10).text
    counts = {}
    for result in ("ok", "refused"):
        match = re.search(r'^switchyard_config_reloads_total\{result="' + result + r'"\} (\S+)$', text, re.M)
        assert match, text
        counts[result] = float(match.group(1))
    return counts


def ledger_rows(db: Path, request_ids: list[str], timeout: float = 10) -> dict[str, tuple]:
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                f"SELECT request_id, deployment, cost_pusd, prompt_tokens, completion_tokens, status FROM usage_records "
                f"WHERE request_id IN ({','.join('?' * len(request_ids))})", request_ids).fetchall()
        if len(rows) == len(request_ids) or time.monotonic() > deadline:
            return {row[0]: row for row in rows}
        time.sleep(0.1)


def test_a_stream_survives_a_reload_that_removes_its_deployment_and_keeps_its_price(launcher, tmp_path):
    db = tmp_path / "ledger.db"
    path = tmp_path / "switchyard.yaml"
    path.write_text(config_text(db, "1", "old-deployment"))
    gateway = start(launcher, path)

    # A 20-second stream: 200 tokens at 10 per second, from the deployment the reload removes.
    started = threading.Event()
    outcome: dict = {}

    def stream() -> None:
        body = {"model": MODEL, "stream": True, "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": sim_prompt(tokens=200, tps=10)}]}
        begin = time.monotonic()
        with httpx.stream("POST", f"{gateway.url}/v1/chat/completions", json=body, timeout=60,
                          headers={"x-request-id": "reload-stream"}) as r:
            outcome["status"] = r.status_code
            outcome["deployment"] = r.headers.get("x-switchyard-deployment")
            events = []
            for line in r.iter_lines():
                if line.startswith("data: "):
                    events.append(line[len("data: "):])
                    started.set()
        outcome["events"] = events
        outcome["seconds"] = time.monotonic() - begin

    thread = threading.Thread(target=stream)
    thread.start()
    assert started.wait(15), "the stream did not start"

    path.write_text(config_text(db, "2", "new-deployment"))
    reloaded_at = time.monotonic()
    r = reload(gateway)
    reload_ms = (time.monotonic() - reloaded_at) * 1000
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["status"] == "reloaded"
    assert "deployments (added new-deployment; removed old-deployment)" in answer["applied"]
    assert f"models ({MODEL})" in answer["applied"]
    assert answer["needs_restart"] == []
    assert answer["config"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    # The next call: the new deployment, the new price (header and ledger).
    after = httpx.post(f"{gateway.url}/v1/chat/completions", timeout=30, headers={"x-request-id": "after-reload"},
                       json={"model": MODEL, "messages": [{"role": "user", "content": sim_prompt(tokens=8)}]})
    assert after.status_code == 200, after.text
    assert after.headers["x-switchyard-deployment"] == "new-deployment"
    new_cost = Decimal(after.headers["x-switchyard-cost-usd"])
    assert new_cost == price_of(after.json()["usage"], "2")

    thread.join(60)
    assert not thread.is_alive()
    assert outcome["status"] == 200 and outcome["deployment"] == "old-deployment"
    events = outcome["events"]
    assert events[-1] == "[DONE]", events[-3:]
    assert not any('"error"' in event for event in events)
    assert outcome["seconds"] >= 15, outcome["seconds"]
    usage = next(json.loads(e)["usage"] for e in events[:-1] if json.loads(e).get("usage"))
    assert usage["completion_tokens"] >= 200  # the answer, and the reasoning of a thinking model
    # Billed at the price it started with.
    assert Decimal(usage["cost_usd"]) == price_of(usage, "1")

    rows = ledger_rows(db, ["reload-stream", "after-reload"])
    assert rows["reload-stream"][1] == "old-deployment"
    assert Decimal(rows["reload-stream"][2]) / Decimal(10**12) == Decimal(usage["cost_usd"])
    assert rows["after-reload"][1] == "new-deployment"
    assert Decimal(rows["after-reload"][2]) / Decimal(10**12) == new_cost
    print(f"RELOAD POST /admin/reload answered in {reload_ms:.1f} ms with a 20 s stream in flight")


def test_an_invalid_file_is_refused_sighup_reloads_and_both_are_counted(launcher, tmp_path):
    db = tmp_path / "ledger.db"
    path = tmp_path / "switchyard.yaml"
    path.write_text(config_text(db, "1", "first"))
    gateway = start(launcher, path)
    before = health(gateway)["config"]
    assert before["path"] == str(path)
    assert before["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", before["loaded_at"]), before
    assert reload_counts(gateway) == {"ok": 0, "refused": 0}

    # An invalid file: 400 with the located error; the old config keeps serving.
    path.write_text(config_text(db, "1", "first").replace("family: deepseek", "family: nope"))
    r = reload(gateway)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "config_invalid" and error["type"] == "invalid_request_error"
    assert f"{path}:6:" in error["message"] and "providers[0].family: unknown family 'nope'" in error["message"], error
    assert r.headers["x-should-retry"] == "false"
    served = chat(gateway)
    assert served.status_code == 200 and served.headers["x-switchyard-deployment"] == "first"
    assert Decimal(served.headers["x-switchyard-cost-usd"]) == price_of(served.json()["usage"], "1")
    assert health(gateway)["config"] == before
    assert "config reload refused" in gateway.output() and "unknown family 'nope'" in gateway.output()

    # SIGHUP works like the endpoint.
    time.sleep(1.1)  # a later second for loaded_at
    path.write_text(config_text(db, "3", "second"))
    gateway.popen.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while health(gateway)["config"]["sha256"] == before["sha256"]:
        assert time.monotonic() < deadline, gateway.output()
        time.sleep(0.05)
    after = health(gateway)
    assert after["config"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert after["config"]["loaded_at"] > before["loaded_at"]
    assert [d["deployment"] for d in after["deployments"]] == ["second"]
    served = chat(gateway)
    assert served.headers["x-switchyard-deployment"] == "second"
    assert Decimal(served.headers["x-switchyard-cost-usd"]) == price_of(served.json()["usage"], "3")
    assert gateway.popen.poll() is None
    assert "trigger=SIGHUP" in gateway.output() or "SIGHUP" in gateway.output()

    assert reload_counts(gateway) == {"ok": 1, "refused": 1}

    # Reloading without the admin key is refused before anything is read.
    assert httpx.post(f"{gateway.url}/admin/reload", timeout=10).status_code == 401
    assert reload_counts(gateway) == {"ok": 1, "refused": 1}


def test_a_changed_listen_port_needs_a_restart(launcher, tmp_path):
    db = tmp_path / "ledger.db"
    path = tmp_path / "switchyard.yaml"
    port, other = free_port(), free_port()
    path.write_text(config_text(db, "1", "only", server=f"server: {{host: 127.0.0.1, port: {port}}}\n"))
    gateway = start(launcher, path, port=port)

    path.write_text(config_text(db, "2", "only",
                                server=f"server: {{host: 127.0.0.1, port: {other}, max_body_bytes: 4096, max_connections: 2}}\n"))
    r = reload(gateway)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["needs_restart"] == [f"server.port ({port} kept, the file says {other})"]
    assert answer["applied"] == [f"models ({MODEL})", "server.max_connections", "server.max_body_bytes"]
    assert f"server.port ({port} kept, the file says {other})" in gateway.output()
    # Still on the old port, with the new price and the new body limit for new connections.
    served = chat(gateway)
    assert Decimal(served.headers["x-switchyard-cost-usd"]) == price_of(served.json()["usage"], "2")
    too_large = chat(gateway, padding="x" * 5000)
    assert too_large.status_code == 413, too_large.text
    try:
        httpx.get(f"http://127.0.0.1:{other}/healthz", timeout=1)
        raise AssertionError(f"something answers on port {other}")
    except httpx.TransportError:
        pass
    # The new connection limit: with two connections held open, a third is closed at once.
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    try:
        time.sleep(0.3)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{gateway.url}/healthz", timeout=5)
    finally:
        for connection in held:
            connection.close()
    deadline = time.monotonic() + 5
    while True:
        try:
            if httpx.get(f"{gateway.url}/healthz", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "connections stay refused after the held ones closed"
            time.sleep(0.1)


def test_the_embedded_default_has_nothing_to_reload(launcher, tmp_path):
    gateway = launcher.start("gateway", ["serve", "--host", "127.0.0.1", "--store", f"sqlite:{tmp_path / 'e.db'}"],
                             clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    r = reload(gateway)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "no_config_file"
    assert "embedded default" in error["message"] and "no config file to re-read" in error["message"]
    gateway.popen.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "there is no file to re-read" not in gateway.output():
        assert time.monotonic() < deadline, gateway.output()
        time.sleep(0.05)
    assert gateway.popen.poll() is None
    assert chat(gateway).status_code == 200
    assert health(gateway)["config"]["sha256"] is None
    assert reload_counts(gateway)["refused"] == 2
