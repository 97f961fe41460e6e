"""OpenTelemetry traces: what a fake OTLP/HTTP collector receives from the gateway, decoded with
`opentelemetry-proto`. A SERVER span per request, a CLIENT span per upstream attempt with the
GenAI conventions, parentage, W3C trace context continued from the client and propagated to
the upstream, failover, streams, sampling, a collector that is down, the flush at SIGTERM, and
no message contents unless asked for."""

from __future__ import annotations

import base64
import json
import signal
import socket
import ssl
import subprocess
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import trustme
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from support import Gateway, binary_path, clean_env, free_port, sim_prompt, user, write_config

SECRET = "zebra-kumquat-4711"  # a prompt marker that must never reach the collector by default


class Collector:
    """An OTLP/HTTP trace receiver on 127.0.0.1: keeps every span it is sent, and the raw bodies."""

    def __init__(self, ssl_context=None) -> None:
        self.spans: list[dict] = []
        self.bodies: list[bytes] = []
        self.content_types: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.scheme = "https" if ssl_context else "http"
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                request = ExportTraceServiceRequest()
                if self.headers.get("content-type") == "application/json":
                    json_format.ParseDict(hex_ids_to_base64(json.loads(body)), request)
                else:
                    request.ParseFromString(body)
                with collector.lock:
                    collector.bodies.append(body)
                    collector.content_types.append(self.headers.get("content-type", ""))
                    collector.headers.append({k.lower(): v for k, v in self.headers.items()})
                    for resource_spans in request.resource_spans:
                        resource = {a.key: value(a.value) for a in resource_spans.resource.attributes}
                        for scope_spans in resource_spans.scope_spans:
                            for span in scope_spans.spans:
                                collector.spans.append(decode(span, resource, self.path))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if ssl_context:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.spans)

    def wait_for(self, predicate, timeout: float = 15.0) -> list[dict]:
        """The spans once `predicate(spans)` holds (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            spans = self.snapshot()
            if predicate(spans):
                return spans
            time.sleep(0.05)
        pytest.fail(f"the collector did not get the expected spans within {timeout} s; it has: {self.snapshot()}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hex_ids_to_base64(document: dict) -> dict:
    """OTLP/JSON spells trace and span IDs in hex; protobuf's JSON mapping wants base64."""
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for field in ("traceId", "spanId", "parentSpanId"):
                    if field in span:
                        span[field] = base64.b64encode(bytes.fromhex(span[field])).decode()
    return document


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def decode(span, resource: dict, path: str) -> dict:
    return {
        "name": span.name, "kind": span.kind, "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
        "parent_span_id": span.parent_span_id.hex(), "status": span.status.code, "resource": resource, "path": path,
        "attributes": {a.key: value(a.value) for a in span.attributes},
        "start": span.start_time_unix_nano, "end": span.end_time_unix_nano,
    }


def of_trace(spans: list[dict], trace_id: str) -> list[dict]:
    return [s for s in spans if s["trace_id"] == trace_id]


def servers(spans):
    return [s for s in spans if s["kind"] == Span.SPAN_KIND_SERVER]


def clients(spans):
    return [s for s in spans if s["kind"] == Span.SPAN_KIND_CLIENT]


def traceparent(trace_id: str, span_id: str) -> str:
    return f"00-{trace_id}-{span_id}-01"


def call(gateway: Gateway, trace_id: str, span_id: str = "b7ad6b7169203331", **body) -> httpx.Response:
    """A chat call that carries its own trace context, so that its spans can be told apart."""
    headers = {"traceparent": traceparent(trace_id, span_id), "tracestate": "vendor=abc"}
    return httpx.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30)


def trace_id_for(n: int) -> str:
    return f"{n:032x}".replace("0", "a", 1)


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.close()


@pytest.fixture
def upstream(launcher):
    return launcher.sim("--fast")


