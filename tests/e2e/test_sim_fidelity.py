"""The simulator honours the chat request's contract as real client libraries use it (the OpenAI
SDK's structured outputs and tools, LangChain's ChatOpenAI), and each provider family's documented
differences (shared reference provider-apis.md §7), directly and through the gateway.

Everything runs against the fast, seeded simulator (`switchyard sim --fast --seed 7`), alone or
behind `switchyard serve --config examples/local.yaml`; nothing depends on timing."""

from __future__ import annotations

import json
from typing import Literal, Optional

import httpx
import openai
import pytest
from pydantic import BaseModel

from support import CLIENT_API_KEY, FAMILY_MODELS, user

FAMILIES = list(FAMILY_MODELS)
# Models that do not think by default, so every tool_choice and logprobs are allowed.
PLAIN = {"deepseek": "deepseek-v3.2", "qwen": "Qwen/Qwen3-Coder-30B", "glm": "glm-4-9b"}


class GetWeather(BaseModel):
    """Current weather for a city."""

    city: str
    unit: Literal["celsius", "fahrenheit"]


class GetTime(BaseModel):
    """Current time in a time zone."""

    zone: str


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    name: str
    age: int
    role: Literal["admin", "user", "guest"]
    tags: list[str]
    address: Address
    nickname: Optional[str]


WEATHER_TOOLS = [openai.pydantic_function_tool(GetWeather), openai.pydantic_function_tool(GetTime)]


