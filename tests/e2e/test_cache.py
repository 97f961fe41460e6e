"""The exact-match response cache end to end, with the official OpenAI and Anthropic SDKs on the
simulator: a repeated call is a hit (same answer, cost 0, a ledger row with `cache_hit` and the
cost saved), a stream replays with its chunking and streamed and whole answers hit each other,
teams never see each other's entries unless `shared: true`, the byte bound holds under 10,000
distinct requests, `refresh` misses, `no-store` bypasses, `default: use` takes temperature 0,
and a hit still passes the key's allowed models and its RPM limit.

The simulator numbers its answers (`chatcmpl-sim<seed>x<n>`): an answer with the ID of an
earlier one was not made again upstream."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from hostile import MODEL, PUSD, Raw, admin_headers, avoid_minute_boundary, create_key, gateway_config, ledger_rows, start_gateway, wait_for_rows
from support import Launcher, Process, sim_prompt

USE = {"x-switchyard-cache": "use"}


def chat_client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)


def cache_gateway(launcher: Launcher, tmp_path: Path, cache: dict, *, auth: bool = True, name: str = "cache.yaml",
                  models: list[str] | None = None, model_overrides: list[dict] | None = None,
                  extra: dict | None = None) -> tuple[Process, Path]:
    db = tmp_path / f"{name}.db"
    config = gateway_config(tmp_path, db=db, auth_required=auth, name=name, models=models, model_overrides=model_overrides,
                            extra={"cache": cache, **(extra or {})})
    return start_gateway(launcher, config), db


def metrics(url: str) -> dict[str, float]:
    """The switchyard_cache_* series, by name with labels."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("switchyard_cache_") or line.startswith("switchyard_requests_total"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def total(series: dict[str, float], prefix: str) -> float:
    return sum(value for name, value in series.items() if name.startswith(prefix))


def ask(client: openai.OpenAI, prompt: str, request_id: str, headers: dict | None = None, **extra):
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": prompt}],
        extra_headers={**(headers if headers is not None else USE), "x-request-id": request_id}, **extra)
    return raw.headers, raw.parse()


def ask_stream(client: openai.OpenAI, prompt: str, request_id: str, headers: dict | None = None, **extra):
    """(headers, the content of each chunk that had some, the reasoning, the final chunk's usage)."""
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": prompt}], stream=True, stream_options={"include_usage": True},
        extra_headers={**(headers if headers is not None else USE), "x-request-id": request_id}, **extra)
    pieces, reasoning, usage, ids = [], "", None, set()
    for chunk in raw.parse():
        ids.add(chunk.id)
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            reasoning += getattr(choice.delta, "reasoning_content", None) or ""
    return raw.headers, pieces, reasoning, usage, ids


@pytest.fixture
def keyed(launcher, tmp_path):
    return cache_gateway(launcher, tmp_path, {"enabled": True, "ttl_s": 300, "max_bytes": 1_000_000})


# MARK: Hits


