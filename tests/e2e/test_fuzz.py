"""Property-based fuzz of chat request bodies (Hypothesis) against one running gateway.

Bodies are valid-ish chat requests with mutated fields (wrong types, huge numbers, unicode,
nested junk, missing fields), or raw bytes derived from them (duplicate keys, truncated JSON,
non-JSON bytes, deep nesting, big strings, bodies over the size limit), sent with random headers
on one keep-alive connection. Every answer must be:

- a valid HTTP response, from a process that is still alive;
- for status >= 400, OpenAI's error shape {"error":{"message","type","param","code"}};
- never a 5xx made by the gateway itself: a 5xx is allowed only with an upstream code
  (`upstream_*`, `no_healthy_deployment`), and 500 `internal_error` is always a failure;
- what the request deserves, by a model of the gateway's documented checks (ChatRequest): a body
  that breaks a check gets 400 with that check's `code` and `param`; a body that passes them is
  not refused for them.

Bodies that can reach the simulator end their last user message with a fast directive, so valid
requests answer in milliseconds. SWITCHYARD_FUZZ_EXAMPLES / SWITCHYARD_FUZZ_AUTH_EXAMPLES change
the example counts (CI: 5,000 against the embedded default, plus a share with auth required).
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from support import FAST, Launcher, Process, add_fast_directive, check_error_shape, clean_env, write_config

EXAMPLES = int(os.environ.get("SWITCHYARD_FUZZ_EXAMPLES", "5000"))
AUTH_EXAMPLES = int(os.environ.get("SWITCHYARD_FUZZ_AUTH_EXAMPLES", "600"))
ADMIN_KEY = "fuzz-admin-key-0123456789abcdef"
MAX_BODY = 10 << 20  # server.max_body_bytes (default)
REQUEST_TIMEOUT_S = 30
# Exploration: record every kind of failure (one example each) instead of stopping at the first.
COLLECT = os.environ.get("SWITCHYARD_FUZZ_COLLECT") == "1"

# Codes of the gateway's own request checks (ChatRequest), which a body that passes them must
# never get, and the codes a 5xx may carry (the upstream's failure, never the gateway's).
CHECK_CODES = {"invalid_json", "missing_required_parameter", "invalid_type", "invalid_value", "empty_array"}
UPSTREAM_5XX = re.compile(r"^(upstream_[a-z_]+|no_healthy_deployment)$")
# Unicode White_Space (Swift's `properties.isWhitespace`): a model made only of these is refused.
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}
AUTO_MODELS = {"auto", "switchyard/auto"}


# MARK: Gateways


@dataclass
class Target:
    process: Process
    client: httpx.Client
    known_models: set[str]  # lowercased IDs and aliases that GET /v1/models lists
    keys: dict[str, str] = field(default_factory=dict)  # name -> secret (auth-required gateway)
    auth_required: bool = False
    stats: dict[str, int] = field(default_factory=dict)
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)  # SWITCHYARD_FUZZ_COLLECT=1 only

    def count(self, what: str) -> None:
        self.stats[what] = self.stats.get(what, 0) + 1


def make_target(process: Process, auth_required: bool = False) -> Target:
    client = httpx.Client(base_url=process.url, timeout=REQUEST_TIMEOUT_S)
    models = client.get("/v1/models").json()["data"]
    known = {name.lower() for m in models for name in [m["id"], *m["aliases"]]}
    return Target(process, client, known, auth_required=auth_required)


@pytest.fixture(scope="module")
def module_launcher(tmp_path_factory):
    launcher = Launcher(tmp_path_factory.mktemp("fuzz"))
    yield launcher
    launcher.stop_all()


@pytest.fixture(scope="module")
def embedded(module_launcher) -> Target:
    """The embedded default: every catalog model on the in-process simulator, auth off."""
    target = make_target(module_launcher.gateway())
    yield target
    target.client.close()


@pytest.fixture(scope="module")
def keyed(module_launcher, tmp_path_factory) -> Target:
    """Simulated deployments with auth required, one key for every model and one for a single model."""
    directory = tmp_path_factory.mktemp("fuzz-auth")
    config = write_config(directory, "fuzz-auth.yaml", f"""\
