"""The Anthropic Messages API front door, driven by the official `anthropic` SDK against every
family on the simulator: whole and streamed messages, a tool-use round trip, images, a system
prompt as blocks, stop sequences, thinking, count_tokens, the SDK's typed errors, and the ledger
and budgets seeing messages calls exactly as chat calls (with `front = messages`)."""

from __future__ import annotations

import json
from decimal import Decimal

import anthropic
import httpx
import pytest

from hostile import PUSD, admin_headers, create_key, gateway_config, key_info, post_chat, start_gateway, wait_for_rows, wait_until
from support import CLIENT_API_KEY, FAMILY_MODELS, Launcher, sim_prompt

FAMILIES = list(FAMILY_MODELS)
# The reasoning switch each family's upstream receives for `thinking: {type: enabled}`.
THINKING_SWITCH = {
    "deepseek": ("thinking", {"type": "enabled"}),
    "glm": ("thinking", {"type": "enabled"}),
    "kimi": ("thinking", {"type": "enabled"}),
    "qwen": ("enable_thinking", True),
}
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
# A 1x1 transparent PNG.
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def claude(url: str, key: str = CLIENT_API_KEY) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=key, max_retries=0, timeout=30)


def texts(message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def echoed(message) -> dict:
    """The request body the simulator received, from an `[sim echo]` answer."""
    return json.loads(texts(message))["body"]


def expected_cost(usage, rate: str) -> Decimal:
    tokens = usage.input_tokens + (usage.cache_read_input_tokens or 0) + usage.output_tokens
    return Decimal(tokens) * Decimal(rate) / Decimal(1000000)


# MARK: Answers


@pytest.mark.parametrize("family", FAMILIES)
def test_create(gateway, family):
    model, rate = FAMILY_MODELS[family]
    raw = claude(gateway.url).messages.with_raw_response.create(
        model=model, max_tokens=64, messages=[{"role": "user", "content": sim_prompt(tokens=5)}],
        extra_headers={"x-request-id": f"e2e-messages-{family}"})
    message = raw.parse()
    assert message.type == "message" and message.role == "assistant"
    assert message.id.startswith("msg_")
    assert texts(message)
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert raw.headers["request-id"] == raw.headers["x-request-id"] == f"e2e-messages-{family}"
    assert raw.headers["x-switchyard-model"] == model
    if gateway.deployment(family):
        assert raw.headers["x-switchyard-deployment"] == gateway.deployment(family)
    assert Decimal(raw.headers["x-switchyard-cost-usd"]) == expected_cost(message.usage, rate)


@pytest.mark.parametrize("family", FAMILIES)
def test_stream_events_and_final_message(gateway, family):
    model, _ = FAMILY_MODELS[family]
    kinds: list[str] = []
    streamed = ""
    with claude(gateway.url).messages.stream(model=model, max_tokens=64,
                                             messages=[{"role": "user", "content": sim_prompt(tokens=8)}]) as stream:
        for event in stream:
            kinds.append(event.type)
            if event.type == "text":
                streamed += event.text
        final = stream.get_final_message()
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"
    for kind in ["content_block_start", "content_block_delta", "content_block_stop", "message_delta"]:
        assert kind in kinds
    assert streamed and streamed == texts(final)
    assert final.stop_reason == "end_turn"
    assert final.usage.input_tokens > 0 and final.usage.output_tokens > 0


def test_max_tokens_and_stop_sequences(embedded_gateway):
    client = claude(embedded_gateway.url)
    cut = client.messages.create(model="glm-5", max_tokens=3, messages=[{"role": "user", "content": sim_prompt(tokens=20)}])
    assert cut.stop_reason == "max_tokens"
    with client.messages.stream(model="glm-5", max_tokens=3, messages=[{"role": "user", "content": sim_prompt(tokens=20)}]) as stream:
        assert stream.get_final_message().stop_reason == "max_tokens"
    # Stop sequences reach the upstream as `stop`.
    echo = client.messages.create(model="glm-5", max_tokens=4096, stop_sequences=["END", "\n\nHuman:"],
                                  messages=[{"role": "user", "content": sim_prompt("echo")}])
    # The simulator honours `stop` as providers do: the echoed request body ends just before the
    # first "END", which is inside its own stop list.
    text = texts(echo)
    assert "END" not in text and text.endswith('"stop":["'), text[-80:]
    assert echo.stop_reason in ("end_turn", "stop_sequence")


@pytest.mark.parametrize("family", FAMILIES)
def test_system_blocks_metadata_and_thinking_reach_the_upstream(gateway, family):
    model, _ = FAMILY_MODELS[family]
    message = claude(gateway.url).messages.create(
        model=model, max_tokens=2048, extra_body={"temperature": 0.2, "top_p": 0.9},  # this SDK has no sampling arguments
        system=[{"type": "text", "text": "You are terse."}, {"type": "text", "text": "Answer in English.", "cache_control": {"type": "ephemeral"}}],
        metadata={"user_id": "user-42"},
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": [{"type": "text", "text": sim_prompt("echo")}]}])
    body = echoed(message)
    assert body["model"] == gateway.upstream_id(model)
    assert body["messages"][0] == {"role": "system", "content": "You are terse.\nAnswer in English."}
    assert body["messages"][1]["role"] == "user"
    assert body["max_tokens"] == 2048 and body["temperature"] == 0.2 and body["top_p"] == 0.9
    assert body["user"] == "user-42"
    field, value = THINKING_SWITCH[family]
    assert body[field] == value
    assert "system" not in body and "metadata" not in body


@pytest.mark.parametrize("model", ["glm-4.6v", "Qwen/Qwen3-VL-32B"])
def test_image_blocks(gateway, model):
    message = claude(gateway.url).messages.create(model=model, max_tokens=64, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "text", "text": sim_prompt("echo", text="What is in these images?")},
    ]}])
    parts = echoed(message)["messages"][0]["content"]
    assert parts[0] == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}}
    assert parts[1] == {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}
    assert parts[2]["type"] == "text"