def test_a_repeated_call_is_a_hit_with_the_same_answer_cost_zero_and_a_ledger_row(keyed):
    gateway, db = keyed
    secret, key_id = create_key(gateway.url, team="a")
    client = chat_client(gateway.url, secret)
    prompt = sim_prompt(tokens=6, text="Repeat me.")
    first_headers, first = ask(client, prompt, "cache-first")
    assert first_headers["x-switchyard-cache"] == "miss"
    first_cost = Decimal(first_headers["x-switchyard-cost-usd"])
    assert first_cost > 0 and first_headers["x-switchyard-deployment"] == "hostile-deepseek"
    second_headers, second = ask(client, prompt, "cache-second")
    assert second_headers["x-switchyard-cache"] == "hit"
    assert second_headers["x-switchyard-cost-usd"] == "0"
    assert "x-switchyard-deployment" not in second_headers  # no upstream was called
    assert int(second_headers["x-switchyard-overhead-us"]) >= 0  # all of a hit's time is the gateway's
    assert second.id == first.id  # the simulator numbers its answers: this one was not made again
    assert second.choices[0].message.content == first.choices[0].message.content
    assert second.choices[0].finish_reason == first.choices[0].finish_reason
    assert second.usage.prompt_tokens == first.usage.prompt_tokens and second.usage.completion_tokens == first.usage.completion_tokens
    # Without the header: bypass, made again upstream.
    third_headers, third = ask(client, prompt, "cache-third", headers={})
    assert third_headers["x-switchyard-cache"] == "bypass" and third.id != first.id

    rows = wait_for_rows(db, ["cache-first", "cache-second", "cache-third"])
    made, hit, bypassed = rows["cache-first"], rows["cache-second"], rows["cache-third"]
    assert made["cache_hit"] == 0 and made["cost_saved_pusd"] is None and Decimal(made["cost_pusd"]) / PUSD == first_cost
    assert hit["cache_hit"] == 1 and hit["cost_pusd"] == 0 and hit["cost_saved_pusd"] == made["cost_pusd"]
    assert hit["status"] == 200 and hit["attempts"] == 0 and hit["prompt_tokens"] == 0 and hit["completion_tokens"] == 0
    assert hit["key_id"] == key_id and hit["team"] == "a" and hit["served_model"] == MODEL and hit["deployment"] is None
    assert bypassed["cache_hit"] == 0 and bypassed["cost_pusd"] > 0
    # The key paid for two calls, not three.
    spent = Decimal(httpx.get(f"{gateway.url}/admin/keys/{key_id}", headers=admin_headers(), timeout=10).json()["spent_usd"])
    assert spent == (Decimal(made["cost_pusd"]) + Decimal(bypassed["cost_pusd"])) / PUSD
    report = httpx.get(f"{gateway.url}/admin/usage?group_by=team", headers=admin_headers(), timeout=10).json()
    team = next(group for group in report["groups"] if group["group"] == "a")
    assert team["requests"] == 3 and team["cache_hits"] == 1 and Decimal(team["cost_saved_usd"]) == first_cost
    series = metrics(gateway.url)
    assert series[f'switchyard_cache_hits_total{{model="{MODEL}"}}'] == 1
    assert series[f'switchyard_cache_misses_total{{model="{MODEL}"}}'] == 1
    assert series["switchyard_cache_entries"] == 1 and 0 < series["switchyard_cache_bytes"] <= 1_000_000


def test_a_stream_replays_its_chunking_and_streams_and_whole_answers_hit_each_other(keyed):
    gateway, db = keyed
    secret, _ = create_key(gateway.url, team="a")
    client = chat_client(gateway.url, secret)
    prompt = sim_prompt(tokens=12, text="Stream me.")
    headers, pieces, reasoning, usage, ids = ask_stream(client, prompt, "stream-miss")
    assert headers["x-switchyard-cache"] == "miss" and len(pieces) > 3
    headers2, pieces2, reasoning2, usage2, ids2 = ask_stream(client, prompt, "stream-hit")
    assert headers2["x-switchyard-cache"] == "hit" and headers2["x-switchyard-cost-usd"] == "0"
    assert pieces2 == pieces and reasoning2 == reasoning and ids2 == ids  # the same chunks, in the same order
    assert usage2.completion_tokens == usage.completion_tokens and usage2.model_extra["cost_usd"] == "0"
    # The same request without streaming: the stored stream, as a whole answer.
    whole_headers, whole = ask(client, prompt, "stream-whole")
    assert whole_headers["x-switchyard-cache"] == "hit"
    assert whole.choices[0].message.content == "".join(pieces) and whole.id in ids

    # And the reverse: a whole answer first, then streamed from the cache.
    other = sim_prompt(tokens=9, text="Whole first.")
    first_headers, first = ask(client, other, "whole-miss")
    assert first_headers["x-switchyard-cache"] == "miss"
    streamed_headers, streamed, _, streamed_usage, streamed_ids = ask_stream(client, other, "whole-streamed")
    assert streamed_headers["x-switchyard-cache"] == "hit"
    assert "".join(streamed) == first.choices[0].message.content and streamed_ids == {first.id}
    assert streamed_usage.prompt_tokens == first.usage.prompt_tokens
    rows = wait_for_rows(db, ["stream-miss", "stream-hit", "stream-whole", "whole-miss", "whole-streamed"])
    assert [rows[r]["cache_hit"] for r in ["stream-miss", "stream-hit", "stream-whole", "whole-miss", "whole-streamed"]] == [0, 1, 1, 0, 1]
    assert rows["stream-hit"]["stream"] == 1 and rows["stream-hit"]["cost_saved_pusd"] == rows["stream-miss"]["cost_pusd"] > 0


