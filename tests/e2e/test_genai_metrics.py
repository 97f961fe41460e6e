"""The OpenTelemetry GenAI client metrics in `/metrics`, next to the `switchyard_*` series:
names, labels, bucket boundaries and values checked against the calls made; and the Grafana
dashboard in deploy/grafana queries only series that exist."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import openai
import pytest

from support import Gateway, sim_prompt, user

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "switchyard-genai.json"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            out.append((match[1], dict(LABEL.findall(match[2] or "")), float(match[3])))
    return out


def total(rows, name: str, **labels: str) -> float:
    return sum(value for metric, found, value in rows if metric == name and all(found.get(k) == v for k, v in labels.items()))


@pytest.fixture
def gateway(launcher) -> Gateway:
    return Gateway("embedded", launcher.gateway())


def test_genai_metrics_follow_the_calls(gateway):
    input_tokens = {"deepseek": 0, "moonshot_ai": 0}
    output_tokens = {"deepseek": 0, "moonshot_ai": 0}
    with gateway.client() as client:
        for model, provider in (("deepseek-v4-flash", "deepseek"), ("kimi-k2.5", "moonshot_ai")):
            answer = client.chat.completions.create(model=model, messages=[user(sim_prompt(tokens=7))])
            input_tokens[provider] += answer.usage.prompt_tokens
            output_tokens[provider] += answer.usage.completion_tokens
        # A stream of 12 tokens: a first chunk and then more chunks.
        stream = client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=12, tps=400))],
                                                stream=True, stream_options={"include_usage": True})
        chunks = [chunk for chunk in stream]
        usage = chunks[-1].usage
        input_tokens["deepseek"] += usage.prompt_tokens
        output_tokens["deepseek"] += usage.completion_tokens
        content_chunks = sum(1 for c in chunks if c.choices and c.choices[0].delta.content)
        assert content_chunks >= 3
        # A failure: the operation is counted with its error type, and no tokens.
        with pytest.raises(openai.APIStatusError):
            client.with_options(max_retries=0).chat.completions.create(
                model="glm-5", messages=[user(sim_prompt("fail=content_filter"))])

    text = httpx.get(f"{gateway.url}/metrics").text
    rows = samples(text)
    assert "# TYPE gen_ai_client_token_usage histogram" in text
    assert "# TYPE gen_ai_client_operation_duration_seconds histogram" in text

    # Operations, by provider (the conventions' names), request and response model.
    assert total(rows, "gen_ai_client_operation_duration_seconds_count", gen_ai_provider_name="deepseek",
                 gen_ai_operation_name="chat", gen_ai_request_model="deepseek-v4-flash") == 2
    assert total(rows, "gen_ai_client_operation_duration_seconds_count", gen_ai_provider_name="moonshot_ai",
                 gen_ai_request_model="kimi-k2.5") == 1
    responses = {labels.get("gen_ai_response_model") for name, labels, _ in rows if name == "gen_ai_client_operation_duration_seconds_count"}
    assert None not in responses and "" not in responses
    # The failed one carries error_type; the successful ones do not.
    failed = [labels for name, labels, value in rows if name == "gen_ai_client_operation_duration_seconds_count" and "error_type" in labels]
    assert [(f["gen_ai_provider_name"], f["gen_ai_request_model"]) for f in failed] == [("glm", "glm-5")]
    assert failed[0]["error_type"]

    # Token usage: the sums are the usage the client saw, per type.
    for provider in ("deepseek", "moonshot_ai"):
        assert total(rows, "gen_ai_client_token_usage_sum", gen_ai_provider_name=provider, gen_ai_token_type="input") == input_tokens[provider]
        assert total(rows, "gen_ai_client_token_usage_sum", gen_ai_provider_name=provider, gen_ai_token_type="output") == output_tokens[provider]
    # The conventions' bucket boundaries.
    token_bounds = {labels["le"] for name, labels, _ in rows if name == "gen_ai_client_token_usage_bucket"}
    assert {"1.0", "4.0", "16.0", "67108864.0", "+Inf"} <= token_bounds
    duration_bounds = {labels["le"] for name, labels, _ in rows if name == "gen_ai_client_operation_duration_seconds_bucket"}
    assert {"0.01", "81.92", "+Inf"} <= duration_bounds

    # Streams only: time to first chunk once, then one observation per later chunk.
    assert total(rows, "gen_ai_client_operation_time_to_first_chunk_seconds_count", gen_ai_provider_name="deepseek") == 1
    assert total(rows, "gen_ai_client_operation_time_to_first_chunk_seconds_count", gen_ai_provider_name="moonshot_ai") == 0
    per_chunk = total(rows, "gen_ai_client_operation_time_per_output_chunk_seconds_count", gen_ai_provider_name="deepseek")
    assert 1 <= per_chunk <= content_chunks


def dashboard_series(dashboard: dict) -> set[str]:
    """The metric names every panel and variable queries (PromQL functions and labels left out)."""
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    exprs += [v["query"]["query"] if isinstance(v.get("query"), dict) else v.get("query", "")
              for v in dashboard["templating"]["list"] if v["type"] == "query"]
    names = set()
    for expr in exprs:
        expr = re.sub(r'\{[^}]*\}', '', expr)  # label matchers
        expr = re.sub(r'\[[^\]]*\]', '', expr)  # ranges
        expr = re.sub(r'\b(by|without)\s*\([^)]*\)', '', expr)  # grouping labels
        expr = re.sub(r',\s*\w+\)\s*$', ')', expr) if expr.startswith("label_values") else expr  # label_values(metric, label)
        for token in re.findall(r'[a-zA-Z_:][a-zA-Z0-9_:]*', expr):
            if token.startswith(("gen_ai_", "switchyard_")):
                names.add(token)
    return names


def test_the_grafana_dashboard_queries_only_series_that_exist(gateway):
    dashboard = json.loads(DASHBOARD.read_text())
    queried = dashboard_series(dashboard)
    assert {"gen_ai_client_operation_duration_seconds_count", "gen_ai_client_token_usage_sum",
            "gen_ai_client_operation_time_to_first_chunk_seconds_bucket"} <= queried
    with gateway.client() as client:
        client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=3))])
        list(client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=6))], stream=True))
    # The ledger's series appear once its writer has flushed (every 200 ms).
    deadline = time.monotonic() + 10
    while True:
        exported = {name for name, _, _ in samples(httpx.get(f"{gateway.url}/metrics").text)}
        missing = sorted(queried - exported)
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not missing, f"the dashboard queries series /metrics does not have: {missing}"
