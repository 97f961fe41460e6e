"""Errors reach the client in the OpenAI shape {"error": {message, type, param, code}} with the
right status, code and retry hints, and a failure inside a stream is never a silent end."""

import httpx
import openai
import pytest

from support import CLIENT_API_KEY, FAMILY_MODELS, Gateway, deepseek_config, free_port, sim_prompt, user, write_config

FAMILIES = list(FAMILY_MODELS)

# Simulator failure -> (SDK exception, HTTP status, error code or None when any code is fine).
UPSTREAM_FAILURES = {
    "rate_limit": (openai.RateLimitError, 429, "rate_limit_exceeded"),
    "balance": (openai.RateLimitError, 429, "insufficient_quota"),
    "content_filter": (openai.BadRequestError, 400, "content_filter"),
    "overloaded": (openai.InternalServerError, 503, None),
    "server": (openai.InternalServerError, 502, None),
    "auth": (openai.InternalServerError, 502, "upstream_authentication_failed"),
}


def post_chat(gateway, **kwargs) -> httpx.Response:
    headers = {"authorization": f"Bearer {CLIENT_API_KEY}", "content-type": "application/json"}
    return httpx.post(f"{gateway.url}/v1/chat/completions", headers=headers, timeout=30, **kwargs)


def error_of(response: httpx.Response) -> dict:
    """The error object of an OpenAI-shaped error response."""
    error = response.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    assert {"type", "param", "code"} <= error.keys()
    return error


# --- the client's request is wrong --------------------------------------------------------------


def test_malformed_json_is_400(gateway):
    response = post_chat(gateway, content=b'{"model": "deepseek-v4-flash", "messages": [')
    assert response.status_code == 400
    error_of(response)


@pytest.mark.parametrize("missing", ["model", "messages"])
def test_missing_required_field_is_400(gateway, missing):
    body = {"model": "deepseek-v4-flash", "messages": [user("hello")]}
    del body[missing]
    response = post_chat(gateway, json=body)
    assert response.status_code == 400
    assert error_of(response)["param"] == missing


@pytest.mark.parametrize("stream", [False, True])
def test_unknown_model_is_404(gateway, client, stream):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-model", messages=[user("hello")], stream=stream)
    assert caught.value.status_code == 404
    assert caught.value.code == "model_not_found"


def test_body_over_10_mib_is_413(gateway):
    body = {"model": "deepseek-v4-flash", "messages": [user("x" * (10 * 1024 * 1024))]}
    response = post_chat(gateway, json=body)
    assert response.status_code == 413
    error_of(response)


# --- the upstream fails ---------------------------------------------------------------------------


@pytest.mark.parametrize("failure", list(UPSTREAM_FAILURES))
@pytest.mark.parametrize("family", FAMILIES)
def test_upstream_failure_is_mapped(fresh_gateway, fresh_client, family, failure):
    client = fresh_client
    model, _ = FAMILY_MODELS[family]
    error_class, status, code = UPSTREAM_FAILURES[failure]
    with pytest.raises(error_class) as caught:
        client.chat.completions.create(model=model, messages=[user(sim_prompt(fail=failure))])

    error = caught.value
    assert error.status_code == status
    assert isinstance(error.body, dict) and error.body["message"]
    if code:
        assert error.code == code
    headers = error.response.headers
    assert headers["x-request-id"]
    if failure == "rate_limit":
        assert headers["retry-after"].strip()
    if failure == "balance":
        assert headers["x-should-retry"] == "false"


@pytest.mark.parametrize("failure", ["mid_stream", "drop"])
@pytest.mark.parametrize("family", FAMILIES)
def test_failure_inside_stream_raises_in_sdk(fresh_gateway, fresh_client, family, failure):
    client = fresh_client
    model, _ = FAMILY_MODELS[family]
    stream = client.chat.completions.create(
        model=model, messages=[user(sim_prompt(fail=failure, after=3, tokens=10))], stream=True
    )
    contents = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                contents.append(chunk.choices[0].delta.content)

    assert len(contents) == 3
    # An error event inside the 200 stream, not a broken connection or an HTTP status.
    assert not isinstance(caught.value, (openai.APIStatusError, openai.APIConnectionError))
    assert isinstance(caught.value.body, dict) and caught.value.body["message"]


@pytest.mark.parametrize("failure", ["mid_stream", "drop"])
@pytest.mark.parametrize("family", FAMILIES)
def test_failure_before_first_chunk_is_http_error(fresh_gateway, fresh_client, family, failure):
    client = fresh_client
    model, _ = FAMILY_MODELS[family]
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(
            model=model,
            messages=[user(sim_prompt(fail=failure, after=0, tokens=10))],
            stream=True,
            # Thinking off: reasoning chunks (Kimi thinks by default) would be output before the failure.
            extra_body={"thinking": {"type": "disabled"}},
        )
    assert caught.value.status_code == 502


@pytest.mark.parametrize("stream", [False, True])
def test_unreachable_upstream_is_502(launcher, tmp_path, stream):
    closed_port = free_port()  # nothing listens there
    text = deepseek_config(f"http://127.0.0.1:{closed_port}/v1", preamble="timeouts: {connect_ms: 1000}\n")
    config = write_config(tmp_path, "unreachable.yaml", text)
    gateway = Gateway("custom", launcher.gateway(config))
    with gateway.client() as client, pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="deepseek-v4-flash", messages=[user("hello")], stream=stream)
    assert caught.value.status_code == 502
    assert caught.value.code == "upstream_unreachable"


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_timeout_is_504(launcher, fast_sim, tmp_path, stream):
    text = deepseek_config(f"{fast_sim.url}/v1", preamble="timeouts: {total_ms: 1000}\n")
    gateway = Gateway("custom", launcher.gateway(write_config(tmp_path, "timeout.yaml", text)))
    with gateway.client(timeout=10.0) as client, pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(
            model="deepseek-v4-flash", messages=[user(sim_prompt(fail="timeout"))], stream=stream
        )
    assert caught.value.status_code == 504
    assert caught.value.code == "upstream_timeout"
