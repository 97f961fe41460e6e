"""Schemathesis against the gateway's own OpenAPI document (GET /openapi.json), bounded.

One embedded-default gateway with the admin API on. Every operation of the document gets its
explicit examples, coverage cases and up to SWITCHYARD_SCHEMATHESIS_EXAMPLES fuzzed cases
(positive and negative). Every answer must pass Schemathesis' checks (status codes, content
types, headers and bodies as documented, valid data accepted, invalid data refused, auth
enforced, undeclared methods refused with 405) and ours: a gateway error has OpenAI's shape, no
5xx comes from the gateway itself (only upstream codes), and the process stays alive.

Where the document cannot state a rule in JSON Schema (a cross-field or clock-dependent rule,
strings trimmed before they are checked), the Schemathesis check that would misread it is
replaced on that operation by a stricter one of ours, each explained where it is defined.

The served document must equal the one in OpenAPIDocument.swift. SWITCHYARD_OPENAPI_FROM_SOURCE=1
tests the source file's document instead (while editing it, against a binary built earlier).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis.specs.openapi import checks as openapi_checks

from support import REPO_ROOT, Launcher, Process, add_fast_directive, check_error_shape, check_messages_error_shape, clean_env

ADMIN_KEY = "schemathesis-admin-key-0123456789abcdef"
EXAMPLES = int(os.environ.get("SWITCHYARD_SCHEMATHESIS_EXAMPLES", "40"))
UPSTREAM_5XX = re.compile(r"^(upstream_[a-z_]+|no_healthy_deployment)$")
SWIFT_SOURCE = REPO_ROOT / "Sources/SwitchyardGateway/Server/OpenAPIDocument.swift"
CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
MESSAGES_PATHS = ("/v1/messages", "/v1/messages/count_tokens")
KEY_FIELDS = {"name", "team", "models", "region", "rpm", "tpm", "budget_usd", "budget_period", "expires_at", "expires_in_days"}
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

CALLS: Counter[str] = Counter()


def document_in_source(path: Path = SWIFT_SOURCE) -> dict:
    """The document as written in OpenAPIDocument.swift (a raw string literal)."""
    text = path.read_text()
    start = text.index('#"""\n') + 5
    end = text.rindex('\n"""#')
    return json.loads(text[start:end])


def routes_in_source() -> set[tuple[str, str]]:
    """(method, path) of every route the gateway's sources register: the router's, and the chat
    paths ChatFrontHandler answers ahead of it. The dashboard's HTML pages (a router group under
    /dashboard, `pages.get(…)`) are not part of the JSON API and not in its document."""
    sources = REPO_ROOT / "Sources/SwitchyardGateway"
    found: set[tuple[str, str]] = set()
    for file in sources.rglob("*.swift"):
        for method, route in re.findall(r'router\.(get|post|put|patch|delete)\("([^"]+)"', file.read_text()):
            found.add((method.upper(), re.sub(r":(\w+)", r"{\1}", route).replace("/**", "/{id}")))
    chat = re.search(r"static let paths: Set<String> = \[([^\]]+)\]", (sources / "Server/ChatFrontHandler.swift").read_text())
    assert chat and found, "the route scan no longer finds the routes: update routes_in_source()"
    found |= {("POST", route) for route in re.findall(r'"([^"]+)"', chat.group(1))}
    return found


