"""SIGTERM under load, again and again: every request that got an answer is in the ledger, once,
with the cost its client saw. And shutdown is bounded: calls in flight get `shutdown_grace_s`,
a second signal shortens it, and the calls cut short are recorded."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from hostile import (
    PUSD, chat_json, chat_request_bytes, connect, content_chunks, create_key, env, gateway_config, ledger_rows,
    sse_events, start_gateway,
)
from support import Launcher, sim_prompt
from test_ledger import MODELS, streamed_cost

ROUNDS = 10
MISSING_STATUSES: list[int] = []
# The gateway's shutdown lines of a round with missing rows (its ledger flush counts).
MISSING_LOGS: list[str] = []
CLIENTS = 30
LOAD_SECONDS = 1.5


def one_round(launcher: Launcher, directory: Path, index: int) -> tuple[int, int, int]:
    """Starts a gateway, loads it with CLIENTS clients, sends SIGTERM after LOAD_SECONDS;
    returns (answered, recorded, missing)."""
    db = directory / f"round-{index}.db"
    gateway = launcher.start("gateway", ["serve", "--host", "127.0.0.1", "--store", f"sqlite:{db}"], env())
    secret, key_id = create_key(gateway.url, name=f"round-{index}", team="qa")
    answered: dict[str, Decimal | None] = {}
    statuses: dict[str, int] = {}
    kinds: dict[str, str] = {}  # For a failure message: stream or not, and when it was answered.
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(timeout=30) as http:
            i = 0
            while not stop.is_set():
                i += 1
                request_id = f"r{index}-{n}-{i}-{uuid.uuid4().hex[:6]}"
                stream = (n + i) % 2 == 0
                body = chat_json(sim_prompt(tokens=5 + (n + i) % 30, ttft_ms=5 + i % 20, tps=2000),
                                 stream=stream, model=MODELS[(n + i) % len(MODELS)])
                with lock:
                    sent.add(request_id)
                try:
                    r = http.post(f"{gateway.url}/v1/chat/completions", json=body,
                                  headers={"Authorization": f"Bearer {secret}", "x-request-id": request_id})
                except httpx.TransportError:
                    if gateway.popen.poll() is not None:
                        return
                    time.sleep(0.01)
                    continue
                cost = r.headers.get("x-switchyard-cost-usd")
                value = Decimal(cost) if cost not in (None, "unknown") else (streamed_cost(r.text) if stream and r.status_code == 200 else None)
                with lock:
                    answered[request_id] = value
                    statuses[request_id] = r.status_code
                    kinds[request_id] = f"{'stream' if stream else 'json'}@{time.monotonic():.3f}"

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS)
    signalled = time.monotonic()
    gateway.popen.send_signal(signal.SIGTERM)
    code = gateway.popen.wait(timeout=60)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert code == 0, gateway.output()[-3000:]

    rows = ledger_rows(db)
    ids = [row["request_id"] for row in rows]
    assert len(ids) == len(set(ids)), "a request was recorded twice"
    assert set(ids) <= sent
    by_id = {row["request_id"]: row for row in rows}
    missing = set(answered) - set(ids)
    # For the failure message: what the client got for each request that has no row.
    MISSING_STATUSES.extend(sorted(statuses[m] for m in missing))
    if missing:
        lines = [line for line in gateway.output().splitlines() if "ledger" in line or "shutting down" in line or "critical" in line]
        described = [f"{m} {kinds[m]} (SIGTERM@{signalled:.3f})" for m in sorted(missing)[:12]]
        MISSING_LOGS.append(f"round {index}: missing {described}\n" + "\n".join(lines[-20:]))
    for request_id, shown in answered.items():
        if request_id in by_id and shown is not None:
            recorded = by_id[request_id]["cost_pusd"]
            assert recorded is not None and Decimal(recorded) / PUSD == shown, (request_id, recorded, shown)
    assert len(answered) > 0
    return len(answered), len(rows), len(missing)


def test_sigterm_under_load_ten_times_loses_no_answered_request(tmp_path):
    launcher = Launcher(tmp_path)
    totals = []
    try:
        for index in range(ROUNDS):
            answered, recorded, missing = one_round(launcher, tmp_path, index)
            totals.append((answered, recorded, missing))
            launcher.processes.clear()
    finally:
        launcher.stop_all()
    missing = sum(m for _, _, m in totals)
    print(f"SIGTERM rounds={ROUNDS} answered={sum(a for a, _, _ in totals)} recorded={sum(r for _, r, _ in totals)} missing={missing}")
    assert missing == 0, (f"answered requests missing from the ledger per round: {[m for _, _, m in totals]}; "
                          f"their statuses: {MISSING_STATUSES}\n" + "\n".join(MISSING_LOGS))


def long_stream(gateway_url: str, request_id: str):
    """A raw-socket stream of 1,000 tokens at 20 tokens/s (50 s); returns the socket once the
    first content chunk has arrived."""
    sock = connect(gateway_url)
    sock.sendall(chat_request_bytes(chat_json(sim_prompt(text="Keep going.", tokens=1000, tps=20, ttft_ms=0), stream=True),
                                    request_id=request_id))
    data = b""
    deadline = time.monotonic() + 10
    while content_chunks(sse_events(data)) < 1:
        assert time.monotonic() < deadline, "the stream never started"
        data += sock.recv(65536)
    return sock


def test_shutdown_grace_bounds_a_call_in_flight_and_it_is_recorded(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "grace.db"
        gateway = start_gateway(launcher, gateway_config(tmp_path, db=db, auth_required=False, server={"shutdown_grace_s": 2}))
        request_id = f"grace-{uuid.uuid4().hex[:8]}"
        sock = long_stream(gateway.url, request_id)
        start = time.monotonic()
        gateway.popen.send_signal(signal.SIGTERM)
        try:
            gateway.popen.wait(timeout=2 * 4 + 5)
        except Exception:  # noqa: BLE001
            pytest.fail(f"still running {time.monotonic() - start:.1f} s after SIGTERM with shutdown_grace_s 2")
        elapsed = time.monotonic() - start
        assert elapsed >= 1.0, f"exited after {elapsed:.2f} s: the call in flight did not get its grace"
        sock.close()
        rows = {row["request_id"]: row for row in ledger_rows(db)}
        assert request_id in rows, "the call cut short by the shutdown is in the ledger"
        print(f"GRACE exited {elapsed:.2f} s after SIGTERM (grace 2 s)")
    finally:
        launcher.stop_all()


def test_a_second_sigterm_shortens_the_grace(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "second.db"
        gateway = start_gateway(launcher, gateway_config(tmp_path, db=db, auth_required=False, server={"shutdown_grace_s": 60}))
        request_id = f"second-{uuid.uuid4().hex[:8]}"
        sock = long_stream(gateway.url, request_id)
        gateway.popen.send_signal(signal.SIGTERM)
        # Within the grace the stream goes on.
        data = b""
        deadline = time.monotonic() + 1.0
        sock.settimeout(2)
        while time.monotonic() < deadline:
            data += sock.recv(65536)
        assert content_chunks(sse_events(data)) >= 5, "the call in flight kept streaming during the grace"
        assert gateway.popen.poll() is None, "exited before the grace"
        start = time.monotonic()
        gateway.popen.send_signal(signal.SIGTERM)
        try:
            gateway.popen.wait(timeout=15)
        except Exception:  # noqa: BLE001
            pytest.fail("a second SIGTERM did not shorten a 60 s grace")
        print(f"SECOND-SIGTERM exited {time.monotonic() - start:.2f} s after the second signal")
        sock.close()
        rows = {row["request_id"]: row for row in ledger_rows(db)}
        assert request_id in rows, "the call cut short by the second signal is in the ledger"
    finally:
        launcher.stop_all()
