"""POST /v1/embeddings end to end with the OpenAI SDK: deterministic unit vectors from the
simulator, float and base64, `dimensions`, token arrays, failover to a fallback model, the
key's models, budget and rate limit, and one ledger row per call with the cost the client saw."""

import math
from decimal import Decimal

import httpx
import openai
import pytest

from hostile import PUSD, Raw, admin_headers, avoid_minute_boundary, create_key, env, to_yaml, wait_for_rows
from support import check_error_shape, free_port

QWEN = "text-embedding-v4"


@pytest.fixture(scope="module")
def setup(tmp_path_factory, session_launcher):
    directory = tmp_path_factory.mktemp("embeddings")
    db = directory / "ledger.db"
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there: connect refused
    config = {
        "models": [
            # A self-hosted embeddings model behind an OpenAI-compatible server: takes token arrays.
            {"id": "local-embed", "family": "openai", "context_window": 8192, "capabilities": ["embeddings"],
             "pricing": {"input": Raw("0.02"), "output": Raw("0")}},
            {"id": "dead-embed", "family": "openai", "context_window": 8192, "capabilities": ["embeddings"],
             "pricing": {"input": Raw("0.02"), "output": Raw("0")}},
        ],
        "providers": [
            {"name": "qwen", "family": "qwen", "deployments": [
                {"name": "sim-qwen", "simulated": True, "models": {QWEN: QWEN, "Qwen/Qwen3-32B": "Qwen/Qwen3-32B"}}]},
            {"name": "local", "family": "openai", "deployments": [
                {"name": "sim-local", "simulated": True, "models": {"local-embed": "local-embed"}},
                {"name": "dead-local", "base_url": dead, "models": {"dead-embed": "dead-embed"}}]},
        ],
        "routing": {"retry": {"max_attempts": 3, "initial_backoff_ms": 1, "max_backoff_ms": 5},
                    "models": {"dead-embed": {"fallbacks": ["local-embed"]}}},
        "auth": {"required": True, "admin_key_env": "SWITCHYARD_ADMIN_KEY"},
        "store": {"url": f"sqlite:{db}", "sync_ms": 100},
        "ledger": {"flush_ms": 20},
    }
    path = directory / "embeddings.yaml"
    path.write_text(to_yaml(config) + "\n")
    gateway = session_launcher.gateway(path, env())
    secret, key_id = create_key(gateway.url)
    return gateway, db, secret, key_id


def client_for(gateway, secret: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=secret, max_retries=0, timeout=30)


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))


def test_strings_float_and_base64_give_the_same_deterministic_unit_vectors(setup):
    gateway, db, secret, key_id = setup
    client = client_for(gateway, secret)
    # The SDK asks for base64 when no format is given, and decodes it.
    first = client.embeddings.create(model=QWEN, input="the quick brown fox")
    vector = first.data[0].embedding
    assert len(vector) == 1024 and abs(norm(vector) - 1) < 1e-5
    again = client.embeddings.create(model=QWEN, input="the quick brown fox", encoding_format="float")
    assert max(abs(a - b) for a, b in zip(vector, again.data[0].embedding)) < 1e-6
    other = client.embeddings.create(model=QWEN, input="the quick brown fox!")
    assert other.data[0].embedding != vector
    batch = client.embeddings.create(model=QWEN, input=["a", "the quick brown fox", "c"], encoding_format="float")
    assert [d.index for d in batch.data] == [0, 1, 2]
    assert max(abs(a - b) for a, b in zip(vector, batch.data[1].embedding)) < 1e-6
    short = client.embeddings.create(model=QWEN, input="x", dimensions=64)
    assert len(short.data[0].embedding) == 64 and abs(norm(short.data[0].embedding) - 1) < 1e-5
    assert first.model == QWEN
    assert first.usage.prompt_tokens == first.usage.total_tokens == 5  # 19 bytes ≈ 5 tokens


def test_each_call_has_one_ledger_row_with_the_cost_it_was_shown(setup):
    gateway, db, secret, key_id = setup
    client = client_for(gateway, secret)
    raw = client.embeddings.with_raw_response.create(model=QWEN, input=["one " * 100, "two " * 100],
                                                     extra_headers={"x-request-id": "emb-ledger-1"})
    body = raw.parse()
    cost = Decimal(raw.headers["x-switchyard-cost-usd"])
    assert raw.headers["x-switchyard-model"] == QWEN
    # 2 × 400 bytes ≈ 200 tokens at $0.07 per 1M input tokens.
    assert body.usage.prompt_tokens == 200
    assert cost == Decimal(200) * Decimal("0.07") / 1_000_000
    row = wait_for_rows(db, ["emb-ledger-1"])["emb-ledger-1"]
    assert row["front"] == "embeddings"
    assert row["key_id"] == key_id
    assert row["served_model"] == QWEN and row["status"] == 200
    assert row["prompt_tokens"] == 200 and row["completion_tokens"] == 0
    assert Decimal(row["cost_pusd"]) == cost * PUSD
    assert row["usage_source"] == "upstream"
    usage = httpx.get(f"{gateway.url}/admin/usage", params={"group_by": "front"}, headers=admin_headers(), timeout=10).json()
    assert "embeddings" in str(usage)