@pytest.mark.parametrize("family", FAMILIES)
def test_tool_use_round_trip(gateway, family):
    model, _ = FAMILY_MODELS[family]
    client = claude(gateway.url)
    # `auto` with the simulator's tool_call directive: `any` (OpenAI's "required") is refused by
    # DeepSeek in thinking mode, Kimi K2.x and GLM, as their docs say (test_tool_choice_any_*).
    question = {"role": "user", "content": sim_prompt("tool_call", tokens=5, text="What is the weather in Paris?")}
    first = client.messages.create(model=model, max_tokens=256, tools=[WEATHER_TOOL], tool_choice={"type": "auto"}, messages=[question])
    assert first.stop_reason == "tool_use"
    calls = [block for block in first.content if block.type == "tool_use"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and isinstance(calls[0].input, dict)
    # Streamed, the same call arrives as input_json_delta events and a parsed input.
    with client.messages.stream(model=model, max_tokens=256, tools=[WEATHER_TOOL], tool_choice={"type": "auto"}, messages=[question]) as stream:
        streamed = stream.get_final_message()
    assert streamed.stop_reason == "tool_use"
    assert [b.name for b in streamed.content if b.type == "tool_use"] == ["get_weather"]
    assert all(isinstance(b.input, dict) for b in streamed.content if b.type == "tool_use")
    # The answer goes back as a tool_result; the model answers in text.
    second = client.messages.create(model=model, max_tokens=256, tools=[WEATHER_TOOL], messages=[
        question,
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": calls[0].id, "content": [{"type": "text", "text": "18 C, sunny"}]}]},
    ])
    assert second.stop_reason == "end_turn"
    assert texts(second)


def test_tool_choice_any_follows_each_familys_rules(embedded_gateway):
    """`any` becomes OpenAI's `required`: Qwen honours it; DeepSeek (thinking by default), Kimi
    K2.x and GLM refuse it as documented, and the client gets the refusal in Anthropic's shape."""
    client = claude(embedded_gateway.url)
    question = {"role": "user", "content": sim_prompt(tokens=5, text="What is the weather in Paris?")}
    qwen, _ = FAMILY_MODELS["qwen"]
    answer = client.messages.create(model=qwen, max_tokens=256, tools=[WEATHER_TOOL], tool_choice={"type": "any"}, messages=[question])
    assert answer.stop_reason == "tool_use"
    for family in ("deepseek", "kimi", "glm"):
        model, _ = FAMILY_MODELS[family]
        with pytest.raises(anthropic.BadRequestError) as caught:
            client.messages.create(model=model, max_tokens=256, tools=[WEATHER_TOOL], tool_choice={"type": "any"}, messages=[question])
        assert caught.value.body["type"] == "error" and caught.value.body["error"]["type"] == "invalid_request_error"


def test_tool_result_translation(embedded_gateway):
    """What the upstream receives for a tool round trip (the simulator echoes it back)."""
    message = claude(embedded_gateway.url).messages.create(
        model="deepseek-v4-flash", max_tokens=64, tools=[WEATHER_TOOL], tool_choice={"type": "auto", "disable_parallel_tool_use": True},
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Let me check."},
                                              {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "18 C"},
                                         {"type": "text", "text": sim_prompt("echo")}]},
        ])
    body = echoed(message)
    assert body["tools"] == [{"type": "function", "function": {"name": "get_weather", "description": WEATHER_TOOL["description"],
                                                              "parameters": WEATHER_TOOL["input_schema"]}}]
    assert body["tool_choice"] == "auto" and body["parallel_tool_calls"] is False
    assistant, tool, user = body["messages"][1:4]
    assert assistant["content"] == "Let me check."
    assert assistant["tool_calls"][0]["id"] == "toolu_01"
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}
    assert tool == {"role": "tool", "tool_call_id": "toolu_01", "content": "18 C"}
    assert user["role"] == "user"