providers:
  - name: deepseek
    family: deepseek
    deployments:
      - {{name: fuzz-deepseek, simulated: true, models: {{deepseek-v4-flash: , deepseek-r1: }}}}
  - name: qwen
    family: qwen
    deployments:
      - {{name: fuzz-qwen, simulated: true, models: {{Qwen/Qwen3-32B: qwen3-32b, Qwen/Qwen3-VL-32B: qwen3-vl-32b}}}}
  - name: glm
    family: glm
    deployments:
      - {{name: fuzz-glm, simulated: true, models: {{glm-5: }}}}
auth: {{required: true, admin_key_env: SWITCHYARD_ADMIN_KEY}}
store: {{url: "sqlite:{directory / 'fuzz-auth.db'}"}}
""")
    process = module_launcher.gateway(config, clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    target = make_target(process, auth_required=True)
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for name, fields in {"all": {}, "flash-only": {"models": ["deepseek-v4-flash"]}}.items():
        r = target.client.post("/admin/keys", json={"name": f"fuzz-{name}", **fields}, headers=admin)
        assert r.status_code == 201, r.text
        target.keys[name] = r.json()["key"]
    yield target
    target.client.close()


# MARK: JSON with raw numbers and duplicate keys


class Raw(str):
    """JSON text written verbatim (numbers such as 1e999 or -0 that Python would not produce)."""


class Pairs(list):
    """A JSON object as (key, value) pairs, so that a key can appear twice."""


def dumps(value: Any, ascii_only: bool, compact: bool) -> str:
    comma, colon = (",", ":") if compact else (", ", ": ")
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Pairs):
        return "{" + comma.join(json.dumps(k, ensure_ascii=ascii_only) + colon + dumps(v, ascii_only, compact) for k, v in value) + "}"
    if isinstance(value, dict):
        return dumps(Pairs(value.items()), ascii_only, compact)
    if isinstance(value, list):
        return "[" + comma.join(dumps(v, ascii_only, compact) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)


# MARK: The model of the gateway's checks


@dataclass(frozen=True)
class Expected:
    kind: str  # "refused" (status, code, param fixed), "passes" (the checks pass), "unknown"
    status: int = 0
    code: str | None = None
    param: str | None = None
    stream: bool = False
    model: str | None = None
    fallbacks: tuple = ()
    max_output: int = 0


UNKNOWN = Expected("unknown")


class Duplicate(ValueError):
    pass


class RawNumber(str):
    """A number token as written, so that `1`, `1.0` and `1e0` stay different."""


def _pairs(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Duplicate(keys)
    return dict(pairs)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def _depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) < 0xE000 for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _refused(code: str, param: str | None = None, status: int = 400) -> Expected:
    return Expected("refused", status, code, param)


def _is_int_token(value: Any) -> int | None:
    if isinstance(value, RawNumber) and re.fullmatch(r"-?[0-9]+", value):
        n = int(value)
        return n if -(2**63) <= n < 2**63 and not (n < 0 and n == -(2**63)) else None
    return None


def expected(raw: bytes) -> Expected:
    """What the gateway's documented checks say about a chat body, in the order it checks."""
    if len(raw) > MAX_BODY:
        return _refused("request_too_large", status=413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return UNKNOWN  # invalid UTF-8 inside a string is not checked by the scanner
    openers = text.count("[") + text.count("{")
    depth = _depth(text) if openers > 100 else openers  # the scan is slow in Python: only when it can matter
    if 100 < depth < 200:
        return UNKNOWN  # around the depth limit (128): not what this fuzz is about
    if depth >= 200:
        return _refused("invalid_json")
    try:
        doc = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant, parse_int=RawNumber, parse_float=RawNumber)
    except (ValueError, RecursionError):
        return _refused("invalid_json")
    if _has_surrogate(doc):
        return UNKNOWN  # lone surrogates: decoded to U+FFFD by the gateway, kept by Python
    if not isinstance(doc, dict):
        return _refused("invalid_json")
    if "model" not in doc:
        return _refused("missing_required_parameter", "model")
    model = doc["model"]
    if not isinstance(model, str) or isinstance(model, RawNumber) or all(c in WHITE_SPACE for c in model):
        return _refused("invalid_type", "model")
    if len(model.encode()) > 256:
        return _refused("invalid_value", "model")
    if "messages" not in doc:
        return _refused("missing_required_parameter", "messages")
    messages = doc["messages"]
    if not isinstance(messages, list):
        return _refused("invalid_type", "messages")
    if not messages:
        return _refused("empty_array", "messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return _refused("invalid_type", f"messages[{i}]")
        role = message.get("role")
        if not isinstance(role, str) or isinstance(role, RawNumber):
            return _refused("invalid_type", f"messages[{i}].role")
    stream = doc.get("stream")
    if stream is not None and not isinstance(stream, bool):
        return _refused("invalid_type", "stream")
    options = doc.get("stream_options")
    if options is not None:
        if not isinstance(options, dict):
            return _refused("invalid_type", "stream_options")
        include = options.get("include_usage")
        if include is not None and not isinstance(include, bool):
            return _refused("invalid_type", "stream_options.include_usage")
    max_output = None
    for key in ["max_completion_tokens", "max_tokens"]:
        value = doc.get(key)
        if value is None:
            continue
        n = _is_int_token(value)
        if n is None or n < 0:
            return _refused("invalid_type", key)
        if n > 100_000_000:
            return _refused("invalid_value", key)
        max_output = n if max_output is None else max_output
    fallbacks = doc.get("models")
    if fallbacks is not None:
        if not isinstance(fallbacks, list):
            return _refused("invalid_type", "models")
        for i, name in enumerate(fallbacks):
            if not isinstance(name, str) or isinstance(name, RawNumber) or not name or len(name.encode()) > 256:
                return _refused("invalid_type", f"models[{i}]")
        if len(fallbacks) > 16:
            return _refused("invalid_value", "models")
    return Expected("passes", stream=bool(stream), model=model, fallbacks=tuple(fallbacks or ()), max_output=max_output or 0)


# MARK: Strategies

TEXT = st.text(max_size=24).filter(lambda s: "[sim" not in s)
SPECIAL_STRINGS = ["", " ", "\u3000", "\x00", "\\", '"', "null", "true", "1e999", "\ufeff", "\u202e", "😀" * 3, "a" * 300,
                   "deepseek-v4-flash ", "DEEPSEEK-V4-FLASH", "auto", "Qwen%2FQwen3-32B", "../../etc/passwd", "\r\n\r\n"]
RAW_NUMBERS = ["-0", "0.0", "1e999", "-1e999", "1E400", "1.5", "1e2", "100000001", "99999999999999999999999",
               "-9223372036854775808", "9223372036854775807", "9223372036854775808", "0.000000000000000000001", "-1"]
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT, st.sampled_from(SPECIAL_STRINGS), st.sampled_from(RAW_NUMBERS).map(Raw),
)
JUNK = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
                    max_leaves=6)
