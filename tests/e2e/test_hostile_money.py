"""Money under pressure: a client that cuts a stream is still billed for what it received, a
budget holds when 20 calls arrive at once, and a TPM limit holds for calls without max_tokens."""

from __future__ import annotations

import math
import threading
import time
import uuid
from decimal import Decimal

import httpx

from hostile import (
    MODEL, PUSD, Raw, avoid_minute_boundary, chat_json, chat_request_bytes, connect, content_chunks, create_key, generated_chunks,
    gateway_config, key_info, ledger_rows, post_chat, reset, sse_events, start_gateway, wait_for_rows, wait_until,
)
from support import Launcher, sim_prompt


def burst(url: str, secret: str, bodies: list[dict]) -> list[tuple[str, httpx.Response]]:
    """Sends the bodies at once (one thread each, released together)."""
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[str, httpx.Response] | None] = [None] * len(bodies)

    def one(index: int) -> None:
        request_id = f"burst-{index}-{uuid.uuid4().hex[:8]}"
        barrier.wait()
        results[index] = (request_id, post_chat(url, bodies[index], key=secret, request_id=request_id, timeout=60))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(results), "a call never came back"
    return results  # type: ignore[return-value]


# MARK: 9. Billing when the client leaves


def test_a_stream_cut_by_its_client_is_billed_for_what_it_received(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "cut.db"
        gateway = start_gateway(launcher, gateway_config(tmp_path, db=db))
        secret, key_id = create_key(gateway.url, name="cut-streams")
        wanted = [25, 30, 35]
        received: dict[str, int] = {}
        lock = threading.Lock()

        def cut(after: int) -> None:
            request_id = f"cut-{after}-{uuid.uuid4().hex[:8]}"
            # 400 tokens at 20 tokens/s: 20 s of stream, so the upstream's usage cannot arrive
            # within the 2 s drain after the client leaves: the bill is an estimate.
            body = chat_json(sim_prompt(text="A long story, please.", tokens=400, tps=20, ttft_ms=0), stream=True)
            sock = connect(gateway.url)
            sock.sendall(chat_request_bytes(body, key=secret, request_id=request_id))
            data = b""
            deadline = time.monotonic() + 30
            while content_chunks(sse_events(data)) < after and time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            count = generated_chunks(sse_events(data))  # reasoning included: billed too
            reset(sock)
            with lock:
                received[request_id] = count

        threads = [threading.Thread(target=cut, args=(n,)) for n in wanted]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(received) == 3 and all(count >= min(wanted) for count in received.values()), received

        # A stream that ends normally, for comparison.
        complete_id = f"complete-{uuid.uuid4().hex[:8]}"
        r = post_chat(gateway.url, chat_json(sim_prompt(tokens=20), stream=True), key=secret, request_id=complete_id)
        assert r.status_code == 200 and content_chunks(sse_events(r.content)) == 20
        complete_generated = generated_chunks(sse_events(r.content))  # with the model's reasoning

        rows = wait_for_rows(db, [*received, complete_id], timeout=20)
        billed_total = 0
        for request_id, count in received.items():
            row = rows[request_id]
            assert row["usage_source"] == "estimated", row
            assert row["cost_pusd"] is not None and row["cost_pusd"] > 0, row
            assert row["prompt_tokens"] > 0, row
            assert abs(row["completion_tokens"] - count) <= 3, f"billed {row['completion_tokens']} tokens, relayed {count}"
            billed_total += row["completion_tokens"]
        relayed_total = sum(received.values())
        accuracy = (billed_total - relayed_total) / relayed_total * 100
        print(f"DISCONNECT billed={billed_total} relayed={relayed_total} ({accuracy:+.1f} %)")
        assert abs(accuracy) <= 5, f"billed {billed_total} completion tokens for {relayed_total} relayed"
        complete = rows[complete_id]
        assert complete["usage_source"] == "upstream", complete
        assert complete["completion_tokens"] == complete_generated

        # The key's spend includes the cut streams.
        all_rows = ledger_rows(db, "key_id = ?", (key_id,))
        expected = sum((Decimal(row["cost_pusd"] or 0) for row in all_rows), Decimal(0)) / PUSD
        wait_until(lambda: Decimal(key_info(gateway.url, key_id)["spent_usd"]) == expected, 15,
                   message=f"the key's spend never reached the ledger's {expected}")
    finally:
        launcher.stop_all()


# MARK: 15. A budget under 20 concurrent calls


def test_a_budget_holds_under_20_concurrent_calls(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "budget.db"
        # $0.002 per 1M tokens: 2,000 pUSD a token, so a $0.000001 budget covers ~500 tokens.
        price = 2000
        config = gateway_config(tmp_path, db=db, model_overrides=[{"id": MODEL, "pricing": {"input": Raw("0.002"), "output": Raw("0.002")}}])
        gateway = start_gateway(launcher, config)
        budget = Decimal("0.000001")
        secret, key_id = create_key(gateway.url, name="tiny-budget", budget_usd=str(budget), budget_period="total")
        max_tokens = 10
        text = "word " * 80  # 400 bytes: about 100 prompt tokens at ~4 bytes a token
        content = sim_prompt(text=text, tokens=50, ttft_ms=500)  # all 20 are in flight together
        bodies = [chat_json(content, max_tokens=max_tokens) for _ in range(20)]
        results = burst(gateway.url, secret, bodies)
        admitted = [rid for rid, r in results if r.status_code == 200]
        for _, r in results:
            if r.status_code != 200:
                assert r.status_code == 429, r.text
                assert r.json()["error"]["code"] == "insufficient_quota", r.text
        # The bound: the worst case of one call with the smallest plausible prompt estimate
        # (three quarters of bytes/4) — the gateway's own estimate can only be larger.
        prompt_floor = math.floor(len(content.encode()) / 4 * 0.75)
        worst_floor = (prompt_floor + max_tokens) * price
        bound = int(budget * PUSD) // worst_floor
        rows = wait_for_rows(db, [rid for rid, _ in results])
        costs = [rows[rid]["cost_pusd"] for rid in admitted]
        spent = sum(costs)
        per_call = max(costs) if costs else 0
        print(f"BUDGET budget={budget} admitted={len(admitted)} of 20 bound={bound} spent={Decimal(spent) / PUSD}")
        assert 1 <= len(admitted) <= bound, f"{len(admitted)} calls admitted; the budget covers at most {bound} at worst case"
        # Over the budget only by the estimate's error: at most a tenth of a call per admitted call.
        assert spent <= int(budget * PUSD) + len(admitted) * per_call // 10, \
            f"spent {Decimal(spent) / PUSD} on a {budget} budget ({len(admitted)} calls of {Decimal(per_call) / PUSD})"
        wait_until(lambda: Decimal(key_info(gateway.url, key_id)["spent_usd"]) == Decimal(spent) / PUSD, 15,
                   message="the key's spend does not match the ledger")
        # Spent (or reserved) out: the next call is refused.
        r = post_chat(gateway.url, bodies[0], key=secret)
        assert r.status_code == 429 and r.json()["error"]["code"] == "insufficient_quota"
    finally:
        launcher.stop_all()


# MARK: 16. TPM without max_tokens


def test_a_tpm_limit_holds_for_concurrent_calls_without_max_tokens(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "tpm.db"
        gateway = start_gateway(launcher, gateway_config(tmp_path, db=db))
        model = httpx.get(f"{gateway.url}/v1/models/{MODEL}", timeout=10).json()
        cap = model.get("max_output_tokens")
        assert isinstance(cap, int) and cap > 0, f"the catalog has no max_output_tokens for {MODEL}: {model}"
        limit = 300
        uncapped, _ = create_key(gateway.url, name="tpm-uncapped", tpm=limit)
        capped, _ = create_key(gateway.url, name="tpm-capped", tpm=limit)
        avoid_minute_boundary()

        def check(secret: str, bodies: list[dict], label: str) -> int:
            results = burst(gateway.url, secret, bodies)
            admitted = [rid for rid, r in results if r.status_code == 200]
            for _, r in results:
                if r.status_code != 200:
                    assert r.status_code == 429, r.text
                    assert r.json()["error"]["code"] == "rate_limit_exceeded", r.text
            rows = wait_for_rows(db, [rid for rid, _ in results])
            used = [rows[rid]["prompt_tokens"] + rows[rid]["completion_tokens"] for rid in admitted]
            prompts = [rows[rid]["prompt_tokens"] for rid in admitted]
            # Over the limit only by the prompt estimate's error: a quarter of a prompt per call.
            allowance = sum(p // 4 + 1 for p in prompts)
            print(f"TPM {label}: limit={limit} admitted={len(admitted)} of {len(bodies)} tokens={sum(used)} (max_output_tokens={cap})")
            assert sum(used) <= limit + allowance, f"{label}: {len(admitted)} calls used {sum(used)} tokens against a {limit} TPM limit"
            return len(admitted)

        # Without max_tokens: each call's output cap is the model's max_output_tokens.
        content = sim_prompt(text="Tell me everything.", tokens=100, ttft_ms=300)
        check(uncapped, [chat_json(content) for _ in range(8)], "no max_tokens")
        # With max_tokens the same limit admits what fits (and no more).
        content = sim_prompt(text="Tell me a little.", tokens=40, ttft_ms=300)
        admitted = check(capped, [chat_json(content, max_tokens=40) for _ in range(8)], "max_tokens=40")
        assert admitted >= 1, "calls that fit the limit are admitted"
    finally:
        launcher.stop_all()


# MARK: 6. Hedge losers are billed


def test_the_losing_attempt_of_a_hedge_race_is_billed_with_its_own_row(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        db = tmp_path / "hedge.db"
        deployments = [{"name": name, "simulated": True, "models": {MODEL: MODEL}} for name in ("hedge-a", "hedge-b")]
        config = gateway_config(tmp_path, db=db, routing={"hedge": {"enabled": True, "delay_ms": 50, "budget_percent": 100}},
                                extra={"providers": [{"name": "hedged", "family": "deepseek", "deployments": deployments}]})
        gateway = start_gateway(launcher, config)
        secret, key_id = create_key(gateway.url, name="hedged")
        request_ids = []
        for _ in range(3):
            request_id = f"hedge-{uuid.uuid4().hex[:8]}"
            # Both attempts take 400 ms: the hedge is sent at 50 ms and one of the two loses.
            r = post_chat(gateway.url, chat_json(sim_prompt(tokens=5, ttft_ms=400)), key=secret, request_id=request_id, timeout=30)
            assert r.status_code == 200, r.text
            assert r.headers["x-switchyard-attempts"] == "2"
            request_ids.append(request_id)
        for request_id in request_ids:
            rows = wait_until(lambda: (lambda found: found if len(found) == 2 else None)(ledger_rows(db, "request_id = ?", (request_id,))),
                              15, message=f"no hedge-loser row for {request_id}")
            winner = next(row for row in rows if row["status"] == 200)
            loser = next(row for row in rows if row["status"] == 499)
            assert loser["error_class"] == "hedge_cancelled"
            assert loser["deployment"] != winner["deployment"]
            assert loser["cost_pusd"] and loser["cost_pusd"] > 0, loser
            assert loser["usage_source"] in ("upstream", "estimated")
        # The key's spend includes the losers.
        total = sum(Decimal(row["cost_pusd"] or 0) for row in ledger_rows(db, "key_id = ?", (key_id,))) / PUSD
        wait_until(lambda: Decimal(key_info(gateway.url, key_id)["spent_usd"]) == total, 15,
                   message=f"the key's spend never reached the ledger's {total}")
    finally:
        launcher.stop_all()
