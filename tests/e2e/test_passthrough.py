"""What the upstream receives and what comes back untouched: with `[sim echo]` the simulator
answers with the JSON body and headers it received."""

import json

import httpx
import openai
import pytest

from support import CLIENT_API_KEY, FAMILY_MODELS, sim_prompt, user

FAMILIES = list(FAMILY_MODELS)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    },
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}},
]
PROVIDER_EXTRAS = {"thinking": {"type": "enabled"}, "enable_thinking": True, "my_custom_field": 123}
IMAGE_PART = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
AUDIO_PART = {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZFZm10IA==", "format": "wav"}}


def echoed(content: str) -> tuple[dict, dict]:
    """The (body, headers) the upstream received, from an echo answer."""
    echo = json.loads(content)
    return echo["body"], echo["headers"]


@pytest.mark.parametrize("family", FAMILIES)
def test_request_fields_pass_through(gateway, client, family):
    model, _ = FAMILY_MODELS[family]
    messages = [{"role": "system", "content": "You are terse."}, user(sim_prompt("echo"))]
    completion = client.chat.completions.create(
        model=model,
        messages=messages,
        tools=TOOLS,
        tool_choice="auto",
        response_format={"type": "json_object"},
        reasoning_effort="high",
        extra_body=PROVIDER_EXTRAS,
    )
    body, _ = echoed(completion.choices[0].message.content)

    assert body["model"] == gateway.upstream_id(model)
    assert body["messages"] == messages
    assert body["tools"] == TOOLS
    assert body["tool_choice"] == "auto"
    assert body["response_format"] == {"type": "json_object"}
    assert body["reasoning_effort"] == "high"
    for key, value in PROVIDER_EXTRAS.items():
        assert body[key] == value, f"{key} was changed on the way upstream"


@pytest.mark.parametrize("family", FAMILIES)
def test_client_key_is_never_forwarded(gateway, client, family):
    model, _ = FAMILY_MODELS[family]
    completion = client.chat.completions.create(model=model, messages=[user(sim_prompt("echo"))])
    _, headers = echoed(completion.choices[0].message.content)

    assert CLIENT_API_KEY not in json.dumps(headers)
    assert headers.get("authorization") == gateway.upstream_authorization(family)


def test_alias_is_rewritten_to_upstream_id(gateway, client):
    completion = client.chat.completions.create(model="qwen3-32b", messages=[user(sim_prompt("echo"))])
    body, _ = echoed(completion.choices[0].message.content)
    assert body["model"] == gateway.upstream_id("Qwen/Qwen3-32B")


@pytest.mark.parametrize("family", FAMILIES)
def test_stream_always_asks_upstream_for_usage(gateway, client, family):
    model, _ = FAMILY_MODELS[family]
    stream = client.chat.completions.create(model=model, messages=[user(sim_prompt("echo"))], stream=True)
    chunks = list(stream)
    body, _ = echoed("".join(c.choices[0].delta.content or "" for c in chunks if c.choices))

    assert body["model"] == gateway.upstream_id(model)
    assert body["stream"] is True
    assert body["stream_options"]["include_usage"] is True
    # ... but the client, which did not ask, gets no usage chunk.
    assert [c for c in chunks if not c.choices and c.usage is not None] == []


@pytest.mark.parametrize("model", ["Qwen/Qwen3-VL-32B", "glm-4.6v"])
def test_image_parts_pass_through(gateway, client, model):
    messages = [user([{"type": "text", "text": sim_prompt("echo", text="What is in this image?")}, IMAGE_PART])]
    completion = client.chat.completions.create(model=model, messages=messages)
    body, _ = echoed(completion.choices[0].message.content)

    assert body["model"] == gateway.upstream_id(model)
    assert body["messages"] == messages


def test_audio_parts_pass_through(gateway, client):
    model = "Qwen/Qwen3-Omni-30B"
    messages = [user([{"type": "text", "text": sim_prompt("echo", text="Transcribe this.")}, AUDIO_PART])]
    completion = client.chat.completions.create(model=model, messages=messages)
    body, _ = echoed(completion.choices[0].message.content)

    assert body["model"] == gateway.upstream_id(model)
    assert body["messages"] == messages


@pytest.mark.parametrize("family", FAMILIES)
def test_tool_call(gateway, client, family):
    model, _ = FAMILY_MODELS[family]
    completion = client.chat.completions.create(
        model=model, messages=[user(sim_prompt("tool_call", text="Weather in Paris?"))], tools=TOOLS
    )
    call = completion.choices[0].message.tool_calls[0]
    assert call.id
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)  # the schema's required field


# Each family's answer to tool_choice "required" (provider-apis.md §7.1): DeepSeek refuses it in thinking
# mode (V4's default) and takes it with thinking off; Kimi K2.x refuses it; GLM documents only "auto".
REQUIRED_TOOL_CHOICE = {"deepseek": {"thinking": {"type": "disabled"}}, "qwen": {}, "kimi": None, "glm": None}


@pytest.mark.parametrize("family", FAMILIES)
def test_tool_choice_required_gives_tool_call(gateway, client, family):
    model, _ = FAMILY_MODELS[family]
    extra = REQUIRED_TOOL_CHOICE[family]

    def create():
        return client.chat.completions.create(model=model, messages=[user(sim_prompt(text="Weather in Paris?"))], tools=TOOLS,
                                              tool_choice="required", extra_body=extra)

    if extra is None:
        with pytest.raises(openai.BadRequestError):
            create()
        return
    assert create().choices[0].message.tool_calls[0].function.name == "get_weather"


@pytest.mark.parametrize("family", FAMILIES)
def test_streamed_tool_call(gateway, client, family):
    model, _ = FAMILY_MODELS[family]
    stream = client.chat.completions.create(
        model=model, messages=[user(sim_prompt("tool_call", text="Weather in Paris?"))], tools=TOOLS, stream=True
    )
    name, arguments = "", ""
    for chunk in stream:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                assert call.index == 0
                if call.function:
                    name += call.function.name or ""
                    arguments += call.function.arguments or ""
    assert name == "get_weather"
    assert isinstance(json.loads(arguments)["city"], str)


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_only_headers_do_not_reach_client(gateway, stream):
    body = {"model": "deepseek-v4-flash", "messages": [user(sim_prompt(tokens=3))], "stream": stream}
    headers = {"authorization": f"Bearer {CLIENT_API_KEY}"}
    with httpx.stream("POST", f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30) as response:
        response.read()
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert "connection" not in response.headers
    assert [name for name in response.headers if name.lower().startswith("x-ratelimit-")] == []