@pytest.fixture(scope="module")
def sim_client(fast_sim):
    """The OpenAI SDK pointed straight at the simulator."""
    with openai.OpenAI(base_url=f"{fast_sim.url}/v1", api_key="sim", max_retries=0, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def gw(local_gateway):
    with local_gateway.client() as client:
        yield client


def post_sim(fast_sim, body: dict) -> httpx.Response:
    return httpx.post(f"{fast_sim.url}/v1/chat/completions", json=body, timeout=30)


def sse_events(response: httpx.Response) -> list[dict]:
    lines = [line[5:].strip() for line in response.text.split("\n") if line.startswith("data:")]
    return [json.loads(line) for line in lines if line != "[DONE]"]


# MARK: OpenAI SDK: structured output


@pytest.mark.parametrize("family", FAMILIES)
def test_parse_with_pydantic(gw, family):
    model, _ = FAMILY_MODELS[family]
    completion = gw.chat.completions.parse(model=model, messages=[user("Describe a person.")], response_format=Person)
    message = completion.choices[0].message
    assert isinstance(message.parsed, Person), message.content
    assert completion.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("family", FAMILIES)
def test_parse_streaming_with_pydantic(gw, family):
    model, _ = FAMILY_MODELS[family]
    deltas = 0
    with gw.chat.completions.stream(model=model, messages=[user("Describe a person.")], response_format=Person) as stream:
        for event in stream:
            if event.type == "content.delta":
                deltas += 1
        final = stream.get_final_completion()
    assert isinstance(final.choices[0].message.parsed, Person)
    assert deltas > 3, "structured output streams in fragments"


def test_json_object_is_a_json_object(sim_client):
    completion = sim_client.chat.completions.create(model="deepseek-v3.2", messages=[user("Reply in JSON.")],
                                                    response_format={"type": "json_object"})
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


# MARK: OpenAI SDK: tools


@pytest.mark.parametrize("family", list(PLAIN))
def test_tool_choice_variants(sim_client, family):
    model = PLAIN[family]

    def calls(prompt: str, **options):
        completion = sim_client.chat.completions.parse(model=model, messages=[user(prompt)], tools=WEATHER_TOOLS, **options)
        return completion.choices[0].message.tool_calls or []

    assert calls("Hello.") == []  # auto: nothing asks for a tool
    [call] = calls("What is the weather? [sim tool_call]")
    assert isinstance(call.function.parsed_arguments, GetWeather)  # strict: the schema is filled
    if family == "glm":
        # GLM documents only tool_choice "auto": anything else is refused, not ignored.
        with pytest.raises(openai.BadRequestError):
            calls("Hello.", tool_choice="required")
        return
    [call] = calls("Hello.", tool_choice="required")
    assert isinstance(call.function.parsed_arguments, GetWeather)
    [call] = calls("Hello.", tool_choice={"type": "function", "function": {"name": "GetTime"}})
    assert isinstance(call.function.parsed_arguments, GetTime)
    assert calls("[sim tool_call]", tool_choice="none") == []


def test_parallel_tool_calls(sim_client):
    def calls(model: str, **options) -> list:
        completion = sim_client.chat.completions.parse(model=model, messages=[user("Weather and time? [sim tool_calls=3]")],
                                                       tools=WEATHER_TOOLS, **options)
        assert completion.choices[0].finish_reason == "tool_calls"
        return completion.choices[0].message.tool_calls

    many = calls("deepseek-v3.2")
    assert len(many) == 3 and len({c.id for c in many}) == 3
    assert [type(c.function.parsed_arguments) for c in many] == [GetWeather, GetTime, GetWeather]
    assert len(calls("deepseek-v3.2", parallel_tool_calls=False)) == 1
    # Qwen: one call per response unless parallel_tool_calls is true.
    assert len(calls("Qwen/Qwen3-Coder-30B")) == 1
    assert len(calls("Qwen/Qwen3-Coder-30B", parallel_tool_calls=True)) == 3


@pytest.mark.parametrize("family", FAMILIES)
def test_tool_round_trip_through_the_gateway(gw, family):
    """A plain client that never sends reasoning_content back: the gateway's normalisations make
    DeepSeek and Kimi (thinking by default) and Qwen3 (non-streaming) work."""
    model, _ = FAMILY_MODELS[family]
    messages = [user("What is the weather in Paris? [sim tool_call]")]
    first = gw.chat.completions.parse(model=model, messages=messages, tools=WEATHER_TOOLS)
    [call] = first.choices[0].message.tool_calls
    assert isinstance(call.function.parsed_arguments, GetWeather)
    messages += [{"role": "assistant", "content": None,
                  "tool_calls": [{"id": call.id, "type": "function", "function": {"name": call.function.name, "arguments": call.function.arguments}}]},
                 {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"}]
    second = gw.chat.completions.create(model=model, messages=messages, tools=WEATHER_TOOLS)
    assert second.choices[0].finish_reason == "stop"
    assert "18 degrees and sunny" in second.choices[0].message.content


@pytest.mark.parametrize("model", ["deepseek-v4-flash", "kimi-k2.5"])
def test_thinking_tool_turn_without_reasoning_is_refused_upstream(fast_sim, model):
    """What the gateway's normalisation protects plain clients from: the provider's own 400."""
    body = {"model": model, "messages": [
        user("weather?"),
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "GetWeather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]}
    response = post_sim(fast_sim, body)
    assert response.status_code == 400 and "reasoning_content" in response.json()["error"]["message"]


# MARK: OpenAI SDK: sampling parameters


def test_n_choices(gw):
    completion = gw.chat.completions.create(model="deepseek-v3.2", messages=[user("Hi [sim tokens=5]")], n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert len({c.message.content for c in completion.choices}) > 1
    assert completion.usage.completion_tokens == 15


def test_n_choices_streaming(sim_client):
    stream = sim_client.chat.completions.create(model="deepseek-v3.2", messages=[user("Hi [sim tokens=4]")], n=3, stream=True)
    texts: dict[int, str] = {}
    for chunk in stream:
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
    assert sorted(texts) == [0, 1, 2] and all(texts.values())


def test_stop_sequence(sim_client):
    def answer(**options):
        return sim_client.chat.completions.create(model="deepseek-v3.2", messages=[user("Hi [sim tokens=30]")], seed=5, **options).choices[0]

    full = answer().message.content
    word = full.split(" ")[4]
    cut = answer(stop=[f" {word}"])
    assert full.startswith(cut.message.content) and f" {word}" not in cut.message.content
    assert len(cut.message.content) < len(full)
    assert cut.finish_reason == "stop"


def test_max_tokens_ends_with_length(sim_client):
    choice = sim_client.chat.completions.create(model="deepseek-v3.2", messages=[user("Hi [sim tokens=30]")], max_tokens=4).choices[0]
    assert choice.finish_reason == "length" and len(choice.message.content.split(" ")) == 4


def test_logprobs(sim_client):
    choice = sim_client.chat.completions.create(model="deepseek-v3.2", messages=[user("Hi [sim tokens=6]")], logprobs=True,
                                                top_logprobs=3).choices[0]
    entries = choice.logprobs.content
    assert "".join(e.token for e in entries) == choice.message.content
    assert all(e.logprob <= 0 and len(e.top_logprobs) == 3 and e.top_logprobs[0].token == e.token for e in entries)


def test_seed_determinism(gw):
    def answer(seed: int) -> str:
        return gw.chat.completions.create(model="glm-4-9b", messages=[user("Tell me something.")], seed=seed).choices[0].message.content

    assert answer(11) == answer(11) == answer(11)
    assert answer(11) != answer(12)


def test_stream_usage_counts_tool_arguments(sim_client):
    stream = sim_client.chat.completions.create(model="deepseek-v3.2", messages=[user("[sim tool_call]")], tools=WEATHER_TOOLS,
                                                stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    fragments = sum(len(c.choices[0].delta.tool_calls or []) for c in chunks if c.choices)
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == fragments


# MARK: Per family differences (provider-apis.md §7)


@pytest.mark.parametrize("model,fragmented", [("deepseek-v3.2", True), ("Qwen/Qwen3-Coder-30B", True), ("kimi-k2.5", True),
                                              ("glm-4-9b", False)])
def test_tool_arguments_stream_per_family(fast_sim, model, fragmented):
    body = {"model": model, "stream": True, "messages": [user("[sim tool_call]")],
            "tools": [openai.pydantic_function_tool(GetWeather)]}
    pieces = [call["function"]["arguments"] for event in sse_events(post_sim(fast_sim, body)) for choice in event["choices"]
              for call in choice["delta"].get("tool_calls") or []]
    assert (len(pieces) > 2) if fragmented else (len(pieces) == 1)
    GetWeather.model_validate_json("".join(pieces))


REFUSALS = [
    ("kimi-k2.5", {"n": 2}, None),
    ("kimi-k2.5", {"tools": WEATHER_TOOLS, "tool_choice": "required"}, None),
    ("deepseek-v4-flash", {"tools": WEATHER_TOOLS, "tool_choice": "required"}, "Thinking mode does not support this tool_choice"),
    ("deepseek-v4-flash", {"logprobs": True}, "logprobs"),
    ("Qwen/Qwen3-Coder-30B", {"response_format": {"type": "json_object"}}, "must contain the word 'json'"),
    ("Qwen/Qwen3-32B", {}, "enable_thinking must be set to false"),
    ("glm-5", {"stop": ["a", "b"]}, "1210"),
    ("glm-5", {"tools": WEATHER_TOOLS, "tool_choice": "required"}, "1210"),
]


@pytest.mark.parametrize("model,fields,text", REFUSALS)
def test_family_refuses_as_documented(fast_sim, model, fields, text):
    response = post_sim(fast_sim, {"model": model, "messages": [user("hello")], **fields})
    assert response.status_code == 400
    error = response.json()["error"]
    if model.startswith("kimi"):
        assert error["type"] == "invalid_request_error" and "code" not in error  # Kimi bodies carry type only
    if text:
        assert text in json.dumps(error, ensure_ascii=False)


@pytest.mark.parametrize("model,fields", [("kimi-k2.5", {"n": 2}), ("deepseek-v4-flash", {"logprobs": True})])
def test_refusal_reaches_the_client_as_invalid_request(gw, model, fields):
    with pytest.raises(openai.BadRequestError) as caught:
        gw.chat.completions.create(model=model, messages=[user("hello")], **fields)
    assert "rejected the request" in str(caught.value)


@pytest.mark.parametrize("model,thinks", [("deepseek-v4-flash", True), ("deepseek-v3.2", False), ("kimi-k2.5", True), ("glm-5", True),
                                          ("glm-4-9b", False)])
def test_reasoning_defaults_and_switch(fast_sim, model, thinks):
    def reasoning(extra: dict) -> bool:
        body = {"model": model, "messages": [user("[sim tokens=8]")], **extra}
        return "reasoning_content" in post_sim(fast_sim, body).json()["choices"][0]["message"]

    assert reasoning({}) == thinks
    if thinks:
        assert not reasoning({"thinking": {"type": "disabled"}})
    else:
        assert not reasoning({"thinking": {"type": "enabled"}})  # a model that cannot think does not


def test_glm_usage_has_no_completion_details_and_finish_reasons(fast_sim):
    usage = post_sim(fast_sim, {"model": "glm-5", "messages": [user("[sim tokens=8]")]}).json()["usage"]
    assert "completion_tokens_details" not in usage
    for reason in ["sensitive", "model_context_window_exceeded"]:
        body = {"model": "glm-5", "stream": True, "messages": [user(f"[sim tokens=8 finish={reason}]")]}
        reasons = [c["finish_reason"] for e in sse_events(post_sim(fast_sim, body)) for c in e["choices"] if c.get("finish_reason")]
        assert reasons == [reason]


def test_kimi_balance_fault_is_429(fast_sim):
    response = post_sim(fast_sim, {"model": "kimi-k2.5", "messages": [user("[sim fail=balance]")]})
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "exceeded_current_quota_error"


@pytest.mark.parametrize("family", FAMILIES)
def test_context_too_long_is_classified_per_family(gw, family):
    """Each family words "too long" its own way; the gateway's adapters all read it as
    context_length_exceeded, so routing can move to a model with a larger window."""
    model, _ = FAMILY_MODELS[family]
    with pytest.raises(openai.BadRequestError) as caught:
        gw.chat.completions.create(model=model, messages=[user("[sim fail=context_length]")], stream=False,
                                   extra_body={"enable_thinking": False} if family == "qwen" else None)
    assert caught.value.code == "context_length_exceeded", caught.value.body


# MARK: LangChain ChatOpenAI


@pytest.fixture(scope="module")
def chat_model(local_gateway):
    langchain_openai = pytest.importorskip("langchain_openai")

    def make(model: str, **options):
        return langchain_openai.ChatOpenAI(model=model, base_url=f"{local_gateway.url}/v1", api_key=CLIENT_API_KEY,
                                           max_retries=0, timeout=30, **options)
    return make


@pytest.mark.parametrize("family", FAMILIES)
def test_langchain_bind_tools_round_trip(chat_model, family):
    from langchain_core.messages import HumanMessage, ToolMessage

    model, _ = FAMILY_MODELS[family]
    llm = chat_model(model).bind_tools([GetWeather])
    question = HumanMessage("What is the weather in Paris? [sim tool_call]")
    ai = llm.invoke([question])
    [call] = ai.tool_calls
    GetWeather(**call["args"])  # required fields present, enum respected
    final = llm.invoke([question, ai, ToolMessage("18 degrees and sunny", tool_call_id=call["id"])])
    assert not final.tool_calls and "18 degrees and sunny" in final.content


@pytest.mark.parametrize("family", FAMILIES)
def test_langchain_structured_output(chat_model, family):
    model, _ = FAMILY_MODELS[family]
    person = chat_model(model).with_structured_output(Person).invoke("Describe a person.")
    assert isinstance(person, Person)


@pytest.mark.parametrize("family", ["deepseek", "qwen", "kimi"])
def test_langchain_streaming_tool_calls(chat_model, family):
    model, _ = FAMILY_MODELS[family]
    gathered = None
    chunks = 0
    for chunk in chat_model(model).bind_tools([GetWeather]).stream("Weather in Oslo? [sim tool_call]"):
        gathered = chunk if gathered is None else gathered + chunk
        chunks += 1
    [call] = gathered.tool_calls
    GetWeather(**call["args"])
    assert chunks > 3