def test_only_complete_successful_answers_are_stored(keyed):
    gateway, _ = keyed
    secret, _ = create_key(gateway.url, team="a")
    client = chat_client(gateway.url, secret)
    # A stream that fails after it started, and an error answer: neither is stored.
    broken = sim_prompt(tokens=10, fail="mid_stream", after=3)
    for attempt in range(2):
        with pytest.raises(openai.APIError):
            ask_stream(client, broken, f"broken-{attempt}")
    failing = sim_prompt(fail="content_filter")
    for attempt in range(2):
        with pytest.raises(openai.BadRequestError) as caught:
            ask(client, failing, f"filtered-{attempt}")
        assert caught.value.response.headers["x-switchyard-cache"] == "miss"
    # A stream the client cut: not stored either.
    slow = sim_prompt(tokens=40, tps=40)
    with httpx.stream("POST", f"{gateway.url}/v1/chat/completions", timeout=30,
                      headers={"Authorization": f"Bearer {secret}", **USE},
                      json={"model": MODEL, "stream": True, "messages": [{"role": "user", "content": slow}]}) as response:
        for _ in response.iter_raw():
            break
    headers, *_ = ask_stream(client, slow, "after-cut")
    assert headers["x-switchyard-cache"] == "miss"
    series = metrics(gateway.url)
    assert total(series, "switchyard_cache_hits_total") == 0
    assert total(series, "switchyard_cache_stores_total") == 1  # the last, complete stream


# MARK: Scopes


def test_teams_never_share_entries_unless_shared(launcher, tmp_path):
    gateway, _ = cache_gateway(launcher, tmp_path, {"enabled": True})
    a1, _ = create_key(gateway.url, team="a")
    a2, _ = create_key(gateway.url, team="a")
    b1, _ = create_key(gateway.url, team="b")
    loner, _ = create_key(gateway.url)  # no team: its entries are its own
    prompt = sim_prompt(tokens=5, text="Whose is this?")
    h, first = ask(chat_client(gateway.url, a1), prompt, "team-a1")
    assert h["x-switchyard-cache"] == "miss"
    h, same_team = ask(chat_client(gateway.url, a2), prompt, "team-a2")
    assert h["x-switchyard-cache"] == "hit" and same_team.id == first.id
    h, other_team = ask(chat_client(gateway.url, b1), prompt, "team-b1")
    assert h["x-switchyard-cache"] == "miss" and other_team.id != first.id
    h, own = ask(chat_client(gateway.url, loner), prompt, "loner")
    assert h["x-switchyard-cache"] == "miss" and own.id not in {first.id, other_team.id}

    shared, _ = cache_gateway(launcher, tmp_path, {"enabled": True, "shared": True}, name="shared.yaml",
                              models=[MODEL, "deepseek-v4-pro"])
    a1, _ = create_key(shared.url, team="a")
    b1, _ = create_key(shared.url, team="b")
    other_model_only, _ = create_key(shared.url, team="a", models=["deepseek-v4-pro"])
    h, first = ask(chat_client(shared.url, a1), prompt, "shared-a1")
    assert h["x-switchyard-cache"] == "miss"
    h, across = ask(chat_client(shared.url, b1), prompt, "shared-b1")
    assert h["x-switchyard-cache"] == "hit" and across.id == first.id
    # A cached answer is no way around the key's allowed models.
    with pytest.raises(openai.PermissionDeniedError) as caught:
        ask(chat_client(shared.url, other_model_only), prompt, "shared-not-allowed")
    assert caught.value.code == "model_not_allowed"
    # Nor around authentication.
    with pytest.raises(openai.AuthenticationError):
        ask(chat_client(shared.url, "sy-wrong"), prompt, "shared-bad-key")


def test_a_hit_counts_against_rpm_but_spends_no_budget(launcher, tmp_path):
    gateway, db = cache_gateway(launcher, tmp_path, {"enabled": True})
    avoid_minute_boundary()
    secret, key_id = create_key(gateway.url, team="a", rpm=2)
    client = chat_client(gateway.url, secret)
    prompt = sim_prompt(tokens=4, text="Limited.")
    assert ask(client, prompt, "rpm-1")[0]["x-switchyard-cache"] == "miss"
    assert ask(client, prompt, "rpm-2")[0]["x-switchyard-cache"] == "hit"
    with pytest.raises(openai.RateLimitError) as caught:
        ask(client, prompt, "rpm-3")
    assert caught.value.code == "rate_limit_exceeded"


# MARK: Directives and defaults