def config_text(sim_port: int, dead_port: int, telemetry: str = "") -> str:
    return textwrap.dedent(f"""\
        auth: {{required: false}}
        timeouts: {{connect_ms: 1000, total_ms: 30000}}
        {telemetry}
        providers:
          - name: deepseek
            family: deepseek
            deployments:
              - name: ds-http
                region: eu
                base_url: http://127.0.0.1:{sim_port}/v1
                models: {{deepseek-v4-flash: deepseek-v4-flash}}
              - name: ds-dead
                region: us
                base_url: http://127.0.0.1:{dead_port}/v1
                models: {{deepseek-v4-pro: deepseek-v4-pro}}
          - name: kimi
            family: kimi
            deployments:
              - name: kimi-sim
                simulated: true
                models: {{kimi-k2.5: kimi-k2.5}}
        """)


def start(launcher, tmp_path, upstream, env: dict[str, str], telemetry: str = "") -> Gateway:
    config = write_config(tmp_path, "traces.yaml", config_text(upstream.port, free_port(), telemetry))
    return Gateway("custom", launcher.gateway(config, env=clean_env(**env)), upstream)


def fast_export(collector: Collector, **extra: str) -> dict[str, str]:
    """Environment that exports to `collector` every 100 ms."""
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100", **extra}


def test_a_call_has_a_server_span_and_a_client_span_with_the_genai_conventions(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector, OTEL_SERVICE_NAME="sy-test",
                                                                 OTEL_RESOURCE_ATTRIBUTES="deployment.environment=e2e"))
    trace_id = trace_id_for(1)
    response = call(gateway, trace_id, model="deepseek-v4-flash", max_tokens=50, temperature=0.3, top_p=0.8,
                    messages=[user(sim_prompt(tokens=6, text=f"Tell me about {SECRET}."))])
    assert response.status_code == 200, response.text
    answer = response.json()
    spans = collector.wait_for(lambda s: len(of_trace(s, trace_id)) >= 2)
    mine = of_trace(spans, trace_id)
    [server] = servers(mine)
    [client] = clients(mine)

    assert server["name"] == "POST /v1/chat/completions"
    assert server["attributes"]["http.request.method"] == "POST"
    assert server["attributes"]["http.route"] == "/v1/chat/completions"
    assert server["attributes"]["http.response.status_code"] == 200
    assert server["attributes"]["server.port"] == gateway.process.port
    assert server["resource"]["service.name"] == "sy-test"
    assert server["resource"]["deployment.environment"] == "e2e"
    assert server["path"] == "/v1/traces"

    # The CLIENT span is the SERVER span's child, and inside it in time.
    assert client["parent_span_id"] == server["span_id"]
    assert server["start"] <= client["start"] <= client["end"] <= server["end"]
    assert client["name"] == "chat deepseek-v4-flash"
    attributes = client["attributes"]
    expected = {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "deepseek", "gen_ai.request.model": "deepseek-v4-flash",
        "gen_ai.response.model": answer["model"], "gen_ai.response.id": answer["id"], "gen_ai.request.max_tokens": 50,
        "gen_ai.request.temperature": 0.3, "gen_ai.request.top_p": 0.8, "gen_ai.request.stream": False,
        "gen_ai.response.finish_reasons": ["stop"], "gen_ai.usage.input_tokens": answer["usage"]["prompt_tokens"],
        "gen_ai.usage.output_tokens": answer["usage"]["completion_tokens"], "server.address": "127.0.0.1",
        "server.port": upstream.port, "switchyard.deployment": "ds-http", "switchyard.region": "eu", "switchyard.attempt": 1,
        "switchyard.hedge": False,
    }
    for name, wanted in expected.items():
        assert attributes.get(name) == wanted, (name, attributes)
    assert attributes["gen_ai.usage.cache_read.input_tokens"] >= 0
    assert attributes["gen_ai.usage.reasoning.output_tokens"] >= 0
    assert attributes["switchyard.cost_usd"] == pytest.approx(float(response.headers["x-switchyard-cost-usd"]))
    assert "error.type" not in attributes
    assert client["status"] != Status.STATUS_CODE_ERROR

    # No message contents by default: not in an attribute, not anywhere in what was exported.
    assert not any(SECRET.encode() in body for body in collector.bodies)
    assert not any(name.startswith("gen_ai.input") or name.startswith("gen_ai.output") for name in attributes)
    assert collector.content_types[0] == "application/x-protobuf"