GOOD_MODELS = ["deepseek-v4-flash", "DeepSeek-V4-Flash", "deepseek-chat", "Qwen/Qwen3-32B", "qwen3-32b", "kimi-k2.5", "glm-5",
               "glm-4.6v", "deepseek-r1", "Qwen/Qwen3-VL-32B", "Qwen/Qwen3-Omni-30B", "auto", "switchyard/auto", "AUTO"]
ROLES = ["system", "user", "assistant", "tool", "developer"]
PARTS = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, TEXT),
    st.just({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}),
    st.just({"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}),
    st.builds(lambda t: {"type": t}, TEXT),
)
CONTENT = st.one_of(TEXT, st.lists(PARTS, max_size=3), st.none())
MESSAGE = st.builds(lambda role, content: {"role": role, "content": content}, st.sampled_from(ROLES), CONTENT)
TOOL = st.builds(lambda name, desc: {"type": "function", "function": {"name": name or "f", "description": desc,
                                                                        "parameters": {"type": "object", "properties": {}}}},
                 TEXT, TEXT)
OPTIONAL_FIELDS = {
    "stream": st.booleans(),
    "stream_options": st.builds(lambda u: {"include_usage": u}, st.booleans()),
    "max_tokens": st.integers(min_value=0, max_value=100_000_000),
    "max_completion_tokens": st.integers(min_value=0, max_value=2000),
    "temperature": st.floats(min_value=0, max_value=2),
    "top_p": st.floats(min_value=0, max_value=1),
    "n": st.integers(min_value=1, max_value=4),
    "stop": st.one_of(TEXT, st.lists(TEXT, max_size=3)),
    "tools": st.lists(TOOL, min_size=1, max_size=2),
    "tool_choice": st.sampled_from(["none", "auto", "required", {"type": "function", "function": {"name": "f"}}]),
    "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}]),
    "reasoning_effort": st.sampled_from(["low", "high"]),
    "thinking": st.sampled_from([{"type": "enabled"}, {"type": "disabled"}]),
    "enable_thinking": st.booleans(),
    "seed": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "user": TEXT,
    "models": st.lists(st.sampled_from(GOOD_MODELS + ["no-such-model"]), max_size=3),
    "x_unknown_field": JUNK,
}
# Values at the edges of the gateway's checks.
BOUNDARIES = [
    ("model", "m" * 256), ("model", "m" * 257), ("model", "é" * 128), ("model", "é" * 129), ("model", ""), ("model", " \t"),
    ("model", "\u3000"), ("model", "\u00a0glm-5"), ("model", "\u200b"),
    ("max_tokens", 100_000_000), ("max_tokens", 100_000_001), ("max_tokens", -1), ("max_tokens", Raw("-0")), ("max_tokens", Raw("1.0")),
    ("max_tokens", Raw("1e2")), ("max_tokens", 2**63), ("max_tokens", 0), ("max_completion_tokens", Raw("100000000.5")),
    ("max_completion_tokens", None), ("stream", None), ("stream", 0), ("stream", "true"), ("stream_options", None),
    ("stream_options", {}), ("stream_options", {"include_usage": None}), ("stream_options", {"include_usage": "yes"}),
    ("stream_options", []), ("models", ["glm-5"] * 16), ("models", ["glm-5"] * 17), ("models", ["m" * 257]), ("models", [""]),
    ("models", []), ("models", None), ("models", "glm-5"), ("messages", []), ("messages", [[]]), ("messages", [{"role": None}]),
    ("messages", [{"content": "hi"}]), ("messages", [{"role": 1, "content": "hi"}]),
]
CHECKED = ["model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "models"]


@st.composite
def valid_body(draw) -> dict:
    body: dict[str, Any] = {"model": draw(st.sampled_from(GOOD_MODELS))}
    history = draw(st.lists(MESSAGE, max_size=3))
    body["messages"] = [*history, {"role": "user", "content": draw(TEXT)}]
    for name in draw(st.lists(st.sampled_from(sorted(OPTIONAL_FIELDS)), max_size=5, unique=True)):
        body[name] = draw(OPTIONAL_FIELDS[name])
    return copy.deepcopy(body)  # sampled values are shared between examples: never mutate them


@st.composite
def mutated_body(draw) -> Any:
    body = draw(valid_body())
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["set", "set", "delete", "message", "message", "messages", "boundary", "root"]))
        if kind == "set":
            name = draw(st.sampled_from(CHECKED + ["temperature", "tools", "tool_choice", "n", "stop", "extra"]))
            body[name] = draw(st.one_of(JUNK, st.sampled_from(RAW_NUMBERS).map(Raw)))
        elif kind == "delete":
            body.pop(draw(st.sampled_from(["model", "messages", "stream"])), None)
        elif kind == "message" and isinstance(body.get("messages"), list) and body["messages"]:
            messages = body["messages"]
            index = draw(st.integers(min_value=0, max_value=len(messages) - 1))
            what = draw(st.sampled_from(["replace", "role", "no-role", "content", "insert", "extra"]))
            if what == "replace":
                messages[index] = draw(JUNK)
            elif isinstance(messages[index], dict):
                if what == "role":
                    messages[index]["role"] = draw(JUNK)
                elif what == "no-role":
                    messages[index].pop("role", None)
                elif what == "content":
                    messages[index]["content"] = draw(JUNK)
                elif what == "extra":
                    messages[index][draw(TEXT)] = draw(JUNK)
            if what == "insert":
                messages.insert(index, draw(st.one_of(JUNK, MESSAGE)))
        elif kind == "messages":
            body["messages"] = draw(st.one_of(st.builds(list), JUNK, st.lists(MESSAGE, max_size=2)))
        elif kind == "boundary":
            name, value = draw(st.sampled_from(BOUNDARIES))
            body[name] = copy.deepcopy(value)
        elif kind == "root" and draw(st.integers(min_value=0, max_value=9)) == 0:
            return draw(st.one_of(st.just(None).map(lambda _: [body]), SCALARS, st.builds(Pairs)))
    return body


