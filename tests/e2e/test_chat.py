"""Chat completions for one model of each family, streaming and not: content, usage, exact cost
and the x-switchyard-* headers."""

import json
import re
from decimal import Decimal

import httpx
import pytest

from support import CLIENT_API_KEY, FAMILY_MODELS, sim_prompt, user

FAMILIES = list(FAMILY_MODELS)
PLAIN_DECIMAL = re.compile(r"\d+(\.\d+)?")  # "0.0000105", never "1.05E-5"


def expected_cost(usage, rate: str) -> Decimal:
    """Flat catalog rate (USD per 1M tokens) for every token kind."""
    return (Decimal(usage.prompt_tokens) + Decimal(usage.completion_tokens)) * Decimal(rate) / Decimal(1000000)


def check_usage(usage) -> None:
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def check_cost(cost: object, usage, rate: str) -> None:
    assert isinstance(cost, str) and PLAIN_DECIMAL.fullmatch(cost), f"cost must be a plain decimal string, got {cost!r}"
    assert Decimal(cost) == expected_cost(usage, rate)


def check_routing_headers(headers, gateway, family: str, model: str) -> None:
    assert headers["x-switchyard-model"] == model
    assert headers["x-switchyard-provider"]
    assert headers["x-switchyard-deployment"]
    if gateway.deployment(family):
        assert headers["x-switchyard-deployment"] == gateway.deployment(family)


@pytest.mark.parametrize("family", FAMILIES)
def test_chat(gateway, client, family):
    model, rate = FAMILY_MODELS[family]
    request_id = f"e2e-chat-{family}"
    raw = client.chat.completions.with_raw_response.create(
        model=model, messages=[user(sim_prompt(tokens=5))], extra_headers={"x-request-id": request_id}
    )
    completion = raw.parse()

    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content
    check_usage(completion.usage)
    assert raw.headers["x-request-id"] == request_id
    check_routing_headers(raw.headers, gateway, family, model)
    check_cost(raw.headers["x-switchyard-cost-usd"], completion.usage, rate)


@pytest.mark.parametrize("family", FAMILIES)
def test_stream_with_usage(gateway, client, family):
    model, rate = FAMILY_MODELS[family]
    request_id = f"e2e-stream-{family}"
    with client.chat.completions.with_streaming_response.create(
        model=model,
        messages=[user(sim_prompt(tokens=5))],
        stream=True,
        stream_options={"include_usage": True},
        extra_headers={"x-request-id": request_id},
    ) as response:
        headers = response.headers
        chunks = list(response.parse())

    assert headers["x-request-id"] == request_id
    check_routing_headers(headers, gateway, family, model)
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)

    # Usage arrives exactly once, in a last chunk without choices; every other chunk has usage null
    # (upstreams also put it on the finish chunk, and Kimi inside choices[0]: an SDK user summing
    # `chunk.usage` must not count it twice).
    usage_chunks = [c for c in chunks if c.usage is not None]
    assert len(usage_chunks) == 1, f"usage must arrive on exactly one chunk, got {len(usage_chunks)}: {usage_chunks}"
    final = chunks[-1]
    assert final is usage_chunks[0]
    assert final.choices == []
    check_usage(final.usage)
    check_cost(final.usage.model_extra.get("cost_usd"), final.usage, rate)


@pytest.mark.parametrize("family", FAMILIES)
def test_stream_without_usage_request_has_no_usage_chunk(gateway, client, family):
    model, _ = FAMILY_MODELS[family]
    stream = client.chat.completions.create(model=model, messages=[user(sim_prompt(tokens=5))], stream=True)
    chunks = list(stream)

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert [c for c in chunks if not c.choices and c.usage is not None] == []


@pytest.mark.parametrize("family", FAMILIES)
def test_raw_stream_is_sse_ending_with_done(gateway, family):
    model, _ = FAMILY_MODELS[family]
    body = {"model": model, "messages": [user(sim_prompt(tokens=5))], "stream": True}
    headers = {"authorization": f"Bearer {CLIENT_API_KEY}"}
    with httpx.stream("POST", f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-request-id"]  # generated when the client sends none
        check_routing_headers(response.headers, gateway, family, model)
        data_lines = [line for line in response.iter_lines() if line.startswith("data:")]

    assert data_lines[-1] == "data: [DONE]"
    for line in data_lines[:-1]:
        chunk = json.loads(line.removeprefix("data:"))
        assert chunk["object"] == "chat.completion.chunk"


def test_alias_is_served_as_catalog_model(gateway, client):
    raw = client.chat.completions.with_raw_response.create(model="qwen3-32b", messages=[user(sim_prompt(tokens=3))])
    raw.parse()
    assert raw.headers["x-switchyard-model"] == "Qwen/Qwen3-32B"


def test_model_without_price_has_unknown_cost(gateway, client):
    raw = client.chat.completions.with_raw_response.create(model="glm-4.6v", messages=[user(sim_prompt(tokens=3))])
    check_usage(raw.parse().usage)
    assert raw.headers["x-switchyard-model"] == "glm-4.6v"
    assert raw.headers["x-switchyard-cost-usd"] == "unknown"


def test_openai_family_model_added_by_config(local_gateway):
    with local_gateway.client() as client:
        # The simulator serves Qwen/Qwen3-8B as DashScope does: it thinks by default and refuses a
        # non-streaming call with thinking on. The gateway only adds enable_thinking: false for the
        # qwen family, and this entry is an `openai`-family model, so the client says it.
        raw = client.chat.completions.with_raw_response.create(model="local-qwen3-8b", messages=[user(sim_prompt(tokens=3))],
                                                                extra_body={"enable_thinking": False})
        completion = raw.parse()
    assert completion.choices[0].message.content
    check_routing_headers(raw.headers, local_gateway, "openai", "local-qwen3-8b")
    assert Decimal(raw.headers["x-switchyard-cost-usd"]) == 0
