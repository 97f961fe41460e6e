import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct TraceSettingsTests {
    let providers = """
        providers:
          - name: d
            family: deepseek
            deployments:
              - {name: d1, base_url: "http://127.0.0.1:1/v1", models: {deepseek-v4-flash: }}
        """

    func parse(_ telemetry: String, environment: [String: String] = [:]) throws(ConfigError) -> TraceSettings {
        try GatewayConfig.parse(yaml: telemetry + "\n" + providers, file: "t.yaml", environment: environment).traces
    }

    @Test func offUnlessConfigured() throws {
        let settings = try parse("")
        #expect(!settings.enabled)
        #expect(try !TraceSettings.resolve(file: nil, environment: ["OTEL_SERVICE_NAME": "x"]).enabled)
    }

    @Test func theFileSectionTurnsThemOn() throws {
        let settings = try parse("""
            telemetry:
              endpoint: http://collector:4318
              service_name: gw-eu
              resource_attributes: {deployment.environment: prod}
              sampler: parentbased_traceidratio
              sampler_arg: 0.25
              max_queue_size: 100
              export_timeout_ms: 2000
              capture_content: true
            """)
        #expect(settings.enabled)
        #expect(settings.tracesURL == "http://collector:4318/v1/traces")
        #expect(settings.serviceName == "gw-eu")
        #expect(settings.resourceAttributes == ["deployment.environment": "prod"])
        #expect(settings.sampler == .parentBasedTraceIDRatio(0.25))
        #expect(settings.maxQueueSize == 100)
        #expect(settings.exportTimeout == .seconds(2))
        #expect(settings.captureContent)
        #expect(settings.wireProtocol == .httpProtobuf)
        // Enabled without an endpoint: the OTLP default, a collector on this host.
        #expect(try parse("telemetry: {enabled: true}").tracesURL == "http://localhost:4318/v1/traces")
        #expect(try parse("telemetry: {traces_endpoint: \"http://c:4318/custom\"}").tracesURL == "http://c:4318/custom")
        #expect(try !parse("telemetry: {enabled: false, endpoint: \"http://c:4318\"}").enabled)
    }

    @Test func theEnvironmentOverridesTheFile() throws {
        let environment = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9999/", "OTEL_SERVICE_NAME": "from-env",
            "OTEL_RESOURCE_ATTRIBUTES": "team=infra,note=a%20b", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
        ]
        let settings = try parse("telemetry: {endpoint: \"http://c:4318\", service_name: file}", environment: environment)
        #expect(settings.enabled)
        #expect(settings.tracesURL == "http://127.0.0.1:9999/v1/traces")
        #expect(settings.serviceName == "from-env")
        #expect(settings.resourceAttributes == ["team": "infra", "note": "a b"])
        #expect(settings.sampler == .traceIDRatio(0))
        #expect(settings.wireProtocol == .httpJSON)
        // The signal-specific URL is used as it is, and wins over the shared endpoint.
        let specific = try TraceSettings.resolve(file: nil, environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:2/traces",
        ])
        #expect(specific.enabled && specific.tracesURL == "http://b:2/traces")
        // Off switches.
        #expect(try !TraceSettings.resolve(file: nil, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:1", "OTEL_SDK_DISABLED": "true"]).enabled)
        #expect(try !TraceSettings.resolve(file: nil, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:1", "OTEL_TRACES_EXPORTER": "none"]).enabled)
        // service.name among the resource attributes names the service when nothing else does.
        #expect(try TraceSettings.resolve(file: nil, environment: ["OTEL_RESOURCE_ATTRIBUTES": "service.name=svc"]).serviceName == "svc")
        #expect(try TraceSettings.resolve(file: nil, environment: [:]).serviceName == "switchyard")
    }

    @Test func badFileValuesNameTheirField() {
        for (yaml, field) in [
            ("telemetry: {endpoint: \"ftp://x\"}", "telemetry.endpoint"),
            ("telemetry: {protocol: grpc}", "telemetry.protocol"),
            ("telemetry: {sampler: sometimes}", "telemetry.sampler"),
            ("telemetry: {sampler_arg: 2}", "telemetry.sampler_arg"),
            ("telemetry: {max_queue_size: 0}", "telemetry.max_queue_size"),
            ("telemetry: {capture_content: maybe}", "telemetry.capture_content"),
            ("telemetry: {endpont: \"http://x:1\"}", "telemetry.endpont"),
        ] {
            do {
                _ = try parse(yaml)
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.file == "t.yaml" && error.line == 1 && error.field == field, "\(error)")
            }
        }
    }

    @Test func badEnvironmentValuesNameTheirVariable() {
        for (name, value) in [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"), ("OTEL_TRACES_SAMPLER", "sometimes"),
            ("OTEL_TRACES_SAMPLER_ARG", "1.5"), ("OTEL_TRACES_SAMPLER_ARG", "abc"), ("OTEL_RESOURCE_ATTRIBUTES", "novalue"),
            ("OTEL_SDK_DISABLED", "perhaps"), ("OTEL_TRACES_EXPORTER", "zipkin"),
        ] {
            do {
                _ = try TraceSettings.resolve(file: nil, environment: [name: value])
                Issue.record("accepted \(name)=\(value)")
            } catch {
                #expect(error.file == "environment" && error.field == name, "\(error)")
            }
        }
    }

    @Test func aChangeNeedsARestart() throws {
        let running = try GatewayConfig.parse(yaml: providers, file: "t.yaml", environment: [:])
        let next = try GatewayConfig.parse(yaml: "telemetry: {endpoint: \"http://c:4318\"}\n" + providers, file: "t.yaml", environment: [:])
        let reload = ConfigReload(running: running, next: next)
        #expect(reload.needsRestart == ["telemetry"])
        #expect(!reload.config.traces.enabled)
    }
}