def make_fast(body: Any) -> Any:
    """A copy of the body ending with a fast directive (see `add_fast_directive`)."""
    body = copy.deepcopy(body)
    add_fast_directive(body)
    return body


def render(body: Any, ascii_only: bool, compact: bool) -> bytes:
    return dumps(body, ascii_only, compact).encode("utf-8", errors="surrogatepass")


@st.composite
def raw_body(draw) -> bytes:
    """Bytes derived from a rendered body: broken, duplicated, nested, oversized or not JSON."""
    body = make_fast(draw(valid_body()))
    text = dumps(body, draw(st.booleans()), draw(st.booleans()))
    data = text.encode()
    # Byte edits stay out of the directive, so that a valid result still answers fast.
    directive = data.find(FAST.encode())
    message = data.rfind(b'{"role', 0, directive) if directive >= 0 else -1
    safe = [i for i in range(len(data) + 1) if message < 0 or not message < i < directive + len(FAST)]
    kind = draw(st.sampled_from(["truncate", "insert", "delete", "duplicate", "duplicate-escaped", "nested-duplicate", "garbage",
                                 "binary", "deep", "deep-ok", "big-string", "bom", "trailing", "whitespace", "empty",
                                 "too-large", "invalid-utf8", "nan", "lone-surrogate"]))
    if kind == "truncate":
        return data[: draw(st.sampled_from(safe))]
    if kind == "insert":
        at = draw(st.sampled_from(safe))
        return data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    if kind == "delete":
        at = draw(st.sampled_from(safe[:-1] or [0]))
        return data[:at] + data[at + 1:]
    if kind == "duplicate":
        name = draw(st.sampled_from(["model", "messages", "stream", "models", "max_tokens", "temperature"]))
        value = draw(st.sampled_from(['"kimi-k2.5"', '"deepseek-v4-flash"', "[]", "true", "1", "null"]))
        return b"{" + f'"{name}":{value},'.encode() + data[1:]
    if kind == "duplicate-escaped":
        return b'{"mo\\u0064el":"glm-5",' + data[1:]
    if kind == "nested-duplicate":
        return data[:-1] + b',"x_nested":{"a":1,"b":[{"c":1,"c":2}]}}'
    if kind == "garbage":
        return draw(st.binary(max_size=64))
    if kind == "binary":
        return draw(st.sampled_from([b"\x00" * 16, b"\xff\xfe{}", b"\x1f\x8b\x08\x00", b"PK\x03\x04", b"<?xml version='1.0'?>", b"model=glm-5"]))
    if kind in ("deep", "deep-ok"):
        depth = draw(st.integers(min_value=200, max_value=20_000)) if kind == "deep" else draw(st.integers(min_value=1, max_value=90))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return data[:-1] + b',"x_deep":' + (opener * depth + "1" + closer * depth).encode() + b"}"
    if kind == "big-string":
        # Parsing costs about 2 µs a byte in a debug build: big strings stay small here, and
        # one explicit example sends a megabyte.
        size = draw(st.sampled_from([1_000, 10_000, 60_000]))
        return data[:-1] + b',"x_big":"' + draw(st.sampled_from([b"x", "é".encode(), "中".encode(), b"\\n"])) * size + b'"}'
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "trailing":
        return data + draw(st.sampled_from([b"}", b",", b" {}", b"\x00", b"\n\n", b"[]"]))
    if kind == "whitespace":
        return b" \t\r\n" + data.replace(b",", b" ,\n ") + b" \n"
    if kind == "empty":
        return draw(st.sampled_from([b"", b" ", b"{}", b"[]", b"null", b'""']))
    if kind == "too-large" and draw(st.integers(min_value=0, max_value=3)) == 0:  # 10 MB a time: a few suffice
        return data[:-1] + b',"x_big":"' + b"y" * (MAX_BODY + 1) + b'"}'
    if kind == "too-large":
        return b"[" + b"y" * (MAX_BODY - 1)  # exactly at the limit: read, then refused at its second byte
    if kind == "invalid-utf8":
        at = data.find(b'"content":"')
        return data if at < 0 else data[: at + 11] + b"\xc3\x28\xff" + data[at + 11:]
    if kind == "nan":
        return data[:-1] + b',"temperature":' + draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"01", b".5", b"+1"])) + b"}"
    # lone-surrogate
    return data[:-1] + b',"user":"\\ud800x"}'


CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "application/xml", "*/*", "", "application/json; charset=latin-1", "🙂"]
HEADER_VALUE = st.binary(max_size=40).map(lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F)).map(lambda b: b.strip())


@st.composite
def headers(draw) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    content_type = draw(st.sampled_from(CONTENT_TYPES + [None]))
    if content_type is not None:
        out[b"content-type"] = content_type.encode()
    for name, values in [
        (b"x-request-id", st.one_of(st.sampled_from([b"fuzz-req-1", b"a" * 128, b"a" * 129, b"", b"r\xe9q"]), HEADER_VALUE)),
        (b"x-switchyard-region", st.one_of(st.sampled_from([b"local", b"global", b"nowhere", b"x" * 500]), HEADER_VALUE)),
        (b"x-switchyard-hint", st.one_of(st.sampled_from([b"reasoning", b"code", b"cheap", b""]), HEADER_VALUE)),
        (b"accept", st.sampled_from([b"application/json", b"text/event-stream", b"*/*", b"image/png"])),
        (b"content-encoding", st.sampled_from([b"gzip", b"identity", b"br"])),
        (b"authorization", st.one_of(st.sampled_from([b"Bearer ", b"Bearer sy-" + b"A" * 32, b"Basic Zm9vOmJhcg==", b"bearer  x"]), HEADER_VALUE)),
        (b"x-api-key", HEADER_VALUE),
        (b"x-fuzz-" + draw(st.sampled_from([b"a", b"b-c", b"_"])), HEADER_VALUE),
    ]:
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            out[name] = draw(values)
    return out