def test_token_arrays_and_failover_to_a_fallback_model(setup):
    gateway, db, secret, _ = setup
    raw = client_for(gateway, secret).embeddings.with_raw_response.create(
        model="dead-embed", input=[[1, 2, 3], [4, 5]], encoding_format="float", extra_headers={"x-request-id": "emb-failover"})
    answer = raw.parse()
    assert raw.headers["x-switchyard-model"] == "local-embed"
    assert int(raw.headers["x-switchyard-attempts"]) >= 2
    assert len(answer.data) == 2 and answer.usage.prompt_tokens == 5
    assert answer.model == "local-embed"
    row = wait_for_rows(db, ["emb-failover"])["emb-failover"]
    assert row["requested_model"] == "dead-embed" and row["served_model"] == "local-embed" and row["attempts"] >= 2


def post(gateway, secret: str | None, body) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if isinstance(body, (bytes, str)):
        return httpx.post(f"{gateway.url}/v1/embeddings", content=body, headers={**headers, "content-type": "application/json"}, timeout=10)
    return httpx.post(f"{gateway.url}/v1/embeddings", json=body, headers=headers, timeout=10)


@pytest.mark.parametrize("body, status, code, param, words", [
    (b"{not json", 400, "invalid_json", None, "parse"),
    ({"model": QWEN}, 400, "missing_required_parameter", "input", "input"),
    ({"model": QWEN, "input": ""}, 400, "invalid_value", "input", "empty"),
    ({"model": QWEN, "input": [1, "a"]}, 400, "invalid_type", "input[1]", "token"),
    ({"model": QWEN, "input": "x", "encoding_format": "hex"}, 400, "invalid_value", "encoding_format", "base64"),
    ({"model": QWEN, "input": "x", "dimensions": -3}, 400, "invalid_value", "dimensions", "between"),
    ({"model": "no-such-model", "input": "x"}, 404, "model_not_found", "model", "does not exist"),
    ({"model": "Qwen/Qwen3-32B", "input": "x"}, 400, "no_capable_model", "model", "does not create embeddings"),
    ({"model": QWEN, "input": [[1, 2]]}, 400, "invalid_request", None, "text input only"),
    ({"model": QWEN, "input": ["a"] * 11}, 400, "invalid_request", None, "at most 10"),
])
def test_bad_requests_are_refused_naming_the_problem(setup, body, status, code, param, words):
    gateway, _, secret, _ = setup
    response = post(gateway, secret, body)
    assert response.status_code == status, response.text
    error = check_error_shape(response)
    assert error["code"] == code and error["param"] == param, error
    assert words in error["message"], error


def test_an_embeddings_model_does_not_chat(setup):
    gateway, _, secret, _ = setup
    response = httpx.post(f"{gateway.url}/v1/chat/completions", headers={"Authorization": f"Bearer {secret}"},
                          json={"model": QWEN, "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    assert response.status_code == 400
    assert check_error_shape(response)["code"] == "no_capable_model"


def test_keys_models_budget_and_rate_limit_apply(setup):
    gateway, _, _, _ = setup
    assert post(gateway, None, {"model": QWEN, "input": "x"}).status_code == 401
    chat_only, _ = create_key(gateway.url, models=["Qwen/Qwen3-32B"])
    refused = post(gateway, chat_only, {"model": QWEN, "input": "x"})
    assert refused.status_code == 403 and check_error_shape(refused)["code"] == "model_not_allowed"
    # 2 tokens at $0.07/1M is $0.00000014: more than a $0.0000001 budget.
    poor, _ = create_key(gateway.url, budget_usd="0.0000001")
    broke = post(gateway, poor, {"model": QWEN, "input": "abcdefgh"})
    assert broke.status_code == 429 and check_error_shape(broke)["code"] == "insufficient_quota"
    avoid_minute_boundary()
    limited, _ = create_key(gateway.url, rpm=2)
    statuses = [post(gateway, limited, {"model": QWEN, "input": "x"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
