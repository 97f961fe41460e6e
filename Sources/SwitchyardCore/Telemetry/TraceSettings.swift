import Foundation

/// OpenTelemetry traces: whether they are on, where they go, how they are sampled. Built from
/// the config file's optional `telemetry:` section and the standard `OTEL_*` environment
/// variables (`TraceSettings.resolve`); off unless one of them asks for traces.
package struct TraceSettings: Sendable, Hashable {
    /// The OTLP encodings this build exports (OTLP/gRPC is not built in).
    package enum WireProtocol: String, Sendable, Hashable {
        case httpProtobuf = "http/protobuf"
        case httpJSON = "http/json"
    }

    /// `OTEL_TRACES_SAMPLER`'s values this gateway supports.
    package enum Sampler: Sendable, Hashable {
        case alwaysOn, alwaysOff, traceIDRatio(Double)
        case parentBasedAlwaysOn, parentBasedAlwaysOff, parentBasedTraceIDRatio(Double)

        package static let names = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
                                   "parentbased_traceidratio"]

        /// The sampler called `name`, with `ratio` for the ratio-based ones (default 1.0).
        package init?(name: String, ratio: Double?) {
            switch name {
            case "always_on": self = .alwaysOn
            case "always_off": self = .alwaysOff
            case "traceidratio": self = .traceIDRatio(ratio ?? 1)
            case "parentbased_always_on": self = .parentBasedAlwaysOn
            case "parentbased_always_off": self = .parentBasedAlwaysOff
            case "parentbased_traceidratio": self = .parentBasedTraceIDRatio(ratio ?? 1)
            default: return nil
            }
        }

        /// The same sampler with another ratio (ratio-based ones only).
        func with(ratio: Double) -> Sampler {
            switch self {
            case .traceIDRatio: return .traceIDRatio(ratio)
            case .parentBasedTraceIDRatio: return .parentBasedTraceIDRatio(ratio)
            default: return self
            }
        }

        package var name: String {
            switch self {
            case .alwaysOn: "always_on"
            case .alwaysOff: "always_off"
            case .traceIDRatio: "traceidratio"
            case .parentBasedAlwaysOn: "parentbased_always_on"
            case .parentBasedAlwaysOff: "parentbased_always_off"
            case .parentBasedTraceIDRatio: "parentbased_traceidratio"
            }
        }
    }

    /// Traces are exported (false: no span is made, and each request pays one nil check).
    package var enabled = false
    /// The full URL spans are POSTed to (`…/v1/traces`).
    package var tracesURL = "http://localhost:4318/v1/traces"
    package var wireProtocol = WireProtocol.httpProtobuf
    package var serviceName = "switchyard"
    package var resourceAttributes: [String: String] = [:]
    package var sampler = Sampler.parentBasedAlwaysOn
    /// Spans waiting for export; past it new spans are dropped (and counted), never waited for.
    package var maxQueueSize = 2048
    /// How long one export may take before it is given up (the queue keeps filling meanwhile).
    package var exportTimeout: Duration = .seconds(10)
    /// The longest a span waits in the queue before its batch is sent (sooner when a batch fills).
    package var scheduleDelay: Duration = .seconds(5)
    /// Spans per export request at most.
    package var maxExportBatchSize = 512
    /// Headers sent with every export (a collector's token): never logged.
    package var headers: [String: String] = [:]
    /// A PEM file of CA certificates trusted for an https collector (else the system's roots).
    package var certificateFile: String?
    /// The egress proxy for the collector, from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`.
    package var proxy: EgressProxy?
    /// Message contents (`gen_ai.input.messages`, `gen_ai.output.messages`) on the spans.
    /// Off unless asked for: prompts and answers are the callers' data.
    package var captureContent = false

    package init() {}

    /// The default OTLP/HTTP endpoint (a collector on this host).
    package static let defaultEndpoint = "http://localhost:4318"

    /// The environment variables that configure traces (they override the file).
    package static let environmentVariables = [
        "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "SWITCHYARD_TRACE_CONTENT",
    ]

    /// What the file's `telemetry:` section said (nil: not given).
    package struct FileSection: Sendable, Hashable {
        package var enabled: Bool?
        package var endpoint: String?
        package var tracesEndpoint: String?
        package var wireProtocol: WireProtocol?
        package var serviceName: String?
        package var resourceAttributes: [String: String] = [:]
        package var sampler: String?
        package var samplerArg: Double?
        package var maxQueueSize: Int?
        package var exportTimeout: Duration?
        package var scheduleDelay: Duration?
        package var maxExportBatchSize: Int?
        package var headers: [String: String] = [:]
        package var certificateFile: String?
        package var captureContent: Bool?

        package init() {}
    }

    /// The settings from the file's section (nil: none) and the environment, which overrides
    /// the file as OpenTelemetry SDKs do. Traces are on when the file enables them or names an
    /// endpoint, or when `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
    /// is set; `enabled: false`, `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn
    /// them off. A bad environment value is a `ConfigError` naming the variable.
    package static func resolve(file section: FileSection?, environment: [String: String]) throws(ConfigError) -> TraceSettings {
        func env(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func bad(_ name: String, _ message: String) -> ConfigError {
            ConfigError(file: "environment", line: nil, column: nil, field: name, message: message)
        }
        var settings = TraceSettings()
        let file = section ?? FileSection()

        // Where: a signal-specific URL is used as is; a base endpoint gets /v1/traces.
        var tracesURL: String?
        if let url = file.tracesEndpoint { tracesURL = url }
        if let base = file.endpoint, file.tracesEndpoint == nil { tracesURL = Self.tracesURL(base: base) }
        if let base = env("OTEL_EXPORTER_OTLP_ENDPOINT") {
            guard Self.isHTTPURL(base) else { throw bad("OTEL_EXPORTER_OTLP_ENDPOINT", "must be an http:// or https:// URL") }
            tracesURL = Self.tracesURL(base: base)
        }
        if let url = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            guard Self.isHTTPURL(url) else { throw bad("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "must be an http:// or https:// URL") }
            tracesURL = url
        }
        var enabled = file.enabled ?? (tracesURL != nil)
        if file.enabled == nil, env("OTEL_EXPORTER_OTLP_ENDPOINT") != nil || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nil { enabled = true }
        if let disabled = env("OTEL_SDK_DISABLED") {
            switch disabled.lowercased() {
            case "true": enabled = false
            case "false": break
            default: throw bad("OTEL_SDK_DISABLED", "must be true or false")
            }
        }
        if let exporter = env("OTEL_TRACES_EXPORTER") {
            switch exporter.lowercased() {
            case "none": enabled = false
            case "otlp": break
            default: throw bad("OTEL_TRACES_EXPORTER", "must be otlp or none (this build exports OTLP only)")
            }
        }
        settings.enabled = enabled
        settings.tracesURL = tracesURL ?? Self.tracesURL(base: Self.defaultEndpoint)

        settings.wireProtocol = file.wireProtocol ?? .httpProtobuf
        for name in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            guard let value = env(name) else { continue }
            guard let parsed = WireProtocol(rawValue: value) else {
                throw bad(name, value == "grpc" ? "grpc is not supported: this build exports over OTLP/HTTP (http/protobuf or http/json)"
                                                : "must be http/protobuf or http/json")
            }
            settings.wireProtocol = parsed
        }

        settings.resourceAttributes = file.resourceAttributes
        if let text = env("OTEL_RESOURCE_ATTRIBUTES") {
            guard let parsed = Self.parseResourceAttributes(text) else {
                throw bad("OTEL_RESOURCE_ATTRIBUTES", "must be a comma-separated list of key=value pairs")
            }
            settings.resourceAttributes.merge(parsed) { _, new in new }
        }
        // The service name: OTEL_SERVICE_NAME, else service.name among the resource attributes,
        // else the file's, else "switchyard".
        settings.serviceName = env("OTEL_SERVICE_NAME") ?? file.serviceName ?? settings.resourceAttributes["service.name"] ?? "switchyard"

        var sampler = Sampler(name: file.sampler ?? "parentbased_always_on", ratio: file.samplerArg) ?? .parentBasedAlwaysOn
        if let name = env("OTEL_TRACES_SAMPLER") {
            guard let parsed = Sampler(name: name.lowercased(), ratio: nil) else {
                throw bad("OTEL_TRACES_SAMPLER", "must be one of: \(Sampler.names.joined(separator: ", "))")
            }
            sampler = parsed.with(ratio: file.samplerArg ?? 1)
        }
        if let arg = env("OTEL_TRACES_SAMPLER_ARG") {
            guard let ratio = Double(arg), ratio.isFinite, (0...1).contains(ratio) else {
                throw bad("OTEL_TRACES_SAMPLER_ARG", "must be a number between 0 and 1")
            }
            sampler = sampler.with(ratio: ratio)
        }
        settings.sampler = sampler

        settings.maxQueueSize = file.maxQueueSize ?? settings.maxQueueSize
        if let size = env("OTEL_BSP_MAX_QUEUE_SIZE") {
            guard let n = Int(size), (1...1_000_000).contains(n) else {
                throw bad("OTEL_BSP_MAX_QUEUE_SIZE", "must be a whole number between 1 and 1000000")
            }
            settings.maxQueueSize = n
        }
        settings.exportTimeout = file.exportTimeout ?? settings.exportTimeout
        for name in ["OTEL_BSP_EXPORT_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] {
            guard let text = env(name) else { continue }
            guard let ms = Int(text), (1...600_000).contains(ms) else { throw bad(name, "must be milliseconds between 1 and 600000") }
            settings.exportTimeout = .milliseconds(ms)
        }
        settings.scheduleDelay = file.scheduleDelay ?? settings.scheduleDelay
        if let text = env("OTEL_BSP_SCHEDULE_DELAY") {
            guard let ms = Int(text), (1...3_600_000).contains(ms) else {
                throw bad("OTEL_BSP_SCHEDULE_DELAY", "must be milliseconds between 1 and 3600000")
            }
            settings.scheduleDelay = .milliseconds(ms)
        }
        settings.maxExportBatchSize = file.maxExportBatchSize ?? settings.maxExportBatchSize
        if let text = env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") {
            guard let n = Int(text), (1...100_000).contains(n) else {
                throw bad("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "must be a whole number between 1 and 100000")
            }
            settings.maxExportBatchSize = n
        }
        settings.maxExportBatchSize = min(settings.maxExportBatchSize, settings.maxQueueSize)
        settings.headers = file.headers
        for name in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
            guard let text = env(name) else { continue }
            // The value is a secret as often as not: the error names the variable, never the value.
            guard let parsed = Self.parseResourceAttributes(text), parsed.allSatisfy({ Self.isHeader(name: $0.key, value: $0.value) }) else {
                throw bad(name, "must be a comma-separated list of name=value pairs with valid HTTP header names and values")
            }
            settings.headers.merge(parsed) { _, new in new }
        }
        settings.certificateFile = file.certificateFile
        for name in ["OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"] {
            if let path = env(name) { settings.certificateFile = path }
        }
        if let url = URL(string: settings.tracesURL), let host = url.host {
            settings.proxy = EgressProxy.fromEnvironment(environment, scheme: url.scheme?.lowercased() ?? "http", host: host)
        }
        settings.captureContent = file.captureContent ?? false
        if let content = env("SWITCHYARD_TRACE_CONTENT") {
            switch content.lowercased() {
            case "true", "1": settings.captureContent = true
            case "false", "0": settings.captureContent = false
            default: throw bad("SWITCHYARD_TRACE_CONTENT", "must be true or false")
            }
        }
        return settings
    }

    /// An HTTP header name (a token) and a value without control characters.
    static func isHeader(name: String, value: String) -> Bool {
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        return !name.isEmpty && name.utf8.allSatisfy(tokenCharacters.contains) && value.utf8.allSatisfy { $0 == 0x09 || (0x20...0x7E).contains($0) || $0 >= 0x80 }
    }

    /// `base` + `/v1/traces` (the OTLP/HTTP rule for the shared endpoint).
    package static func tracesURL(base: String) -> String {
        base.hasSuffix("/") ? base + "v1/traces" : base + "/v1/traces"
    }

    /// An absolute http(s) URL with a host.
    package static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else { return false }
        return true
    }

    /// `key1=value1,key2=value2` (values percent-decoded, per the OTel spec); nil when a pair
    /// has no `=` or an empty key.
    package static func parseResourceAttributes(_ text: String) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { return nil }
            let raw = parts[1].trimmingCharacters(in: .whitespaces)
            result[key] = raw.removingPercentEncoding ?? raw
        }
        return result
    }
}