@st.composite
def requests(draw) -> tuple[str, bytes, dict[bytes, bytes], bool]:
    """(path, body bytes, headers, send chunked)."""
    source = draw(st.sampled_from(["valid", "mutated", "mutated", "mutated", "raw", "raw"]))
    if source == "raw":
        data = draw(raw_body())
    else:
        body = make_fast(draw(valid_body() if source == "valid" else mutated_body()))
        data = render(body, draw(st.booleans()), draw(st.booleans()))
    path = draw(st.sampled_from(["/v1/chat/completions", "/v1/chat/completions", "/chat/completions", "/v1/chat/completions?x=1&y"]))
    return path, data, draw(headers()), len(data) < 100_000 and draw(st.integers(min_value=0, max_value=9)) == 0


# MARK: Checking one answer


def check_answer(target: Target, want: Expected, response: httpx.Response, sent_headers: dict[bytes, bytes], auth: str,
                 size: int) -> None:
    status = response.status_code
    target.count(f"status {status}")
    error = check_error_shape(response) if status >= 400 else None
    code = error["code"] if error else None
    if error:
        target.count(f"code {code}")
    if status >= 500:
        assert status != 500 and code is not None and UPSTREAM_5XX.match(code), f"a 5xx made by the gateway: {status} {error}"

    request_id = sent_headers.get(b"x-request-id")
    answered_id = response.headers.get("x-request-id")
    assert answered_id, "every chat answer carries x-request-id"
    if request_id and len(request_id) <= 128 and all(0x20 < c < 0x7F for c in request_id):
        assert answered_id == request_id.decode(), (answered_id, request_id)

    if target.auth_required and auth in ("none", "bogus"):
        assert status == 401 and code == "invalid_api_key", (status, error)
        return
    if want.kind == "refused":
        assert (status, code, error["param"] if error else None) == (want.status, want.code, want.param), \
            f"expected {want.status} {want.code} param={want.param}, got {status} {error}"
        return
    if want.kind == "unknown":
        return
    # The body passes every check: any refusal must be for another reason.
    assert code not in CHECK_CODES, f"a body that passes the checks was refused: {status} {error}"
    model = want.model.lower()
    if status == 404:
        assert code == "model_not_found" and model not in target.known_models and model not in AUTO_MODELS, (status, error)
    elif model not in target.known_models and model not in AUTO_MODELS:
        assert False, f"unknown model {want.model!r} answered {status} {error}"
    if status == 400:
        big = size > 200_000 or want.max_output > 60_000
        allowed = {"model_not_found": any(name.lower() not in target.known_models for name in want.fallbacks),
                   "context_length_exceeded": big, "no_capable_model": model in AUTO_MODELS}
        # The simulated provider refuses what its family documents it refuses (Kimi n > 1, tool_choice
        # "required" in DeepSeek thinking mode, …): the gateway passes that on as the upstream's refusal.
        refused_upstream = error["message"].startswith("upstream ") and "rejected the request" in error["message"]
        assert allowed.get(code, False) or refused_upstream, f"unexpected 400 for a body that passes the checks: {error}"
    if status == 403:
        assert auth == "restricted" and code == "model_not_allowed", (status, error)
    if status == 200:
        content_type = response.headers.get("content-type", "")
        assert response.headers.get("x-switchyard-model"), response.headers
        if want.stream:
            assert content_type.startswith("text/event-stream"), content_type
            events = [line[5:].strip() for line in response.text.split("\n") if line.startswith("data:")]
            assert events, response.text[:500]
            for event in events[:-1]:
                json.loads(event)
            assert events[-1] == "[DONE]" or "error" in json.loads(events[-1]), response.text[-500:]
        else:
            assert content_type.startswith("application/json"), content_type
            assert isinstance(json.loads(response.content).get("choices"), list), response.text[:500]
            assert response.headers.get("x-switchyard-cost-usd"), response.headers
    assert status not in (401, 413), f"{status} for a body within the limit, with a valid key or none needed: {error}"