def test_count_tokens(embedded_gateway):
    client = claude(embedded_gateway.url)
    short = client.messages.count_tokens(model="glm-5", messages=[{"role": "user", "content": "Hello there."}])
    long = client.messages.count_tokens(model="glm-5", system="Be helpful.", tools=[WEATHER_TOOL],
                                        messages=[{"role": "user", "content": "Hello there. " * 100}])
    assert 0 < short.input_tokens < long.input_tokens
    with pytest.raises(anthropic.NotFoundError):
        client.messages.count_tokens(model="no-such-model", messages=[{"role": "user", "content": "x"}])


# MARK: Errors


def test_untranslatable_fields_are_refused_by_name(embedded_gateway):
    client = claude(embedded_gateway.url)
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="glm-5", max_tokens=10, messages=[{"role": "user", "content": "x"}], extra_body={"container": "c1"})
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert "container" in caught.value.body["error"]["message"]
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="glm-5", max_tokens=10, messages=[{"role": "user", "content": [
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "hi"}}]}])
    assert "messages.0.content.0.type" in caught.value.body["error"]["message"]
    raw = httpx.post(f"{embedded_gateway.url}/v1/messages", content=b'{"model": "glm-5", "messages": [', timeout=10,
                     headers={"content-type": "application/json"})
    assert raw.status_code == 400
    assert raw.json()["type"] == "error" and raw.json()["error"]["type"] == "invalid_request_error"


