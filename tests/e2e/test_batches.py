"""The Batches API end to end with the OpenAI SDK: files.create → batches.create → polling
batches.retrieve → files.content of the output and error files; batches.list and
batches.cancel; an embeddings batch. A large batch with injected faults ends every line in the
output or the error file exactly once, with exactly one successful ledger row per successful
line and the batch's cost equal to the ledger's; SIGTERM and kill -9 mid-batch, then a restart
on the same SQLite store, still give 0 duplicated and 0 lost lines. A budget that runs out
pauses a batch and says why; `batch.max_share` leaves the rest of a key's RPM to its live calls;
`switchyard_max_cost_usd` cancels a batch before it could pass it; `switchyard_window` makes it
wait. Bad input is a 400 or 404 naming the problem. `switchyard batches` lists, shows, watches
and cancels.

SWITCHYARD_BATCH_LINES sets the size of the large batch (default 2,000; 10,000 works)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import openai
import pytest

from hostile import ADMIN_KEY, PUSD, Raw, admin_headers, avoid_minute_boundary, create_key, env, ledger_rows, to_yaml, wait_until
from support import binary_path, check_error_shape, sim_prompt

LARGE = int(os.environ.get("SWITCHYARD_BATCH_LINES", "2000"))
CHAT = "deepseek-v4-flash"
EMBED = "text-embedding-v4"
TERMINAL = {"completed", "failed", "expired", "cancelled"}


def config(directory: Path, *, db: Path, batch: dict | None = None, server: dict | None = None) -> Path:
    settings = {
        "providers": [
            {"name": "deepseek", "family": "deepseek", "deployments": [
                {"name": "sim-deepseek", "simulated": True, "models": {CHAT: CHAT}}]},
            {"name": "qwen", "family": "qwen", "deployments": [
                {"name": "sim-qwen", "simulated": True, "models": {EMBED: EMBED}}]},
        ],
        "routing": {"retry": {"max_attempts": 1}},
        "auth": {"required": True, "admin_key_env": "SWITCHYARD_ADMIN_KEY"},
        "store": {"url": f"sqlite:{db}", "sync_ms": 100},
        "ledger": {"flush_ms": 20},
        "batch": {"poll_ms": 100, "pause_check_s": 1, **(batch or {})},
    }
    if server:
        settings["server"] = {"host": "127.0.0.1", **server}
    path = directory / "batches.yaml"
    path.write_text(to_yaml(settings) + "\n")
    return path


def chat_line(custom_id: str, content: str | None = None, model: str = CHAT, **extra) -> str:
    body = {"model": model, "messages": [{"role": "user", "content": content or sim_prompt(tokens=5)}], "max_tokens": 20, **extra}
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body})


def embed_line(custom_id: str, text: str) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/embeddings", "body": {"model": EMBED, "input": text}})


def client(gateway, secret: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=secret, max_retries=0, timeout=60)


def upload(api: openai.OpenAI, lines: list[str]) -> str:
    return api.files.create(file=("input.jsonl", ("\n".join(lines) + "\n").encode()), purpose="batch").id


def wait_for(api: openai.OpenAI, batch_id: str, until=lambda b: b.status in TERMINAL, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while True:
        batch = api.batches.retrieve(batch_id)
        if until(batch):
            return batch
        assert time.monotonic() < deadline, f"batch {batch_id} still {batch.status} {batch.request_counts} after {timeout} s: {batch}"
        time.sleep(0.1)


def jsonl(api: openai.OpenAI, file_id: str | None) -> list[dict]:
    if file_id is None:
        return []
    return [json.loads(line) for line in api.files.content(file_id).text.splitlines() if line]


def batch_rows(db: Path, batch_id: str) -> list[dict]:
    return ledger_rows(db, "batch_id = ?", (batch_id,))


def ledger_cost(rows: list[dict]) -> Decimal:
    return sum((Decimal(r["cost_pusd"] or 0) for r in rows), Decimal(0)) / PUSD


def check_exactly_once(api, db: Path, batch, custom_ids: list[str]) -> tuple[list[dict], list[dict]]:
    """Every line is in the output or the error file exactly once; the ledger has exactly one
    successful row per successful line (none for the others) and the batch's cost is the ledger's."""
    output, errors = jsonl(api, batch.output_file_id), jsonl(api, batch.error_file_id)
    seen = [line["custom_id"] for line in output + errors]
    assert sorted(seen) == sorted(custom_ids), (len(seen), len(custom_ids), len(set(seen)))
    assert batch.request_counts.total == len(custom_ids)
    assert batch.request_counts.completed == len(output) and batch.request_counts.failed == len(errors)
    for line in output:
        assert line["id"].startswith("batch_req_") and line["error"] is None
        assert line["response"]["status_code"] == 200 and line["response"]["request_id"]
    rows = wait_until(lambda: (r := batch_rows(db, batch.id)) and len({x["custom_id"] for x in r}) >= len(custom_ids) and r, 10,
                      message="ledger rows of the batch")
    successful = [r["custom_id"] for r in rows if r["status"] == 200]
    assert sorted(successful) == sorted(line["custom_id"] for line in output), "one successful ledger row per successful line"
    assert Decimal(batch.usage.model_extra["cost_usd"]) == ledger_cost(rows)
    assert batch.usage.input_tokens == sum(r["prompt_tokens"] for r in rows)
    assert batch.usage.output_tokens == sum(r["completion_tokens"] for r in rows)
    return output, errors


# MARK: One gateway for most tests


@pytest.fixture(scope="module")
def setup(tmp_path_factory, session_launcher):
    directory = tmp_path_factory.mktemp("batches")
    db = directory / "batches.db"
    gateway = session_launcher.gateway(config(directory, db=db), env())
    alice, alice_id = create_key(gateway.url)
    bob, _ = create_key(gateway.url)
    return gateway, db, alice, bob


def test_chat_batch_end_to_end_with_the_openai_sdk(setup):
    gateway, db, alice, _ = setup
    api = client(gateway, alice)
    lines = [chat_line(f"ok-{i}", sim_prompt(tokens=3 + i % 4)) for i in range(40)]
    lines += [chat_line("filtered", sim_prompt(fail="content_filter")), chat_line("unknown-model", model="no-such-model")]
    file_id = upload(api, lines)
    created = api.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h",
                                 metadata={"project": "e2e"})
    assert created.id.startswith("batch_") and created.object == "batch" and created.status == "validating"
    assert created.input_file_id == file_id and created.endpoint == "/v1/chat/completions" and created.completion_window == "24h"
    assert created.metadata == {"project": "e2e"} and created.request_counts.total == 42
    assert created.expires_at - created.created_at == 24 * 3600
    batch = wait_for(api, created.id)
    assert batch.status == "completed", batch
    assert batch.in_progress_at and batch.finalizing_at and batch.completed_at and batch.errors is None
    assert batch.request_counts.completed == 40 and batch.request_counts.failed == 2
    output, errors = check_exactly_once(api, db, batch, [json.loads(l)["custom_id"] for l in lines])
    # The output is what a live call would have answered.
    first = next(line for line in output if line["custom_id"] == "ok-0")
    body = first["response"]["body"]
    assert body["object"] == "chat.completion" and body["model"] == CHAT and body["choices"][0]["message"]["content"]
    by_id = {line["custom_id"]: line for line in errors}
    assert by_id["filtered"]["response"]["status_code"] == 400
    assert by_id["filtered"]["response"]["body"]["error"]["code"] == "content_filter"
    assert by_id["unknown-model"]["response"]["status_code"] == 404
    assert by_id["unknown-model"]["response"]["body"]["error"]["code"] == "model_not_found"
    # The output and error files are files of the key, purpose batch_output.
    out_file = api.files.retrieve(batch.output_file_id)
    assert out_file.purpose == "batch_output" and out_file.filename == f"batch_{batch.id}_output.jsonl"
    assert batch.output_file_id in [f.id for f in api.files.list().data]
    # The ledger rows carry the batch and the custom_id, and the key.
    rows = batch_rows(db, batch.id)
    assert {r["custom_id"] for r in rows} == {json.loads(l)["custom_id"] for l in lines}
    assert {r["request_id"] for r in rows if r["custom_id"] == "ok-0"} == {first["response"]["request_id"]}


def test_embeddings_batch(setup):
    gateway, db, alice, _ = setup
    api = client(gateway, alice)
    lines = [embed_line(f"e{i}", f"text number {i}") for i in range(20)]
    batch = api.batches.create(input_file_id=upload(api, lines), endpoint="/v1/embeddings", completion_window="24h")
    batch = wait_for(api, batch.id)
    assert batch.status == "completed" and batch.request_counts.completed == 20
    output, errors = check_exactly_once(api, db, batch, [f"e{i}" for i in range(20)])
    assert not errors
    body = next(line for line in output if line["custom_id"] == "e3")["response"]["body"]
    assert body["object"] == "list" and len(body["data"][0]["embedding"]) == 1024
    live = client(gateway, alice).embeddings.create(model=EMBED, input="text number 3", encoding_format="float")
    assert max(abs(a - b) for a, b in zip(body["data"][0]["embedding"], live.data[0].embedding)) < 1e-6


def test_list_pages_and_cancel(setup):
    gateway, db, alice, bob = setup
    secret, _ = create_key(gateway.url)
    api = client(gateway, secret)
    # Slow lines: the batch is still running when it is cancelled.
    lines = [chat_line(f"slow-{i}", sim_prompt(tokens=2, ttft_ms=300)) for i in range(200)]
    file_id = upload(api, lines)
    ids = [api.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h").id for _ in range(3)]
    listed = api.batches.list()
    assert [b.id for b in listed.data] == ids[::-1] and listed.has_more is False
    page = httpx.get(f"{gateway.url}/v1/batches", params={"limit": 2}, headers={"Authorization": f"Bearer {secret}"}).json()
    assert [b["id"] for b in page["data"]] == ids[:0:-1] and page["has_more"] is True
    assert page["first_id"] == ids[2] and page["last_id"] == ids[1]
    rest = api.batches.list(limit=2, after=page["last_id"])
    assert [b.id for b in rest.data] == [ids[0]] and rest.has_more is False
    assert [b.id for b in api.batches.list(limit=2)] == ids[::-1]  # the SDK's auto-paging follows after=
    # Cancel each once some lines are done.
    wait_for(api, ids[0], until=lambda b: b.request_counts.completed >= 8)
    cancelled = [api.batches.cancel(i) for i in ids]
    assert all(b.status in ("cancelling", "cancelled") for b in cancelled)
    for batch_id in ids:
        batch = wait_for(api, batch_id)
        assert batch.status == "cancelled" and batch.cancelling_at and batch.cancelled_at
        assert batch.request_counts.completed < 200
        output, errors = jsonl(api, batch.output_file_id), jsonl(api, batch.error_file_id)
        assert sorted(line["custom_id"] for line in output + errors) == sorted(f"slow-{i}" for i in range(200))
        not_run = [line for line in errors if line["response"] is None]
        assert len(not_run) == 200 - batch.request_counts.completed - batch.request_counts.failed
        assert all(line["error"]["code"] == "batch_cancelled" for line in not_run)
    # Cancelling again is a no-op; bob sees none of it.
    assert api.batches.cancel(ids[0]).status == "cancelled"
    with pytest.raises(openai.NotFoundError) as caught:
        client(gateway, bob).batches.retrieve(ids[0])
    assert caught.value.body["code"] == "batch_not_found"
    with pytest.raises(openai.NotFoundError):
        client(gateway, bob).batches.cancel(ids[0])
    assert ids[0] not in [b.id for b in client(gateway, bob).batches.list()]


def test_bad_inputs_are_refused_naming_the_problem(setup):
    gateway, db, alice, bob = setup
    api = client(gateway, alice)
    chat_file = upload(api, [chat_line("a"), chat_line("b")])
    embed_file = upload(api, [embed_line("a", "x")])

    def refused(status: int, param: str, words: str, **fields):
        body = {"input_file_id": chat_file, "endpoint": "/v1/chat/completions", "completion_window": "24h", **fields}
        r = httpx.post(f"{gateway.url}/v1/batches", json=body, headers={"Authorization": f"Bearer {alice}"})
        error = check_error_shape(r)
        assert r.status_code == status and error["param"] == param and words in error["message"], error

    refused(400, "endpoint", "must be /v1/chat/completions or /v1/embeddings", endpoint="/v1/responses")
    refused(400, "completion_window", "must be \"24h\"", completion_window="1h")
    refused(404, "input_file_id", "No such file", input_file_id="file-" + "x" * 24)
    refused(400, "input_file_id", "Line 1 of the input file: its url is '/v1/embeddings' but the batch's endpoint is /v1/chat/completions",
            input_file_id=embed_file)
    refused(400, "input_file_id", "Line 1 of the input file: its url is '/v1/chat/completions'", input_file_id=chat_file, endpoint="/v1/embeddings")
    refused(400, "metadata.switchyard_max_cost_usd", "positive amount", metadata={"switchyard_max_cost_usd": "-1"})
    refused(400, "metadata.switchyard_window", "off_peak", metadata={"switchyard_window": "sometimes"})
    refused(400, "metadata.switchyard_window", "batch.off_peak has no window", metadata={"switchyard_window": "off_peak"})
    refused(400, "metadata", "at most 16 pairs", metadata={f"k{i}": "v" for i in range(17)})
    refused(400, "input_file_id", "'body.stream' is true", input_file_id=upload(api, [chat_line("s", stream=True)]))
    refused(400, "nonsense", "Unknown parameter", nonsense=1)
    missing = httpx.post(f"{gateway.url}/v1/batches", json={"endpoint": "/v1/embeddings", "completion_window": "24h"},
                         headers={"Authorization": f"Bearer {alice}"})
    assert missing.status_code == 400 and check_error_shape(missing)["param"] == "input_file_id"
    # Another key's file is not found; so is an unknown batch.
    with pytest.raises(openai.NotFoundError) as caught:
        client(gateway, bob).batches.create(input_file_id=chat_file, endpoint="/v1/chat/completions", completion_window="24h")
    assert caught.value.body["code"] == "file_not_found" and caught.value.body["param"] == "input_file_id"
    with pytest.raises(openai.NotFoundError) as caught:
        api.batches.retrieve("batch_" + "x" * 24)
    assert caught.value.body["code"] == "batch_not_found"
    # An output file is not an input file.
    done = wait_for(api, api.batches.create(input_file_id=chat_file, endpoint="/v1/chat/completions", completion_window="24h").id)
    refused(400, "input_file_id", "purpose 'batch_output'", input_file_id=done.output_file_id)
    with pytest.raises(openai.ConflictError) as conflict:
        api.batches.cancel(done.id)
    assert conflict.value.body["code"] == "batch_not_cancellable"
    assert httpx.get(f"{gateway.url}/v1/batches").status_code == 401


# MARK: A large batch with faults


def test_large_batch_every_line_exactly_once(setup):
    gateway, db, _, _ = setup
    secret, _ = create_key(gateway.url)
    api = client(gateway, secret)
    lines, ids = [], []
    for i in range(LARGE):
        custom_id = f"line-{i:05d}"
        ids.append(custom_id)
        if i % 50 == 7:
            lines.append(chat_line(custom_id, sim_prompt(fail="content_filter")))
        elif i % 50 == 19:
            lines.append(chat_line(custom_id, sim_prompt(fail="context_length")))
        elif i % 50 == 31:
            lines.append(chat_line(custom_id, model="no-such-model"))
        else:
            lines.append(chat_line(custom_id, sim_prompt(tokens=1 + i % 7, tps=100000)))
    started = time.monotonic()
    batch = api.batches.create(input_file_id=upload(api, lines), endpoint="/v1/chat/completions", completion_window="24h")
    batch = wait_for(api, batch.id, timeout=max(120, LARGE / 20))
    took = time.monotonic() - started
    assert batch.status == "completed"
    output, errors = check_exactly_once(api, db, batch, ids)
    assert len(errors) == 3 * sum(1 for i in range(LARGE) if i % 50 == 7)
    print(f"\n{LARGE} lines in {took:.1f} s")


# MARK: Restarts


def start(launcher, directory: Path, db: Path, grace: int = 5):
    path = config(directory, db=db, batch={"concurrency": 8}, server={"shutdown_grace_s": grace})
    return launcher.gateway(path, env())


@pytest.mark.parametrize("how", ["sigterm", "sigterm-grace-over", "kill"])
def test_restart_mid_batch_loses_and_repeats_no_line(tmp_path, launcher, how):
    """SIGTERM: the lines in flight finish (or, when they outlast the grace, are cut and run
    again after the restart); kill -9: the lines in flight run again. Either way every line ends
    in the output exactly once, with one successful ledger row."""
    db = tmp_path / "restart.db"
    grace = 1 if how == "sigterm-grace-over" else 5
    gateway = start(launcher, tmp_path, db, grace)
    secret, _ = create_key(gateway.url)
    api = client(gateway, secret)
    # Lines that outlast a 1 s grace in the grace-over case (fewer: they are slow).
    ttft = 1500 if how == "sigterm-grace-over" else 40
    total = 48 if ttft > 1000 else 400
    ids = [f"r{i:04d}" for i in range(total)]
    lines = [chat_line(custom_id, sim_prompt(tokens=2, ttft_ms=ttft)) for custom_id in ids]
    batch = api.batches.create(input_file_id=upload(api, lines), endpoint="/v1/chat/completions", completion_window="24h")
    wait_for(api, batch.id, until=lambda b: b.request_counts.completed >= (16 if ttft > 1000 else 60))
    if how.startswith("sigterm"):
        stopped = time.monotonic()
        gateway.popen.send_signal(signal.SIGTERM)
        gateway.popen.wait(timeout=15)
        assert time.monotonic() - stopped < grace + 2, "SIGTERM must not delay exit beyond the shutdown grace"
        assert gateway.popen.returncode == 0, gateway.output()[-3000:]
        assert "batches paused for shutdown" in gateway.output()
    else:
        gateway.popen.kill()
        gateway.popen.wait(timeout=10)
    with sqlite3.connect(db) as conn:
        done_before = conn.execute("SELECT COUNT(*) FROM batch_lines WHERE batch_id = ?", (batch.id,)).fetchone()[0]
    assert 16 <= done_before < total
    if how == "sigterm-grace-over":
        # The lines cut by the end of the grace kept their ledger rows, without a result.
        cut = [r for r in batch_rows(db, batch.id) if r["error_class"] == "gateway_shutting_down"]
        assert cut and all(r["status"] == 503 for r in cut)
    second = start(launcher, tmp_path, db, grace)
    api = client(second, secret)
    finished = wait_for(api, batch.id)
    assert finished.status == "completed"
    check_exactly_once(api, db, finished, ids)


# MARK: Limits


def test_budget_exhausted_mid_batch_pauses_it_and_says_why(setup):
    gateway, db, _, _ = setup
    secret, key_id = create_key(gateway.url, budget_usd="0.0001", budget_period="day")
    api = client(gateway, secret)
    # A line whose worst case (2,000 output tokens at $0.25 per 1M) is more than the whole budget
    # could never run: it fails at once instead of holding the batch.
    lines = [chat_line("too-big", sim_prompt(tokens=10), max_tokens=2000)] + [chat_line(f"b{i}", sim_prompt(tokens=10)) for i in range(100)]
    batch = api.batches.create(input_file_id=upload(api, lines), endpoint="/v1/chat/completions", completion_window="24h")
    paused = wait_for(api, batch.id, until=lambda b: b.errors is not None)
    assert paused.status == "in_progress"
    reason = paused.errors.data[0]
    assert reason.code == "budget_exhausted" and "budget" in reason.message, reason
    # The lines in flight when it paused still land, and a retry may fit what their settled cost
    # left over; then nothing more runs, and no line fails for the budget.
    def settled():
        first = api.batches.retrieve(batch.id)
        time.sleep(2.5)  # more than two pause checks (pause_check_s: 1)
        second = api.batches.retrieve(batch.id)
        return second if second.request_counts.completed == first.request_counts.completed else None

    again = wait_until(settled, 30, message="the paused batch settles")
    done = again.request_counts.completed
    assert 0 < done < 100 and again.request_counts.failed == 1 and again.status == "in_progress"
    assert again.errors.data[0].code == "budget_exhausted"
    assert Decimal(again.usage.model_extra["cost_usd"]) <= Decimal("0.0001")
    final = wait_for(api, api.batches.cancel(batch.id).id)
    assert final.status == "cancelled" and final.request_counts.completed == done
    [too_big] = [line for line in jsonl(api, final.error_file_id) if line["custom_id"] == "too-big"]
    assert too_big["response"]["status_code"] == 429 and too_big["response"]["body"]["error"]["code"] == "insufficient_quota"


def test_batches_take_at_most_their_share_of_the_keys_rpm(setup):
    gateway, db, _, _ = setup
    secret, _ = create_key(gateway.url, rpm=10)
    api = client(gateway, secret)
    avoid_minute_boundary(20)
    lines = [chat_line(f"s{i}", sim_prompt(tokens=2)) for i in range(30)]
    batch = api.batches.create(input_file_id=upload(api, lines), endpoint="/v1/chat/completions", completion_window="24h")
    waiting = wait_for(api, batch.id, until=lambda b: b.errors is not None, timeout=30)
    assert waiting.errors.data[0].code == "rate_limited" and "batch.max_share 0.5" in waiting.errors.data[0].message
    assert waiting.request_counts.completed == 5  # half of 10 per minute
    # The live calls of the key keep the other half.
    statuses = []
    for _ in range(6):
        try:
            api.chat.completions.create(model=CHAT, messages=[{"role": "user", "content": sim_prompt(tokens=1)}])
            statuses.append(200)
        except openai.RateLimitError:
            statuses.append(429)
    assert statuses == [200] * 5 + [429]
    wait_for(api, api.batches.cancel(batch.id).id)


def test_max_cost_cancels_the_batch_before_it_is_exceeded(setup):
    gateway, db, alice, _ = setup
    api = client(gateway, alice)
    lines = [chat_line(f"c{i}", sim_prompt(tokens=10)) for i in range(200)]
    batch = api.batches.create(input_file_id=upload(api, lines), endpoint="/v1/chat/completions", completion_window="24h",
                               metadata={"switchyard_max_cost_usd": "0.0001"})
    final = wait_for(api, batch.id)
    assert final.status == "cancelled"
    assert final.errors.data[-1].code == "max_cost_reached" and "switchyard_max_cost_usd" in final.errors.data[-1].message
    assert 0 < final.request_counts.completed < 200
    cost = Decimal(final.usage.model_extra["cost_usd"])
    assert 0 < cost <= Decimal("0.0001")
    assert cost == ledger_cost(batch_rows(db, batch.id))


def test_window_makes_a_batch_wait(setup):
    gateway, db, alice, _ = setup
    api = client(gateway, alice)
    start_at = datetime.now(timezone.utc) + timedelta(hours=1)
    window = f"{start_at:%Y-%m-%dT%H:%M:%SZ}/{start_at + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}"
    batch = api.batches.create(input_file_id=upload(api, [chat_line("w")]), endpoint="/v1/chat/completions", completion_window="24h",
                               metadata={"switchyard_window": window})
    waiting = wait_for(api, batch.id, until=lambda b: b.errors is not None, timeout=30)
    assert waiting.status == "in_progress" and waiting.request_counts.completed == 0
    assert waiting.errors.data[0].code == "waiting_for_window" and window[:16] in waiting.errors.data[0].message.replace(" ", "T")
    # A daily window that is open now runs at once.
    now = datetime.now(timezone.utc)
    daily = f"{(now - timedelta(minutes=5)):%H:%M}-{(now + timedelta(minutes=30)):%H:%M}"
    open_now = api.batches.create(input_file_id=upload(api, [chat_line("x")]), endpoint="/v1/chat/completions", completion_window="24h",
                                  metadata={"switchyard_window": daily})
    assert wait_for(api, open_now.id).status == "completed"
    wait_for(api, api.batches.cancel(batch.id).id)


# MARK: The CLI


def test_cli_lists_shows_watches_and_cancels(setup):
    gateway, db, alice, _ = setup
    api = client(gateway, alice)
    done = wait_for(api, api.batches.create(input_file_id=upload(api, [chat_line(f"q{i}") for i in range(10)]),
                                            endpoint="/v1/chat/completions", completion_window="24h").id)
    slow = api.batches.create(input_file_id=upload(api, [chat_line(f"z{i}", sim_prompt(tokens=2, ttft_ms=500)) for i in range(100)]),
                              endpoint="/v1/chat/completions", completion_window="24h")

    def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([str(binary_path()), "batches", *args, "--gateway", gateway.url], env=env(), capture_output=True,
                              text=True, timeout=timeout)

    listed = run("list")
    assert listed.returncode == 0, listed.stderr
    assert done.id in listed.stdout and slow.id in listed.stdout and "completed" in listed.stdout
    shown = run("show", done.id)
    assert shown.returncode == 0 and "completed" in shown.stdout and "10/10" in shown.stdout and done.output_file_id in shown.stdout
    watched = run("watch", done.id)
    assert watched.returncode == 0 and "completed" in watched.stdout and "$" in watched.stdout
    as_json = json.loads(run("show", done.id, "--json").stdout)
    assert as_json["id"] == done.id and as_json["request_counts"]["completed"] == 10
    cancelled = run("cancel", slow.id)
    assert cancelled.returncode == 0 and ("cancelling" in cancelled.stdout or "cancelled" in cancelled.stdout)
    watched = run("watch", slow.id, timeout=60)
    assert watched.returncode == 0 and "cancelled" in watched.stdout
    missing = run("show", "batch_" + "x" * 24)
    assert missing.returncode == 1 and "No such batch" in missing.stderr


# MARK: Cluster: leases


POSTGRES_URL = os.environ.get("SWITCHYARD_TEST_POSTGRES_URL")


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs SWITCHYARD_TEST_POSTGRES_URL (scripts/test starts a server)")
def test_a_replica_that_dies_loses_its_batches_to_another(tmp_path, launcher):
    database = f"batches_{int(time.time() * 1000) % 10**9}_{os.getpid()}"
    subprocess.run(["psql", POSTGRES_URL, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True)
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + database
    settings = {
        "providers": [{"name": "deepseek", "family": "deepseek", "deployments": [
            {"name": "sim-deepseek", "simulated": True, "models": {CHAT: CHAT}}]}],
        "auth": {"required": True, "admin_key_env": "SWITCHYARD_ADMIN_KEY"},
        # The replicas share the files directory (a network volume in production).
        "store": {"url": url, "sync_ms": 200, "files_dir": str(tmp_path / "files")},
        "ledger": {"flush_ms": 20},
        "batch": {"poll_ms": 100, "lease_s": 2, "concurrency": 4},
    }
    path = tmp_path / "cluster.yaml"
    path.write_text(to_yaml(settings) + "\n")
    a = launcher.gateway(path, env())
    b = launcher.gateway(path, env())
    secret, _ = create_key(a.url)
    time.sleep(0.6)  # B loads the key at its next sync
    api = client(a, secret)
    ids = [f"c{i:04d}" for i in range(300)]
    batch = api.batches.create(input_file_id=upload(api, [chat_line(i, sim_prompt(tokens=2, ttft_ms=30)) for i in ids]),
                               endpoint="/v1/chat/completions", completion_window="24h")
    wait_for(api, batch.id, until=lambda x: x.request_counts.completed >= 40)
    # One replica holds the batch's lease and runs it; kill -9 it.
    holder, other = (a, b) if batch.id in a.output() else (b, a)
    assert batch.id not in other.output()
    holder.popen.kill()
    holder.popen.wait(timeout=10)
    # The other replica takes it over once the lease lapses, and finishes it.
    api = client(other, secret)
    finished = wait_for(api, batch.id, timeout=120)
    assert finished.status == "completed"
    assert batch.id in other.output()
    output, errors = jsonl(api, finished.output_file_id), jsonl(api, finished.error_file_id)
    assert sorted(line["custom_id"] for line in output + errors) == ids and not errors
    rows = subprocess.run(["psql", url, "-tAc", f"SELECT custom_id, status, cost_pusd FROM usage_records WHERE batch_id = '{finished.id}'"],
                          check=True, capture_output=True, text=True).stdout.split()
    successful = sorted(r.split("|")[0] for r in rows if r.split("|")[1] == "200")
    assert successful == ids, "exactly one successful ledger row per line"
    assert Decimal(finished.usage.model_extra["cost_usd"]) == sum(Decimal(r.split("|")[2] or 0) for r in rows) / PUSD