def test_the_clients_trace_context_is_continued_and_sent_upstream(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector))
    trace_id, parent = trace_id_for(2), "00f067aa0ba902b7"
    response = call(gateway, trace_id, parent, model="deepseek-v4-flash", messages=[user(sim_prompt("echo"))])
    assert response.status_code == 200, response.text
    echoed = json.loads(response.json()["choices"][0]["message"]["content"])["headers"]

    spans = collector.wait_for(lambda s: len(of_trace(s, trace_id)) >= 2)
    [server] = servers(of_trace(spans, trace_id))
    [client] = clients(of_trace(spans, trace_id))
    # The gateway's SERVER span continues the client's trace, under the client's span.
    assert server["parent_span_id"] == parent
    # The upstream got the same trace, with the CLIENT span as its parent, and the trace state.
    version, upstream_trace, upstream_parent, flags = echoed["traceparent"].split("-")
    assert (version, upstream_trace, upstream_parent, flags) == ("00", trace_id, client["span_id"], "01")
    assert echoed["tracestate"] == "vendor=abc"


def test_without_a_trace_context_a_new_trace_starts_and_still_reaches_the_upstream(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector))
    with gateway.client() as client:
        answer = client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt("echo"))])
    echoed = json.loads(answer.choices[0].message.content)["headers"]
    trace_id = echoed["traceparent"].split("-")[1]
    spans = collector.wait_for(lambda s: len(of_trace(s, trace_id)) >= 2)
    [server] = servers(of_trace(spans, trace_id))
    assert server["parent_span_id"] == ""


def test_failover_makes_one_client_span_per_attempt(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector))
    trace_id = trace_id_for(3)
    # deepseek-v4-pro's only deployment is down (nothing listens): the call falls back to flash.
    response = call(gateway, trace_id, model="deepseek-v4-pro", models=["deepseek-v4-flash"], messages=[user(sim_prompt(tokens=3))])
    assert response.status_code == 200, response.text
    assert response.headers["x-switchyard-attempts"] == "2"
    spans = collector.wait_for(lambda s: len(of_trace(s, trace_id)) >= 3)
    [server] = servers(of_trace(spans, trace_id))
    attempts = sorted(clients(of_trace(spans, trace_id)), key=lambda s: s["attributes"]["switchyard.attempt"])
    assert [s["attributes"]["switchyard.attempt"] for s in attempts] == [1, 2]
    failed, served = attempts
    assert all(s["parent_span_id"] == server["span_id"] for s in attempts)
    assert failed["name"] == "chat deepseek-v4-pro"
    assert failed["attributes"]["switchyard.deployment"] == "ds-dead"
    assert failed["attributes"]["error.type"] == "connect"
    assert failed["status"] == Status.STATUS_CODE_ERROR
    assert "gen_ai.usage.input_tokens" not in failed["attributes"]
    assert served["name"] == "chat deepseek-v4-flash"
    assert served["attributes"]["switchyard.deployment"] == "ds-http"
    assert "error.type" not in served["attributes"]
    assert server["attributes"]["switchyard.attempts"] == 2


