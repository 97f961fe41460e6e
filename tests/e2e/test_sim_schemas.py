"""Property test: for random JSON Schemas, the simulator's structured output
(`response_format: json_schema`) and its tool-call arguments always validate against the schema
(checked with `jsonschema`, Draft 2020-12). Schemas are drawn from what the simulator promises to
honour: types, enums, const, nested objects and arrays, required/optional properties, bounds,
lengths, `anyOf` with null, and `$ref` into `$defs`."""

from __future__ import annotations

import json

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
SCALARS = st.one_of(st.integers(-1000, 1000), st.booleans(), st.none(), st.text(max_size=8))


@st.composite
def string_schema(draw) -> dict:
    schema: dict = {"type": "string"}
    kind = draw(st.sampled_from(["plain", "length", "format", "enum"]))
    if kind == "length":
        low = draw(st.integers(0, 20))
        schema["minLength"] = low
        if draw(st.booleans()):
            schema["maxLength"] = low + draw(st.integers(0, 10))
    elif kind == "format":
        schema["format"] = draw(st.sampled_from(["date-time", "date", "email", "uri", "uuid"]))
    elif kind == "enum":
        schema["enum"] = draw(st.lists(st.text(max_size=10), min_size=1, max_size=5, unique=True))
    return schema


@st.composite
def integer_schema(draw) -> dict:
    schema: dict = {"type": "integer"}
    low = draw(st.integers(-10_000, 10_000))
    step = draw(st.sampled_from([None, 1, 2, 5, 7]))
    if draw(st.booleans()):
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = low + 2 * (step or 1) + draw(st.integers(0, 1000))
    if step:
        schema["multipleOf"] = step
    return schema


@st.composite
def number_schema(draw) -> dict:
    schema: dict = {"type": "number"}
    low = draw(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
    if draw(st.booleans()):
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = low + draw(st.floats(1, 1e4))
    return schema


LEAVES = st.one_of(
    string_schema(), integer_schema(), number_schema(),
    st.just({"type": "boolean"}), st.just({"type": "null"}),
    st.builds(lambda values: {"enum": values}, st.lists(SCALARS, min_size=1, max_size=4, unique_by=json.dumps)),
    st.builds(lambda value: {"const": value}, SCALARS),
)


def object_schema(children) -> st.SearchStrategy:
    @st.composite
    def build(draw) -> dict:
        properties = draw(st.dictionaries(NAMES, children, max_size=5))
        required = [name for name in properties if draw(st.booleans())]
        schema = {"type": "object", "properties": properties, "required": required}
        if draw(st.booleans()):
            schema["additionalProperties"] = False
        return schema
    return build()


def array_schema(children) -> st.SearchStrategy:
    @st.composite
    def build(draw) -> dict:
        schema = {"type": "array", "items": draw(children)}
        low = draw(st.integers(0, 3))
        if draw(st.booleans()):
            schema["minItems"] = low
        if draw(st.booleans()):
            schema["maxItems"] = low + draw(st.integers(0, 3))
        return schema
    return build()


SCHEMAS = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        object_schema(children), array_schema(children),
        st.builds(lambda s: {"anyOf": [s, {"type": "null"}]}, children),
        st.builds(lambda s: {"type": [s["type"], "null"]} | {k: v for k, v in s.items() if k != "type"}, st.one_of(integer_schema(), string_schema())),
    ),
    max_leaves=12,
)


@st.composite
def top_schema(draw) -> dict:
    """An object schema (tool parameters must be one), sometimes with a `$ref` into `$defs`."""
    schema = draw(object_schema(SCHEMAS))
    if draw(st.booleans()):
        schema["$defs"] = {"Shared": draw(SCHEMAS)}
        schema["properties"]["shared"] = {"$ref": "#/$defs/Shared"}
        if draw(st.booleans()):
            schema["required"].append("shared")
    return schema


@pytest.fixture(scope="module")
def http(fast_sim):
    with httpx.Client(base_url=f"{fast_sim.url}/v1", timeout=30) as client:
        yield client


def validate(schema: dict, text: str) -> None:
    instance = json.loads(text)
    jsonschema.Draft202012Validator(schema).validate(instance)


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(schema=top_schema(), stream=st.booleans())
def test_structured_output_and_tool_arguments_validate(http, schema, stream):
    jsonschema.Draft202012Validator.check_schema(schema)
    structured = {"model": "deepseek-v3.2", "messages": [{"role": "user", "content": "data"}], "stream": stream,
                  "response_format": {"type": "json_schema", "json_schema": {"name": "out", "strict": True, "schema": schema}}}
    tools = {"model": "Qwen/Qwen3-Coder-30B", "messages": [{"role": "user", "content": "call it"}], "stream": stream,
             "tools": [{"type": "function", "function": {"name": "f", "parameters": schema}}], "tool_choice": "required"}
    for body in (structured, tools):
        response = http.post("/chat/completions", json=body)
        assert response.status_code == 200, response.text
        if stream:
            events = [json.loads(line[5:]) for line in response.text.split("\n") if line.startswith("data:") and line != "data: [DONE]"]
            deltas = [c["delta"] for e in events for c in e["choices"]]
            content = "".join(d.get("content") or "" for d in deltas)
            arguments = "".join(call["function"].get("arguments") or "" for d in deltas for call in d.get("tool_calls") or [])
        else:
            message = response.json()["choices"][0]["message"]
            content = message["content"] or ""
            arguments = "".join(call["function"]["arguments"] for call in message.get("tool_calls") or [])
        validate(schema, arguments if body is tools else content)