def test_refresh_misses_and_stores_the_fresh_answer_and_no_store_bypasses(keyed):
    gateway, _ = keyed
    secret, _ = create_key(gateway.url, team="a")
    client = chat_client(gateway.url, secret)
    prompt = sim_prompt(tokens=5, text="Refresh me.")
    _, first = ask(client, prompt, "refresh-1")
    h, refreshed = ask(client, prompt, "refresh-2", headers={"x-switchyard-cache": "refresh"})
    assert h["x-switchyard-cache"] == "miss" and Decimal(h["x-switchyard-cost-usd"]) > 0 and refreshed.id != first.id
    h, after = ask(client, prompt, "refresh-3")
    assert h["x-switchyard-cache"] == "hit" and after.id == refreshed.id
    # no-store: neither looked up nor stored.
    h, skipped = ask(client, prompt, "no-store-1", headers={"x-switchyard-cache": "no-store"})
    assert h["x-switchyard-cache"] == "bypass" and skipped.id != refreshed.id
    fresh = sim_prompt(tokens=5, text="Never stored.")
    assert ask(client, fresh, "no-store-2", headers={"x-switchyard-cache": "no-store"})[0]["x-switchyard-cache"] == "bypass"
    assert ask(client, fresh, "no-store-3")[0]["x-switchyard-cache"] == "miss"
    # Anything else is refused, naming the header.
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client, prompt, "bad-directive", headers={"x-switchyard-cache": "always"})
    assert caught.value.code == "invalid_value" and caught.value.param == "x-switchyard-cache"


def test_default_use_caches_temperature_zero_requests(launcher, tmp_path):
    gateway, _ = cache_gateway(launcher, tmp_path, {"enabled": True, "default": "use"}, auth=False)
    client = chat_client(gateway.url)
    prompt = sim_prompt(tokens=5, text="Deterministic.")
    h, first = ask(client, prompt, "t0-1", headers={}, temperature=0)
    assert h["x-switchyard-cache"] == "miss"
    h, second = ask(client, prompt, "t0-2", headers={}, temperature=0.0)
    assert h["x-switchyard-cache"] == "miss", "0.0 is written differently from 0: another exact request"
    h, third = ask(client, prompt, "t0-3", headers={}, temperature=0)
    assert h["x-switchyard-cache"] == "hit" and third.id == first.id
    # Not deterministic: not cached unless asked.
    for n in range(2):
        assert ask(client, prompt, f"warm-{n}", headers={}, temperature=0.7)[0]["x-switchyard-cache"] == "bypass"
    assert ask(client, prompt, "no-temperature", headers={})[0]["x-switchyard-cache"] == "bypass"
    assert ask(client, prompt, "t0-no-store", headers={"x-switchyard-cache": "no-store"}, temperature=0)[0]["x-switchyard-cache"] == "bypass"
    # A model marked deterministic: every request.
    marked, _ = cache_gateway(launcher, tmp_path, {"enabled": True, "default": "use"}, auth=False, name="marked.yaml",
                              model_overrides=[{"id": MODEL, "cache": {"deterministic": True}}])
    client = chat_client(marked.url)
    assert ask(client, prompt, "marked-1", headers={}, temperature=0.7)[0]["x-switchyard-cache"] == "miss"
    assert ask(client, prompt, "marked-2", headers={}, temperature=0.7)[0]["x-switchyard-cache"] == "hit"


def test_a_model_can_turn_the_cache_off(launcher, tmp_path):
    gateway, _ = cache_gateway(launcher, tmp_path, {"enabled": True}, auth=False,
                               model_overrides=[{"id": MODEL, "cache": {"enabled": False}}])
    client = chat_client(gateway.url)
    for n in range(2):
        assert ask(client, sim_prompt(text="Off."), f"off-{n}")[0]["x-switchyard-cache"] == "bypass"


# MARK: Messages


def test_messages_calls_hit_in_messages_shape(keyed):
    gateway, db = keyed
    secret, _ = create_key(gateway.url, team="a")
    with anthropic.Anthropic(base_url=gateway.url, api_key=secret, max_retries=0, timeout=30) as claude:
        check_messages_hits(claude, gateway, db, secret)