def send(target: Target, path: str, data: bytes, sent_headers: dict[bytes, bytes], chunked: bool, auth: str) -> httpx.Response:
    headers = {name: value.strip(b" \t") for name, value in sent_headers.items()}  # h11 refuses padded values
    if auth == "bogus":
        headers[b"authorization"] = b"Bearer sy-" + b"Z" * 32
    elif auth in ("all", "restricted"):
        headers[b"authorization"] = b"Bearer " + target.keys["all" if auth == "all" else "flash-only"].encode()
        headers.pop(b"x-api-key", None)
    elif target.auth_required:
        headers.pop(b"authorization", None)
        headers.pop(b"x-api-key", None)
    if chunked:
        pieces = [data[i:i + 997] for i in range(0, len(data), 997)] or [b""]
        content: Any = iter(pieces)
    else:
        content = data
    started = time.monotonic()
    try:
        response = target.client.post(path, content=content, headers=headers)
    except httpx.HTTPError as error:
        alive = target.process.popen.poll() is None
        raise AssertionError(f"no valid HTTP answer ({type(error).__name__}: {error}); gateway alive: {alive}\n"
                             f"{target.process.output()[-3000:]}") from error
    elapsed = time.monotonic() - started
    target.count("requests")
    if elapsed > 1:
        target.count("slow (>1 s)")
        if COLLECT:
            print(f"SLOW {elapsed:.2f} s: {response.status_code} {path} chunked={chunked} auth={auth} {len(data)} bytes {data[:200]!r}")
    return response