def test_unknown_model_is_not_found(embedded_gateway):
    client = claude(embedded_gateway.url)
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(model="no-such-model", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert caught.value.body == {"type": "error", "error": {"type": "not_found_error", "message": caught.value.body["error"]["message"]}}
    with pytest.raises(anthropic.NotFoundError):
        with claude(embedded_gateway.url).messages.stream(model="no-such-model", max_tokens=10, messages=[{"role": "user", "content": "x"}]) as s:
            s.get_final_message()


@pytest.fixture
def keyed(tmp_path):
    """A gateway of its own with keys required, the ledger in SQLite and glm-5 priced like deepseek."""
    launcher = Launcher(tmp_path)
    db = tmp_path / "messages.db"
    config = gateway_config(tmp_path, db=db, models=["deepseek-v4-flash", "glm-5"])
    gateway = start_gateway(launcher, config)
    yield gateway, db
    launcher.stop_all()


def test_typed_errors(keyed):
    gateway, _ = keyed
    with pytest.raises(anthropic.AuthenticationError) as caught:
        claude(gateway.url, key="sy-not-a-key").messages.create(model="glm-5", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["error"]["type"] == "authentication_error"
    restricted, _ = create_key(gateway.url, models=["glm-5"])
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        claude(gateway.url, restricted).messages.create(model="deepseek-v4-flash", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["error"]["type"] == "permission_error"
    limited, _ = create_key(gateway.url, rpm=1)
    client = claude(gateway.url, limited)
    client.messages.create(model="glm-5", max_tokens=10, messages=[{"role": "user", "content": sim_prompt(tokens=2)}])
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(model="glm-5", max_tokens=10, messages=[{"role": "user", "content": sim_prompt(tokens=2)}])
    assert caught.value.body["error"]["type"] == "rate_limit_error"
    secret, _ = create_key(gateway.url)
    # A failure after the stream started: one `error` event, raised by the SDK.
    with pytest.raises(anthropic.APIStatusError) as caught:
        with claude(gateway.url, secret).messages.stream(model="deepseek-v4-flash", max_tokens=50,
                                                         messages=[{"role": "user", "content": sim_prompt(fail="mid_stream", after=2, tokens=10)}]) as s:
            s.get_final_message()
    assert caught.value.body["type"] == "error" and caught.value.body["error"]["type"] == "api_error"
    # The upstream is overloaded (last: failures may open the deployment's breaker).
    with pytest.raises(anthropic.OverloadedError) as caught:
        claude(gateway.url, secret).messages.create(model="glm-5", max_tokens=10,
                                                    messages=[{"role": "user", "content": sim_prompt(fail="overloaded")}])
    assert caught.value.status_code == 529 and caught.value.body["error"]["type"] == "overloaded_error"


def test_ledger_and_budget_see_messages_calls_as_chat_calls(keyed):
    gateway, db = keyed
    # $0.0001 at deepseek-v4-flash's $0.25 per 1M tokens: 400 tokens, several small calls.
    secret, key_id = create_key(gateway.url, team="qa", budget_usd="0.0001", budget_period="total")
    client = claude(gateway.url, secret)
    shown: dict[str, Decimal] = {}
    for i, stream in enumerate([False, True]):
        request_id = f"e2e-messages-ledger-{i}"
        if stream:
            with client.messages.with_streaming_response.create(
                    model="deepseek-v4-flash", max_tokens=20, stream=True, extra_headers={"x-request-id": request_id},
                    messages=[{"role": "user", "content": sim_prompt(tokens=5)}]) as response:
                body = response.read().decode()
            assert "event: message_stop" in body
            marker = ": x-switchyard-cost-usd="
            shown[request_id] = Decimal(body[body.index(marker) + len(marker):].split("\n", 1)[0])
        else:
            raw = client.messages.with_raw_response.create(model="deepseek-v4-flash", max_tokens=20, extra_headers={"x-request-id": request_id},
                                                           messages=[{"role": "user", "content": sim_prompt(tokens=5)}])
            shown[request_id] = Decimal(raw.headers["x-switchyard-cost-usd"])
    chat = post_chat(gateway.url, {"model": "deepseek-v4-flash", "max_tokens": 20, "messages": [{"role": "user", "content": sim_prompt(tokens=5)}]},
                     key=secret, request_id="e2e-messages-ledger-chat")
    assert chat.status_code == 200
    shown["e2e-messages-ledger-chat"] = Decimal(chat.headers["x-switchyard-cost-usd"])
    rows = wait_for_rows(db, list(shown))
    for request_id, cost in shown.items():
        row = rows[request_id]
        assert row["front"] == ("chat" if request_id.endswith("chat") else "messages")
        assert Decimal(row["cost_pusd"]) / PUSD == cost > 0
        assert row["key_id"] == key_id and row["team"] == "qa" and row["status"] == 200
        assert row["served_model"] == "deepseek-v4-flash" and row["usage_source"] == "upstream"
    assert rows["e2e-messages-ledger-1"]["stream"] == 1
    spent = sum(shown.values(), Decimal(0))
    wait_until(lambda: Decimal(key_info(gateway.url, key_id)["spent_usd"]) == spent, 15, message="the key's spend does not match the ledger")
    usage = httpx.get(f"{gateway.url}/admin/usage", params={"group_by": "front", "from": "2000-01-01"}, headers=admin_headers(), timeout=10)
    assert usage.status_code == 200, usage.text
    assert "messages" in usage.text and "chat" in usage.text
    # The budget holds for messages calls as for chat calls: a worst case that no longer fits is refused.
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(model="deepseek-v4-flash", max_tokens=2000, messages=[{"role": "user", "content": sim_prompt(tokens=5)}])
    assert caught.value.body["error"]["type"] == "rate_limit_error" and "budget" in caught.value.body["error"]["message"]