def check_messages_hits(claude: anthropic.Anthropic, gateway: Process, db: Path, secret: str) -> None:
    messages = [{"role": "user", "content": sim_prompt(tokens=8, text="Messages, cached.")}]
    first = claude.messages.with_raw_response.create(model=MODEL, max_tokens=64, messages=messages, extra_headers=USE)
    assert first.headers["x-switchyard-cache"] == "miss"
    second = claude.messages.with_raw_response.create(model=MODEL, max_tokens=64, messages=messages,
                                                      extra_headers={**USE, "x-request-id": "messages-hit"})
    assert second.headers["x-switchyard-cache"] == "hit" and second.headers["x-switchyard-cost-usd"] == "0"
    made, hit = first.parse(), second.parse()
    assert hit.type == "message" and hit.id == made.id
    assert [block.model_dump() for block in hit.content] == [block.model_dump() for block in made.content]
    assert hit.stop_reason == made.stop_reason and hit.usage.output_tokens == made.usage.output_tokens
    # Streamed from the same entry: Anthropic's events, the same text.
    with claude.messages.stream(model=MODEL, max_tokens=64, messages=messages, extra_headers=USE) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop" and "content_block_delta" in kinds
    assert [block.model_dump().get("text") for block in final.content] == [block.model_dump().get("text") for block in made.content]
    # The same words through the chat door are another request.
    h, _ = ask(chat_client(gateway.url, secret), messages[0]["content"], "chat-not-messages", max_tokens=64)
    assert h["x-switchyard-cache"] == "miss"
    row = wait_for_rows(db, ["messages-hit"])["messages-hit"]
    assert row["front"] == "messages" and row["cache_hit"] == 1 and row["cost_saved_pusd"] > 0


# MARK: The byte bound


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """One HTTP/1.1 response off a keep-alive connection: (status, headers); the body (sized or
    chunked) is read and dropped."""
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        while (size := int((await reader.readline()).strip(), 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readline()
    return status, headers


def test_the_byte_bound_holds_under_10000_distinct_requests(launcher, tmp_path):
    max_bytes = 200_000
    # No ledger: 10,000 rows would be most of the gateway's work here, and other tests cover it.
    gateway, _ = cache_gateway(launcher, tmp_path, {"enabled": True, "max_bytes": max_bytes}, auth=False,
                               extra={"ledger": {"enabled": False}})
    requests, connections, window = 10_000, 16, 32

    def request(n: int) -> bytes:
        body = json.dumps({"model": MODEL, "max_tokens": 2, "stream": n % 2 == 0,
                           "messages": [{"role": "user", "content": f"distinct {n} [sim tokens=2 tps=100000 ttft_ms=0]"}]}).encode()
        return (f"POST /v1/chat/completions HTTP/1.1\r\nHost: e2e\r\nContent-Type: application/json\r\n"
                f"x-switchyard-cache: use\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    async def run() -> list[tuple[int, str, int]]:
        # Keep-alive connections, each with a window of pipelined requests (answered in order):
        # the client's own cost stays far below the gateway's.
        host, port = "127.0.0.1", int(gateway.url.rsplit(":", 1)[1])
        results: list[tuple[int, str, int]] = []

        async def connection(numbers: list[int]) -> None:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                for at in range(0, len(numbers), window):
                    batch = numbers[at:at + window]
                    writer.write(b"".join(request(n) for n in batch))
                    await writer.drain()
                    for n in batch:
                        status, headers = await asyncio.wait_for(read_response(reader), 60)
                        results.append((status, headers.get("x-switchyard-cache", ""), n))
            finally:
                writer.close()

        await asyncio.gather(*(connection(list(range(c, requests, connections))) for c in range(connections)))
        return results

    results = asyncio.run(run())
    assert [(status, cache) for status, cache, _ in results].count((200, "miss")) == requests
    series = metrics(gateway.url)
    assert 0 < series["switchyard_cache_bytes"] <= max_bytes
    assert total(series, "switchyard_cache_stores_total") == requests
    assert series["switchyard_cache_entries"] < requests
    assert total(series, "switchyard_cache_evictions_total") == requests - series["switchyard_cache_entries"]
    # Recent entries are kept (50 answers later: far fewer than the ~400 the bound holds), the
    # oldest are gone.
    client = chat_client(gateway.url)

    def cached(n: int) -> str:
        return client.chat.completions.with_raw_response.create(
            model=MODEL, max_tokens=2, extra_headers=USE,
            messages=[{"role": "user", "content": f"distinct {n} [sim tokens=2 tps=100000 ttft_ms=0]"}]).headers["x-switchyard-cache"]

    assert cached(results[-50][2]) == "hit"
    assert cached(results[0][2]) == "miss"