def test_a_stream_records_its_time_to_first_chunk_and_usage(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector))
    trace_id = trace_id_for(4)
    headers = {"traceparent": traceparent(trace_id, "b7ad6b7169203331")}
    body = {"model": "deepseek-v4-flash", "stream": True, "stream_options": {"include_usage": True},
            "messages": [user(sim_prompt(tokens=8))]}
    usage, ids = None, set()
    with httpx.stream("POST", f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: {"):
                chunk = json.loads(line[6:])
                ids.add(chunk["id"])
                usage = chunk.get("usage") or usage
    spans = collector.wait_for(lambda s: len(of_trace(s, trace_id)) >= 2)
    [client] = clients(of_trace(spans, trace_id))
    attributes = client["attributes"]
    assert attributes["gen_ai.request.stream"] is True
    ttft = attributes["gen_ai.response.time_to_first_chunk"]
    assert 0 < ttft < 10
    assert attributes["gen_ai.usage.input_tokens"] == usage["prompt_tokens"]
    assert attributes["gen_ai.usage.output_tokens"] == usage["completion_tokens"]
    assert attributes["gen_ai.response.id"] in ids
    assert attributes["gen_ai.response.finish_reasons"] == ["stop"]
    assert attributes["switchyard.cost_usd"] > 0
    # The span lasts as long as the stream: past its first chunk, and its SERVER span outlasts it.
    [server] = servers(of_trace(spans, trace_id))
    assert (client["end"] - client["start"]) / 1e9 >= ttft
    assert client["end"] <= server["end"]


def test_simulated_deployments_and_router_requests_are_traced(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector))
    trace_id = trace_id_for(5)
    assert call(gateway, trace_id, model="kimi-k2.5", messages=[user(sim_prompt(tokens=2))]).status_code == 200
    models_trace = trace_id_for(6)
    assert httpx.get(f"{gateway.url}/v1/models", headers={"traceparent": traceparent(models_trace, "b7ad6b7169203331")}).status_code == 200
    spans = collector.wait_for(lambda s: len(of_trace(s, trace_id)) >= 2 and of_trace(s, models_trace))
    [client] = clients(of_trace(spans, trace_id))
    # An in-process simulated attempt is a CLIENT span too, with its family's provider name.
    assert client["attributes"]["gen_ai.provider.name"] == "moonshot_ai"
    assert client["attributes"]["switchyard.deployment"] == "kimi-sim"
    assert "server.address" not in client["attributes"]
    [models] = of_trace(spans, models_trace)
    assert models["kind"] == Span.SPAN_KIND_SERVER
    assert models["name"] == "GET /v1/models"
    assert models["attributes"]["http.response.status_code"] == 200


def test_message_contents_only_when_the_config_asks(launcher, tmp_path, upstream, collector):
    telemetry = f"telemetry: {{endpoint: \"{collector.endpoint}\", capture_content: true, service_name: from-file}}"
    gateway = start(launcher, tmp_path, upstream, {"OTEL_BSP_SCHEDULE_DELAY": "100"}, telemetry=telemetry)
    trace_id = trace_id_for(7)
    assert call(gateway, trace_id, model="deepseek-v4-flash", messages=[user(sim_prompt(text=SECRET))]).status_code == 200
    spans = collector.wait_for(lambda s: len(of_trace(s, trace_id)) >= 2)
    [client] = clients(of_trace(spans, trace_id))
    assert SECRET in client["attributes"]["gen_ai.input.messages"]
    assert json.loads(client["attributes"]["gen_ai.output.messages"])[0]["message"]["role"] == "assistant"
    assert client["resource"]["service.name"] == "from-file"


def export_failures(gateway: Gateway, timeout: float = 15.0) -> float:
    """`switchyard_trace_spans_dropped_total{reason="export_failed"}` once it is at least 1 (or after `timeout`)."""
    deadline = time.monotonic() + timeout
    dropped = 0.0
    while time.monotonic() < deadline and dropped < 1:
        text = httpx.get(f"{gateway.url}/metrics").text
        dropped = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                      if line.startswith('switchyard_trace_spans_dropped_total{reason="export_failed"}'))
        time.sleep(0.1)
    return dropped


def test_a_collector_that_is_down_does_not_break_calls(launcher, tmp_path, upstream):
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = start(launcher, tmp_path, upstream, {"OTEL_EXPORTER_OTLP_ENDPOINT": dead, "OTEL_BSP_SCHEDULE_DELAY": "100"})
    with gateway.client() as client:
        for _ in range(5):
            answer = client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=2))])
            assert answer.choices[0].message.content
    # The spans that could not be exported are counted, not waited for.
    assert export_failures(gateway) >= 1