@Suite struct SpanAttributeTests {
    func request(_ json: String) throws -> ChatRequest { try ChatRequest(body: Array(json.utf8)) }

    @Test func anAttemptCarriesTheGenAIConventions() throws {
        var attempt = GenAISpan.Attempt(operation: "chat", family: .kimi, requestModel: "kimi-k2.5", deployment: "moonshot-cn", region: "cn",
                                        baseURL: "https://api.moonshot.cn/v1", route: "chinese", attempt: 2, hedge: false, keyID: "key_1",
                                        team: "search")
        attempt.read(try request(#"{"model":"kimi-k2.5","messages":[{"role":"user","content":"secret prompt"}],"max_tokens":64,"temperature":0.5,"top_p":0.9,"stream":true}"#))
        #expect(GenAISpan.name(operation: attempt.operation, model: attempt.requestModel) == "chat kimi-k2.5")
        let fields = GenAISpan.startFields(attempt)
        #expect(fields["gen_ai.operation.name"] == .string("chat"))
        #expect(fields["gen_ai.provider.name"] == .string("moonshot_ai"))
        #expect(fields["gen_ai.request.model"] == .string("kimi-k2.5"))
        #expect(fields["gen_ai.request.max_tokens"] == .int(64))
        #expect(fields["gen_ai.request.temperature"] == .double(0.5))
        #expect(fields["gen_ai.request.top_p"] == .double(0.9))
        #expect(fields["gen_ai.request.stream"] == .bool(true))
        #expect(fields["server.address"] == .string("api.moonshot.cn"))
        #expect(fields["server.port"] == .int(443))
        #expect(fields["switchyard.deployment"] == .string("moonshot-cn"))
        #expect(fields["switchyard.region"] == .string("cn"))
        #expect(fields["switchyard.route"] == .string("chinese"))
        #expect(fields["switchyard.attempt"] == .int(2))
        #expect(fields["switchyard.hedge"] == .bool(false))
        #expect(fields["switchyard.key_id"] == .string("key_1"))
        #expect(fields["switchyard.team"] == .string("search"))
        // No message contents unless asked for.
        #expect(!fields.items.contains { $0.name.contains("messages") || "\($0.value)".contains("secret prompt") })
    }

    @Test func aSimulatedAttemptHasNoServerAddress() {
        let attempt = GenAISpan.Attempt(operation: "chat", family: .deepseek, requestModel: "deepseek-v4-flash", deployment: "sim-deepseek",
                                        region: "local", baseURL: nil, route: nil, attempt: 1, hedge: false, keyID: nil, team: nil)
        let fields = GenAISpan.startFields(attempt)
        #expect(fields["gen_ai.provider.name"] == .string("deepseek"))
        #expect(fields["server.address"] == nil && fields["switchyard.key_id"] == nil)
    }

    @Test func anOutcomeCarriesUsageAndTheAnswer() throws {
        let completion = try JSONDocument(bytes: Array(#"{"id":"chatcmpl-1","model":"deepseek-chat","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}"#.utf8))
        var outcome = GenAISpan.Outcome()
        outcome.read(completion: completion)
        outcome.usage = TokenUsage(promptTokens: 10, completionTokens: 5, cachedPromptTokens: 3, reasoningTokens: 2)
        outcome.cost = .picodollars(2_500_000)
        outcome.timeToFirstChunk = .milliseconds(250)
        let fields = GenAISpan.endFields(outcome)
        #expect(fields["gen_ai.response.id"] == .string("chatcmpl-1"))
        #expect(fields["gen_ai.response.model"] == .string("deepseek-chat"))
        #expect(fields["gen_ai.response.finish_reasons"] == .strings(["stop"]))
        #expect(fields["gen_ai.usage.input_tokens"] == .int(10))
        #expect(fields["gen_ai.usage.output_tokens"] == .int(5))
        #expect(fields["gen_ai.usage.cache_read.input_tokens"] == .int(3))
        #expect(fields["gen_ai.usage.reasoning.output_tokens"] == .int(2))
        #expect(fields["gen_ai.response.time_to_first_chunk"] == .double(0.25))
        #expect(fields["switchyard.cost_usd"] == .double(0.0000025))
        #expect(fields["error.type"] == nil)
        #expect(GenAISpan.endFields(.failed("timeout"))["error.type"] == .string("timeout"))
    }

    @Test func contentsOnlyWhenAskedFor() throws {
        let chat = try request(#"{"model":"m","messages":[{"role":"user","content":"hello"}]}"#)
        let fields = GenAISpan.contentFields(request: chat, completion: nil)
        #expect(fields["gen_ai.input.messages"] == .string(#"[{"role":"user","content":"hello"}]"#))
    }

    @Test func aServerSpanFollowsTheHTTPConventions() {
        var request = HTTPServerSpan.Request(method: "POST", path: "/v1/chat/completions", route: "/v1/chat/completions")
        request.serverPort = 8080
        request.userAgent = "OpenAI/Python"
        #expect(HTTPServerSpan.name(method: "POST", route: request.route) == "POST /v1/chat/completions")
        let start = HTTPServerSpan.startFields(request)
        #expect(start["http.request.method"] == .string("POST"))
        #expect(start["http.route"] == .string("/v1/chat/completions"))
        #expect(start["url.path"] == .string("/v1/chat/completions"))
        #expect(start["server.port"] == .int(8080))
        #expect(HTTPServerSpan.endFields(status: 200, errorType: nil)["error.type"] == nil)
        #expect(HTTPServerSpan.endFields(status: 429, errorType: "rate_limit_exceeded")["error.type"] == nil)
        #expect(HTTPServerSpan.endFields(status: 502, errorType: "upstream_unreachable")["error.type"] == .string("upstream_unreachable"))
        #expect(HTTPServerSpan.endFields(status: 503, errorType: nil)["http.response.status_code"] == .int(503))
    }

    @Test func theAccessLogNamesTheTraceOnlyWhenThereIsOne() throws {
        var record = UsageRecord(
            time: Date(timeIntervalSince1970: 1_764_547_200), requestID: "req_1", keyID: nil, team: nil, requestedModel: "m", servedModel: "m",
            provider: "p", deployment: "d", region: "r", route: nil, attempts: 1, usage: TokenUsage(), costPicodollars: 0,
            latencyMicroseconds: 1, ttftMicroseconds: nil, status: 200, errorClass: nil, stream: false)
        #expect(!AccessLogLine.json(record).contains("trace_id"))
        record.traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let object = try #require(try JSONSerialization.jsonObject(with: Data(AccessLogLine.json(record).utf8)) as? [String: Any])
        #expect(object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test func theBatchProcessorAndExporterVariables() throws {
        let settings = try TraceSettings.resolve(file: nil, environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example:4318",
            "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "64", "OTEL_EXPORTER_OTLP_TIMEOUT": "1500",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-honeycomb-team=abc%20def,Authorization=Bearer%20t0k",
            "OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/ssl/private-ca.pem",
            "HTTPS_PROXY": "http://proxy.internal:3128",
        ])
        #expect(settings.scheduleDelay == .milliseconds(250))
        #expect(settings.maxExportBatchSize == 64)
        #expect(settings.exportTimeout == .milliseconds(1500))
        #expect(settings.headers == ["x-honeycomb-team": "abc def", "Authorization": "Bearer t0k"])
        #expect(settings.certificateFile == "/etc/ssl/private-ca.pem")
        #expect(settings.proxy == EgressProxy(host: "proxy.internal", port: 3128))
        // A batch is never larger than the queue.
        let small = try TraceSettings.resolve(file: nil, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_BSP_MAX_QUEUE_SIZE": "10"])
        #expect(small.maxExportBatchSize == 10)
        #expect(small.proxy == nil)
    }

    @Test func aBadHeaderNamesTheVariableNotTheValue() {
        for value in ["no-equals-sign", "bad name=x", "=x"] {
            do {
                _ = try TraceSettings.resolve(file: nil, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_HEADERS": value])
                Issue.record("accepted \(value)")
            } catch {
                #expect(error.field == "OTEL_EXPORTER_OTLP_HEADERS")
                #expect(!error.message.contains(value))
            }
        }
        #expect(throws: ConfigError.self) {
            try TraceSettings.resolve(file: nil, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_BSP_SCHEDULE_DELAY": "soon"])
        }
    }

    @Test func theFileNamesHeadersBatchesAndACertificate() throws {
        let providers = "providers:\n  - name: d\n    family: deepseek\n    deployments:\n      - {name: d1, base_url: \"http://127.0.0.1:1/v1\", models: {deepseek-v4-flash: }}"
        func parse(_ text: String) throws -> TraceSettings {
            try GatewayConfig.parse(yaml: text + "\n" + providers, file: "t.yaml", environment: [:]).traces
        }
        let settings = try parse("""
            telemetry:
              endpoint: https://collector:4318
              headers: {x-api-key: secret-value}
              schedule_delay_ms: 200
              max_export_batch_size: 100
              certificate: /etc/ssl/ca.pem
            """)
        #expect(settings.headers == ["x-api-key": "secret-value"])
        #expect(settings.scheduleDelay == .milliseconds(200))
        #expect(settings.maxExportBatchSize == 100)
        #expect(settings.certificateFile == "/etc/ssl/ca.pem")
        #expect(throws: ConfigError.self) { try parse("telemetry:\n  endpoint: http://c:4318\n  headers: {\"bad name\": x}") }
    }
}