def run_one(target: Target, request: tuple[str, bytes, dict[bytes, bytes], bool], auth: str = "none") -> None:
    path, data, sent_headers, chunked = request
    want = expected(data)
    response = send(target, path, data, sent_headers, chunked, auth)
    assert target.process.popen.poll() is None, f"the gateway died (exit {target.process.popen.returncode}):\n{target.process.output()[-4000:]}"
    try:
        check_answer(target, want, response, sent_headers, auth, len(data))
    except AssertionError as failure:
        body = data if len(data) <= 600 else data[:300] + b"..." + data[-200:]
        detail = (f"{failure}\n  request: POST {path} chunked={chunked} auth={auth} headers={sent_headers!r}\n"
                  f"  body ({len(data)} bytes): {body!r}\n  expected: {want}\n"
                  f"  answer: {response.status_code} {response.headers.get('content-type')} {response.content[:400]!r}")
        if not COLLECT:
            raise AssertionError(detail) from None
        # Exploration mode: remember one example per kind of failure and go on.
        signature = re.sub(r"req_[0-9a-f]+", "req_…", f"{str(failure).splitlines()[0][:90]} | {response.status_code}")
        count, first = target.failures.get(signature, (0, detail))
        target.failures[signature] = (count + 1, first)


# CI is reproducible (derandomized); SWITCHYARD_FUZZ_SEED=N explores other examples.
FUZZ_SEED = os.environ.get("SWITCHYARD_FUZZ_SEED")


def fuzz_settings(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=FUZZ_SEED is None, database=None, print_blob=True,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                           HealthCheck.large_base_example])


def report(name: str, target: Target, started: float) -> None:
    stats = ", ".join(f"{k}: {v}" for k, v in sorted(target.stats.items()))
    print(f"\nFUZZ {name}: {target.stats.get('requests', 0)} requests in {time.monotonic() - started:.1f} s ({stats})")
    for signature, (count, detail) in target.failures.items():
        print(f"\nFAILURE x{count}: {signature}\n{detail}")
    assert not target.failures, f"{len(target.failures)} kinds of failure"


def assert_alive(target: Target) -> None:
    assert target.process.popen.poll() is None, target.process.output()[-4000:]
    assert httpx.get(f"{target.process.url}/healthz", timeout=5).status_code == 200


# MARK: Tests


# A megabyte of prompt: read, parsed and refused as too long for every model's context.
BIG_PROMPT = json.dumps({"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "word " * 200_000 + FAST}]}).encode()


def test_fuzz_chat_bodies_embedded_default(embedded):
    started = time.monotonic()

    @fuzz_settings(EXAMPLES)
    @seed(int(FUZZ_SEED or 0))
    @given(requests())
    @example(("/v1/chat/completions", BIG_PROMPT, {b"content-type": b"application/json"}, False))
    @example(("/v1/chat/completions", BIG_PROMPT, {}, True))
    def fuzz(request):
        run_one(embedded, request)

    try:
        fuzz()
    finally:
        report("embedded default (auth off)", embedded, started)
    assert_alive(embedded)
    assert embedded.stats.get("requests", 0) >= EXAMPLES


def test_fuzz_chat_bodies_auth_required(keyed):
    started = time.monotonic()

    @fuzz_settings(AUTH_EXAMPLES)
    @seed(int(FUZZ_SEED or 0))
    @given(requests(), st.sampled_from(["all", "all", "restricted", "none", "bogus"]))
    def fuzz(request, auth):
        run_one(keyed, request, auth)

    try:
        fuzz()
    finally:
        report("auth required", keyed, started)
    assert_alive(keyed)