def test_sampling_ratio_zero_exports_nothing(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector, OTEL_TRACES_SAMPLER="traceidratio", OTEL_TRACES_SAMPLER_ARG="0"))
    with gateway.client() as client:
        for _ in range(3):
            client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=2))])
    # A sampled-out call still tells the upstream its trace context (not sampled).
    with gateway.client() as client:
        echoed = json.loads(client.chat.completions.create(
            model="deepseek-v4-flash", messages=[user(sim_prompt("echo"))]).choices[0].message.content)["headers"]
    assert echoed["traceparent"].endswith("-00")
    # Stopping flushes whatever is queued: nothing.
    gateway.process.popen.send_signal(signal.SIGTERM)
    assert gateway.process.popen.wait(timeout=30) == 0
    assert collector.snapshot() == []


def test_spans_of_the_last_calls_are_flushed_at_sigterm(launcher, tmp_path, upstream, collector):
    # Batches every 10 minutes: only the shutdown's flush can deliver these spans.
    gateway = start(launcher, tmp_path, upstream, {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "600000"})
    trace_id = trace_id_for(8)
    assert call(gateway, trace_id, model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=2))]).status_code == 200
    time.sleep(0.3)
    assert collector.snapshot() == []
    gateway.process.popen.send_signal(signal.SIGTERM)
    assert gateway.process.popen.wait(timeout=30) == 0
    spans = of_trace(collector.snapshot(), trace_id)
    assert len(servers(spans)) == 1 and len(clients(spans)) == 1


def test_traces_are_off_unless_configured(launcher, tmp_path, upstream, collector):
    # No endpoint anywhere: no exporter runs, nothing is sent, and the trace counters are absent.
    gateway = start(launcher, tmp_path, upstream, {})
    with gateway.client() as client:
        client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=2))])
    assert "switchyard_trace_spans" not in httpx.get(f"{gateway.url}/metrics").text


def test_a_bad_otel_variable_stops_start_up_with_its_name(launcher, tmp_path, upstream):
    config = write_config(tmp_path, "traces.yaml", config_text(upstream.port, free_port()))
    # Run directly: the launcher would wait for a gateway that never becomes healthy.
    result = subprocess.run([str(binary_path()), "serve", "--config", str(config), "--port", str(free_port())],
                            env=clean_env(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318", OTEL_EXPORTER_OTLP_PROTOCOL="grpc"),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "OTEL_EXPORTER_OTLP_PROTOCOL" in result.stderr and "grpc" in result.stderr


def test_the_access_log_names_each_calls_trace(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector), telemetry="log: {access: json}")
    trace_id = trace_id_for(9)
    assert call(gateway, trace_id, model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=2))]).status_code == 200
    deadline = time.monotonic() + 10
    lines = []
    while time.monotonic() < deadline and not lines:
        lines = [json.loads(line) for line in gateway.process.stdout_path.read_text().splitlines() if line.startswith("{")]
        time.sleep(0.05)
    assert [line["trace_id"] for line in lines] == [trace_id]