def test_openapi_document_is_valid_and_covers_every_route():
    from openapi_spec_validator import validate

    document = document_in_source()
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert documented == routes_in_source()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Process:
    launcher = Launcher(tmp_path_factory.mktemp("schemathesis"))
    process = launcher.gateway(env=clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    yield process
    launcher.stop_all()


@pytest.fixture(scope="module")
def api_schema(gateway):
    config = schemathesis.Config.from_dict({
        "seed": 20261201,
        "base-url": gateway.url,
        "request-timeout": 30,
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "auth": {"openapi": {"adminKey": {"bearer": ADMIN_KEY}, "adminKeyHeader": {"api_key": ADMIN_KEY}}},
        # The stateful phase (links between operations) is not run by the pytest integration.
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    })
    if os.environ.get("SWITCHYARD_OPENAPI_FROM_SOURCE") == "1":
        return schemathesis.openapi.from_dict(document_in_source(), config=config)
    served = httpx.get(f"{gateway.url}/openapi.json", timeout=10)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"].startswith("application/json"), served.headers
    assert served.json() == document_in_source(), "GET /openapi.json differs from OpenAPIDocument.swift (rebuild the binary)"
    return schemathesis.openapi.from_url(f"{gateway.url}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _schemathesis_node_id(request):
    """Schemathesis' lazy schemas rename the test node through `node._nodeid`, which pytest 9
    no longer has (it reads `nodeid`): give it one to rename."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def fast_chat(case) -> None:
    """Valid chat bodies reach the simulator: end the last user message with a fast directive,
    so that an answer takes milliseconds, not the simulated second or two."""
    add_fast_directive(case.body)


def header(response, name: str) -> str:
    values = response.headers.get(name) or [""]  # Schemathesis keeps every value of a header
    return values[0] if isinstance(values, list) else values


def check_gateway_answer(response, process: Process, messages: bool = False) -> dict | None:
    """Our checks on every answer; returns the error object of an error answer. The Messages
    door answers in Anthropic's shape, whose errors carry a type and no code: a 5xx there must
    be one the upstream side can cause (502, 504, 529), never a 500."""
    assert process.popen.poll() is None, f"the gateway died (exit {process.popen.returncode}):\n{process.output()[-4000:]}"
    status = response.status_code
    CALLS[f"status {status}"] += 1
    if status < 400:
        return None
    if messages:
        error = check_messages_error_shape(response)
        assert status in (400, 401, 403, 404, 408, 413, 429, 502, 504, 529), f"unexpected status {status} {error}"
        CALLS[f"messages {error['type']}"] += 1
        return error
    error = check_error_shape(response)
    if status >= 500:
        assert status != 500 and error["code"] and UPSTREAM_5XX.match(error["code"]), f"a 5xx made by the gateway: {status} {error}"
    CALLS[f"code {error['code']}"] += 1
    return error


def written_as_fraction(case, param: str | None) -> bool:
    """A whole number written with a fraction (`1.0`): an integer to JSON Schema, but the
    gateway's integer fields take digits only (reported; tolerated here)."""
    body = case.body if isinstance(case.body, dict) else {}
    return param in body and isinstance(body[param], float)


def check_valid_chat_refusal(case, error: dict) -> None:
    """Replaces positive_data_acceptance on the chat operations, where a body that matches the
    schema can still be refused with 400 for reasons no JSON Schema can state: the prompt plus
    `max_tokens` exceeds the model's context window (`context_length_exceeded`), a fallback in
    `models` is not in the catalog (`model_not_found`, param `models[i]`), or no served model
    has what `auto` needs (`no_capable_model`). Any other 400 for a schema-valid body — above
    all one of the gateway's own field checks — is a failure."""
    body = case.body if isinstance(case.body, dict) else {}
    code, param = error["code"], error["param"] or ""
    if code == "invalid_type" and written_as_fraction(case, param):
        return
    limit = max(body.get("max_tokens") or 0, body.get("max_completion_tokens") or 0)
    allowed = {
        "context_length_exceeded": limit > 60_000 or len(json.dumps(body)) > 200_000,
        "model_not_found": param.startswith("models["),
        "no_capable_model": str(body.get("model", "")).lower() in ("auto", "switchyard/auto"),
    }
    # The simulated provider refuses what its family documents it refuses (Kimi n > 1, a response_format
    # type it does not know, …): the gateway passes that on as the upstream's refusal.
    refused_upstream = error["message"].startswith("upstream ") and "rejected the request" in error["message"]
    assert allowed.get(code, False) or refused_upstream, f"a body valid by the document was refused: {error}"


def check_valid_messages_refusal(case, error: dict) -> None:
    """Replaces positive_data_acceptance on the Messages operations. Their content-block schemas
    are deliberately loose (any object with a `type`): the block types and fields the
    translation cannot carry are refused with 400 naming them, as are the cross-field rules no
    JSON Schema states (`tool_choice` `any`/`tool` need tools, `tool` needs `name`, enabled
    thinking needs `budget_tokens`) and lengths counted in bytes. Such a refusal must be an
    `invalid_request_error` whose message names a field."""
    assert error["type"] == "invalid_request_error", f"a Messages body valid by the document got {error}"
    assert re.match(r"^[A-Za-z_]", error["message"]), error


def check_valid_key_refusal(case, error: dict) -> None:
    """Replaces positive_data_acceptance on POST /admin/keys (and PATCH): a body valid by the schema is
    refused only for what JSON Schema cannot state — a `models` entry that is not in this
    gateway's catalog, an `expires_at` in the past or given with `expires_in_days` (even null),
    a `budget_period` without `budget_usd`."""
    message, param = error["message"], error["param"]
    allowed = written_as_fraction(case, param) \
        or (param == "models" and "neither a catalog model nor a family" in message) \
        or (param == "expires_at" and ("in the past" in message or "not both" in message)) \
        or (param == "budget_period" and "needs 'budget_usd'" in message)
    assert allowed, f"a key request valid by the document was refused: {error}"


def check_created_key(case, response) -> None:
    """Replaces negative_data_rejection on POST /admin/keys. The gateway trims strings before
    checking them and reads null as absent, so a body the schema calls invalid (`" x"` as a
    region, a 130-character name that is 128 once trimmed) can be a valid request. What it must
    never do is store what its rules forbid: every created key is checked as stored."""
    body = case.body if isinstance(case.body, dict) else {}
    assert not set(body) - KEY_FIELDS, f"unknown fields accepted: {set(body) - KEY_FIELDS}"
    key = json.loads(response.content)
    assert re.fullmatch(r"sy-[0-9A-Za-z]{32}", key["key"]), key
    assert isinstance(key["name"], str) and 0 < len(key["name"]) <= 128 and not CONTROL.search(key["name"]), key
    assert key["name"] == key["name"].strip(), key
    assert key["team"] is None or (0 < len(key["team"]) <= 128 and not CONTROL.search(key["team"])), key
    assert key["region"] is None or re.fullmatch(r"[A-Za-z0-9._-]{1,64}", key["region"]), key
    assert key["rpm"] is None or 1 <= key["rpm"] <= 10_000_000, key
    assert key["tpm"] is None or 1 <= key["tpm"] <= 10_000_000_000, key
    if key["budget_usd"] is not None:
        assert 0 < Decimal(key["budget_usd"]) <= 9_000_000, f"stored budget {key['budget_usd']} from {body.get('budget_usd')!r}"
        assert key["budget_period"] in ("day", "month", "total"), key


def is_calendar_day(text: str) -> bool:
    """Whether the leading YYYY-MM-DD of `text` is a day that exists (the pattern allows the 31st of
    every month and 29 February of every year)."""
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= day <= [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def check_valid_usage_refusal(case, error: dict) -> None:
    """Replaces positive_data_acceptance on GET /admin/usage: `from` must be before `to`
    (defaults: the start of this month, and now), and a day must exist in the calendar; no
    schema of one parameter can state either."""
    param = error["param"]
    value = (case.query or {}).get(param) if param in ("from", "to") else None
    if isinstance(value, str) and not is_calendar_day(value):
        assert "ISO 8601" in error["message"], error
        return
    assert param == "from" and "before 'to'" in error["message"], f"a usage query valid by the document was refused: {error}"


def check_valid_embeddings_refusal(case, error: dict) -> None:
    """Replaces positive_data_acceptance on POST /v1/embeddings: a body valid by the schema is
    refused only for what no JSON Schema of this document states — a model that is not in the
    catalog or does not create embeddings, a fallback that is not in the catalog, a family's own
    limits (Qwen: at most 10 inputs, text only), a model name of whitespace or over 256 bytes,
    or a whole number written with a fraction."""
    body = case.body if isinstance(case.body, dict) else {}
    code, param = error["code"], error["param"] or ""
    allowed = code in ("model_not_found", "no_capable_model", "invalid_request") \
        or ((param == "model" or param.startswith("models")) and code in ("invalid_type", "invalid_value")) \
        or (code == "invalid_type" and (written_as_fraction(case, param) or "." in json.dumps(body.get("input"))))
    assert allowed, f"an embeddings request valid by the document was refused: {error}"


def check_valid_file_refusal(case, error: dict) -> None:
    """Replaces positive_data_acceptance on POST /v1/files: any bytes are a valid `file` to JSON
    Schema, but a batch input file must hold one JSON request per line; the refusal must name
    the line (or say the file holds no request)."""
    message = error["message"]
    assert error["param"] == "file" and (message.startswith("Line ") or "no requests" in message), \
        f"an upload valid by the document was refused: {error}"


def check_valid_batch_refusal(case, error: dict) -> None:
    """Replaces positive_data_acceptance on POST /v1/batches: a body valid by the schema names an
    input file, which must be one the caller uploaded (a generated ID is not found), and the
    metadata keys `switchyard_max_cost_usd` and `switchyard_window` must hold what they mean."""
    param = error["param"] or ""
    assert (error["code"] == "file_not_found" and param == "input_file_id") or param.startswith("metadata.switchyard_"), \
        f"a batch valid by the document was refused: {error}"


@schema.parametrize()
def test_gateway_meets_its_openapi_document(case, gateway):
    declared = case.method.upper() == case.operation.method.upper()  # else an undeclared-method probe
    chat = declared and case.path in CHAT_PATHS
    messages = declared and case.path in MESSAGES_PATHS
    if chat or messages:
        fast_chat(case)
    response = case.call()
    CALLS["calls"] += 1
    CALLS[f"{case.method.upper()} {case.path}"] += 1
    error = check_gateway_answer(response, gateway, messages=messages)
    positive = case.meta is not None and case.meta.generation.mode == schemathesis.GenerationMode.POSITIVE
    refused = error is not None and response.status_code == 400
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    excluded = []
    if chat:
        excluded.append(openapi_checks.positive_data_acceptance)
        if refused and positive:
            check_valid_chat_refusal(case, error)
    elif messages:
        excluded.append(openapi_checks.positive_data_acceptance)
        if refused and positive:
            check_valid_messages_refusal(case, error)
    elif declared and operation == "POST /admin/keys":
        excluded += [openapi_checks.positive_data_acceptance, openapi_checks.negative_data_rejection]
        if refused and positive:
            check_valid_key_refusal(case, error)
        if response.status_code == 201:
            check_created_key(case, response)
    elif declared and operation == "POST /admin/key-imports":
        # Free text (JSON Lines): most strings a generator makes are not keys. A refusal must name
        # the line (or say the body has no keys); an import answers every key with its line.
        excluded.append(openapi_checks.positive_data_acceptance)
        if refused:
            message = error["message"]
            assert message.startswith("Line ") or "has no keys" in message or message.startswith("At most"), message
        if response.status_code == 201:
            for entry in response.json()["data"]:
                assert entry["line"] >= 1 and entry["key"].startswith("sy-"), entry
    elif declared and operation == "PATCH /admin/keys/{id}":
        # The same field checks as a new key's (trimmed strings, null clears); the IDs generated
        # are almost never a key's, so most valid bodies end in 404 `key_not_found`.
        excluded += [openapi_checks.positive_data_acceptance, openapi_checks.negative_data_rejection]
        if refused and positive:
            check_valid_key_refusal(case, error)
    elif declared and operation == "POST /v1/embeddings":
        excluded.append(openapi_checks.positive_data_acceptance)
        if error is not None and positive and response.status_code in (400, 404):
            check_valid_embeddings_refusal(case, error)
    elif declared and operation == "POST /v1/files":
        excluded.append(openapi_checks.positive_data_acceptance)
        if refused and positive:
            check_valid_file_refusal(case, error)
    elif declared and operation == "POST /v1/batches":
        excluded.append(openapi_checks.positive_data_acceptance)
        if error is not None and positive and response.status_code in (400, 404):
            check_valid_batch_refusal(case, error)
    elif declared and operation == "GET /admin/usage":
        excluded.append(openapi_checks.positive_data_acceptance)
        if refused and positive:
            check_valid_usage_refusal(case, error)
    elif declared and operation == "POST /admin/reload":
        # The embedded default has no file to re-read: 409 is its answer to a valid request.
        excluded.append(openapi_checks.positive_data_acceptance)
        if response.status_code == 409:
            assert error is not None and error["code"] == "no_config_file", error
    for name in filter(None, os.environ.get("SWITCHYARD_SCHEMATHESIS_EXCLUDE", "").split(",")):  # exploration only
        excluded.append(getattr(openapi_checks, name))
    case.validate_response(response, excluded_checks=excluded)


def test_schemathesis_summary(gateway):
    """Runs after the operations (file order): prints the counts and checks the process."""
    print(f"\nSCHEMATHESIS: {CALLS['calls']} calls; " + ", ".join(f"{k}: {v}" for k, v in sorted(CALLS.items()) if k != "calls"))
    assert CALLS["calls"] > 0, "Schemathesis made no calls"
    assert gateway.popen.poll() is None, gateway.output()[-4000:]
    assert httpx.get(f"{gateway.url}/healthz", timeout=5).status_code == 200
