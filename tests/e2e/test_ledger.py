"""The usage ledger end to end: every request that got an answer is in the ledger exactly once,
with the cost the client was shown — also when the gateway is stopped with SIGTERM under load —
and the admin CLI (`switchyard keys`, `switchyard usage`) reads it back."""

import concurrent.futures
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from decimal import Decimal

import httpx

from support import binary_path, clean_env, sim_prompt

ADMIN_KEY = "e2e-admin-key-0123456789abcdef"
MODELS = ["deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5", "glm-4.6v"]


def cli(*args: str, gateway_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary_path()), *args, "--gateway", gateway_url], capture_output=True, text=True, timeout=60,
                          env=clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))


def streamed_cost(body: str) -> Decimal | None:
    for marker in ('"cost_usd":"', "cost_usd="):
        at = body.find(marker)
        if at >= 0:
            digits = ""
            for ch in body[at + len(marker):]:
                if ch.isdigit() or ch == ".":
                    digits += ch
                else:
                    break
            return Decimal(digits) if digits else None
    return None


def test_every_answered_request_is_in_the_ledger_once_with_its_cost_across_sigterm(launcher, tmp_path):
    db = tmp_path / "ledger.db"
    gateway = launcher.start("gateway", ["serve", "--host", "127.0.0.1", "--store", f"sqlite:{db}"],
                             clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    created = cli("keys", "create", "--name", "e2e-ledger", "--team", "qa", gateway_url=gateway.url)
    assert created.returncode == 0, created.stderr
    secret = next(line.split()[1] for line in created.stdout.splitlines() if line.startswith("key:"))
    assert secret.startswith("sy-")

    sent: set[str] = set()
    answered: dict[str, Decimal | None] = {}
    lock = threading.Lock()
    stop_at = 150

    def one(i: int) -> None:
        request_id = f"e2e-{uuid.uuid4().hex}"
        with lock:
            sent.add(request_id)
        model = MODELS[i % len(MODELS)]
        stream = i % 3 == 0
        failure = {"fail": "content_filter"} if i % 7 == 0 else {}
        body = {"model": model, "stream": stream,
                "messages": [{"role": "user", "content": sim_prompt(tokens=5 + i % 20, ttft_ms=5, tps=2000, **failure)}]}
        if stream:
            body["stream_options"] = {"include_usage": True}
        try:
            r = httpx.post(f"{gateway.url}/v1/chat/completions", json=body, timeout=30,
                           headers={"Authorization": f"Bearer {secret}", "x-request-id": request_id})
        except httpx.TransportError:
            return  # never answered: the gateway was already shutting down
        cost = r.headers.get("x-switchyard-cost-usd")
        value = None
        if cost is not None and cost != "unknown":
            value = Decimal(cost)
        elif stream and r.status_code == 200:
            value = streamed_cost(r.text)
        with lock:
            answered[request_id] = value

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(one, i) for i in range(400)]
        while True:
            with lock:
                if len(answered) >= stop_at:
                    break
            time.sleep(0.01)
        gateway.popen.send_signal(signal.SIGTERM)
        for future in futures:
            future.result()
    assert gateway.popen.wait(timeout=60) == 0, gateway.output()

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT request_id, cost_pusd, key_id, team, status FROM usage_records").fetchall()
        key_id = conn.execute("SELECT id FROM api_keys").fetchone()[0]
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "a request was recorded twice"
    assert set(ids) <= sent
    assert set(answered) <= set(ids), f"{len(set(answered) - set(ids))} answered requests are missing from the ledger"
    # Requests the server finished but whose answer was lost in the shutdown are recorded too;
    # everything answered is there with exactly the cost the client saw.
    by_id = {row[0]: row for row in rows}
    shown = sum((cost for cost in answered.values() if cost is not None), Decimal(0))
    recorded = sum((Decimal(by_id[rid][1]) / Decimal(10**12) for rid in answered if by_id[rid][1] is not None), Decimal(0))
    assert recorded == shown
    assert shown > 0
    assert all(row[2] == key_id and row[3] == "qa" for row in rows)
    print(f"LEDGER sent={len(sent)} answered={len(answered)} recorded={len(rows)} cost={shown}")


def test_usage_cli_reads_the_ledger(launcher, tmp_path):
    gateway = launcher.start("gateway", ["serve", "--host", "127.0.0.1", "--store", f"sqlite:{tmp_path / 'u.db'}"],
                             clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    created = cli("keys", "create", "--name", "reporting", "--team", "analytics", "--rpm", "1000", gateway_url=gateway.url)
    secret = next(line.split()[1] for line in created.stdout.splitlines() if line.startswith("key:"))
    for model in ["deepseek-v4-flash", "glm-5", "glm-5"]:
        r = httpx.post(f"{gateway.url}/v1/chat/completions", timeout=30, headers={"Authorization": f"Bearer {secret}"},
                       json={"model": model, "messages": [{"role": "user", "content": sim_prompt(tokens=5, ttft_ms=1, tps=5000)}]})
        assert r.status_code == 200
        assert r.headers["x-ratelimit-limit-requests"] == "1000"
    deadline = time.monotonic() + 10
    while True:
        usage = cli("usage", "--group-by", "team", gateway_url=gateway.url)
        assert usage.returncode == 0, usage.stderr
        if "analytics" in usage.stdout and " 3 " in usage.stdout:
            break
        assert time.monotonic() < deadline, usage.stdout
        time.sleep(0.2)
    assert "at this rate the month ends at $" in usage.stdout
    projected = cli("cost", "--from-ledger", "--days", "1", "--model", "deepseek-v4-flash", "--model", "glm-5", gateway_url=gateway.url)
    assert projected.returncode == 0, projected.stderr
    assert "Recorded in the last 1 days:" in projected.stdout
    assert "tokens per month" in projected.stdout and "deepseek-v4-flash" in projected.stdout and "glm-5" in projected.stdout
    listed = cli("keys", "list", gateway_url=gateway.url)
    assert "reporting" in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout
    key_id = next(line.split()[0] for line in listed.stdout.splitlines() if "reporting" in line)
    revoked = cli("keys", "revoke", key_id, gateway_url=gateway.url)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    wrong = cli("keys", "list", gateway_url=gateway.url)
    assert wrong.returncode == 0
    bad = subprocess.run([str(binary_path()), "keys", "list", "--gateway", gateway.url], capture_output=True, text=True,
                         env=clean_env(SWITCHYARD_ADMIN_KEY="not-the-right-admin-key"))
    assert bad.returncode == 1 and "401" in bad.stderr


def test_a_bad_store_flag_is_refused_without_echoing_the_password():
    result = subprocess.run([str(binary_path()), "serve", "--port", "0", "--store", "postgres://sy:hunter2@db.internal/usage?sslmode=prefer"],
                            capture_output=True, text=True, timeout=60, env=clean_env())
    assert result.returncode == 2
    assert "sslmode must be" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    unknown = subprocess.run([str(binary_path()), "serve", "--port", "0", "--store", "redis://cache:6379"],
                             capture_output=True, text=True, timeout=60, env=clean_env())
    assert unknown.returncode == 2 and "expected sqlite:PATH" in unknown.stderr