def test_each_batch_line_is_a_trace_with_its_attempts(launcher, tmp_path, upstream, collector):
    gateway = start(launcher, tmp_path, upstream, fast_export(collector))
    lines = "".join(json.dumps({"custom_id": f"t{i}", "method": "POST", "url": "/v1/chat/completions",
                                "body": {"model": "deepseek-v4-flash", "messages": [user(sim_prompt(tokens=2))]}}) + "\n" for i in range(3))
    uploaded = httpx.post(f"{gateway.url}/v1/files", data={"purpose": "batch"}, files={"file": ("in.jsonl", lines.encode())}, timeout=30)
    assert uploaded.status_code == 200, uploaded.text
    batch = httpx.post(f"{gateway.url}/v1/batches", timeout=30, json={"input_file_id": uploaded.json()["id"],
                                                                      "endpoint": "/v1/chat/completions", "completion_window": "24h"}).json()
    deadline = time.monotonic() + 30
    while httpx.get(f"{gateway.url}/v1/batches/{batch['id']}", timeout=10).json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    spans = collector.wait_for(lambda s: len([x for x in servers(s) if x["attributes"].get("switchyard.batch_id") == batch["id"]]) == 3)
    lines_spans = [s for s in servers(spans) if s["attributes"].get("switchyard.batch_id") == batch["id"]]
    assert sorted(s["attributes"]["switchyard.custom_id"] for s in lines_spans) == ["t0", "t1", "t2"]
    for line in lines_spans:
        assert line["name"] == "POST /v1/chat/completions" and line["attributes"]["http.response.status_code"] == 200
        [attempt] = [s for s in clients(of_trace(spans, line["trace_id"])) if s["parent_span_id"] == line["span_id"]]
        assert attempt["attributes"]["gen_ai.request.model"] == "deepseek-v4-flash"
    assert len({s["trace_id"] for s in lines_spans}) == 3


def test_json_export_with_headers_to_an_https_collector_with_a_private_ca(launcher, tmp_path, upstream):
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_path = tmp_path / "collector-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    collector = Collector(ssl_context=context)
    try:
        gateway = start(launcher, tmp_path, upstream, fast_export(
            collector, OTEL_EXPORTER_OTLP_PROTOCOL="http/json", OTEL_EXPORTER_OTLP_CERTIFICATE=str(ca_path),
            OTEL_EXPORTER_OTLP_HEADERS="x-collector-token=tok%20en-4711,x-tenant=acme"))
        trace_id = trace_id_for(21)
        assert call(gateway, trace_id, model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=2))]).status_code == 200
        spans = collector.wait_for(lambda spans: len(of_trace(spans, trace_id)) >= 2)
        server, client = servers(of_trace(spans, trace_id))[0], clients(of_trace(spans, trace_id))[0]
        assert client["parent_span_id"] == server["span_id"]
        assert client["attributes"]["gen_ai.request.model"] == "deepseek-v4-flash"
        assert isinstance(client["attributes"]["gen_ai.usage.output_tokens"], int)
        assert collector.content_types[0] == "application/json"
        assert collector.headers[0]["x-collector-token"] == "tok en-4711" and collector.headers[0]["x-tenant"] == "acme"
        # The token is a secret: it is not in the gateway's log.
        gateway.process.popen.send_signal(signal.SIGTERM)
        assert gateway.process.popen.wait(timeout=30) == 0
        assert "tok en-4711" not in gateway.process.output() and "tok%20en-4711" not in gateway.process.output()
    finally:
        collector.close()


def test_an_untrusted_collector_certificate_is_refused_and_counted(launcher, tmp_path, upstream):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)  # a CA the gateway does not trust
    collector = Collector(ssl_context=context)
    try:
        gateway = start(launcher, tmp_path, upstream, fast_export(collector))
        assert call(gateway, trace_id_for(22), model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=2))]).status_code == 200
        assert export_failures(gateway) >= 1
        assert collector.snapshot() == []
    finally:
        collector.close()


def test_a_call_refused_while_its_body_was_read_has_a_server_span(launcher, tmp_path, upstream, collector):
    # The body pauses past `body_timeout_ms`: 408, and the refusal is traced like any answer.
    gateway = start(launcher, tmp_path, upstream, fast_export(collector), telemetry="server: {body_timeout_ms: 300}")
    trace_id = trace_id_for(23)
    port = int(gateway.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall((f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            f"traceparent: {traceparent(trace_id, 'b7ad6b7169203331')}\r\nContent-Length: 100\r\n\r\n{{\"model\"").encode())
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    spans = collector.wait_for(lambda spans: len(of_trace(spans, trace_id)) >= 1)
    [server] = servers(of_trace(spans, trace_id))
    assert server["attributes"]["http.response.status_code"] == 408
    assert server["parent_span_id"] == "b7ad6b7169203331"
