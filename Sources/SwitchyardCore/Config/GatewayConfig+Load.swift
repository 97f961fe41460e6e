import Foundation
internal import Yams

extension GatewayConfig {
    /// Reads and validates a YAML config file. Every error names the file, line and field.
    /// API keys are read from the environment variables the file names; a missing one is named,
    /// never printed.
    package static func load(path: String, environment: [String: String],
                            catalog: Catalog = .builtIn) throws(ConfigError) -> GatewayConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, column: nil, field: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, file: path, environment: environment, catalog: catalog)
    }

    package static func parse(yaml: String, file: String, environment: [String: String],
                             catalog: Catalog = .builtIn) throws(ConfigError) -> GatewayConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, line: 1, column: 1, field: "", message: "the file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw yamlSyntaxError(error, file: file)
        } catch {
            throw ConfigError(file: file, line: nil, column: nil, field: "", message: "invalid YAML: \(error)")
        }
        return try ConfigValidator(file: file, environment: environment, catalog: catalog).validate(root)
    }

    private static func yamlSyntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, field: "", message: "invalid YAML: \(problem)")
        case .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, field: "", message: "invalid YAML: \(problem)")
        default:
            return ConfigError(file: file, line: nil, column: nil, field: "", message: "invalid YAML: \(error)")
        }
    }
}

/// Turns the parsed YAML tree into a `GatewayConfig`, checking every field.
struct ConfigValidator {
    let file: String
    let environment: [String: String]
    let catalog: Catalog

    func validate(_ root: Node) throws(ConfigError) -> GatewayConfig {
        let top = try YAMLCursor(node: root, field: "", file: file)
            .mapping(allowed: ["server", "timeouts", "models", "providers", "routing", "auth", "store", "ledger", "metrics", "log", "cache", "telemetry", "batch", "dashboard"])
        var config = GatewayConfig(catalog: catalog, providers: [], origin: file)
        config.access = try AccessValidator(file: file, environment: environment)
            .access(auth: top["auth"], store: top["store"], ledger: top["ledger"])
        if let server = top["server"] { config.server = try serverSettings(server) }
        if let metrics = top["metrics"] {
            let fields = try metrics.mapping(allowed: ["bearer_token_env"])
            if let envCursor = fields["bearer_token_env"] {
                let variable = try envCursor.string()
                guard let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), value.utf8.count >= 16 else {
                    throw envCursor.error("the environment variable \(variable) must hold the bearer token /metrics requires (16 characters or more)")
                }
                config.metricsBearerToken = Secret(value)
            }
        }
        if let log = top["log"] { config.accessLog = try accessLog(log) }
        var telemetrySection: TraceSettings.FileSection?
        if let cursor = top["telemetry"] { telemetrySection = try telemetry(cursor) }
        config.traces = try TraceSettings.resolve(file: telemetrySection, environment: environment)
        if let dashboard = top["dashboard"] { config.dashboard = try dashboardSettings(dashboard) }
        if let timeouts = top["timeouts"] { config.timeouts = try upstreamTimeouts(timeouts, base: config.timeouts) }
        if let cache = top["cache"] { try cacheSettings(cache, into: &config.cache) }
        if let batch = top["batch"] { config.batch = try batchSettings(batch) }
        if let models = top["models"] {
            for entry in try models.sequence() {
                let model = try model(entry, in: config.catalog)
                config.catalog.upsert(model)
                if let cache = try entry.mapping(allowed: Self.modelFields)["cache"] {
                    var override = CacheSettings.Override()
                    try cacheSettings(cache, into: &override)
                    config.cache.models[model.id] = override
                }
            }
        }
        guard let providers = top["providers"] else {
            throw YAMLCursor(node: root, field: "providers", file: file).error("is required: list at least one provider with a deployment")
        }
        let entries = try providers.sequence()
        guard !entries.isEmpty else { throw providers.error("must list at least one provider") }
        var names = Set<String>()
        for entry in entries {
            let provider = try self.provider(entry, catalog: config.catalog)
            for d in provider.deployments {
                guard names.insert(d.name).inserted else {
                    throw entry.error("deployment name '\(d.name)' is used twice; deployment names must be unique")
                }
            }
            config.providers.append(provider)
        }
        if let routing = top["routing"] {
            config.routing = try RoutingValidator(validator: self, catalog: config.catalog, timeouts: config.timeouts,
                                                  served: Set(config.deployments.flatMap(\.models.keys))).routing(routing)
        }
        return config
    }

    /// `tls: {ca_file, server_name}` of a deployment.
    private func deploymentTLS(_ cursor: YAMLCursor) throws(ConfigError) -> DeploymentTLS {
        let fields = try cursor.mapping(allowed: ["ca_file", "server_name"])
        var tls = DeploymentTLS()
        if let file = fields["ca_file"] {
            let path = try file.string()
            guard let data = FileManager.default.contents(atPath: path) else {
                throw file.error("cannot read '\(path.prefix(300))'")
            }
            guard String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
                throw file.error("'\(path.prefix(300))' holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            }
            tls.caFile = path
        }
        if let name = fields["server_name"] {
            let value = try name.string()
            guard !value.isEmpty, value.count <= 253,
                  value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw name.error("must be a host name (letters, digits, '-' and '.')")
            }
            tls.serverName = value
        }
        guard tls.caFile != nil || tls.serverName != nil else { throw cursor.error("needs ca_file or server_name") }
        return tls
    }

    /// `telemetry:`: OpenTelemetry traces (the `OTEL_*` environment variables override it).
    private func telemetry(_ cursor: YAMLCursor) throws(ConfigError) -> TraceSettings.FileSection {
        let fields = try cursor.mapping(allowed: ["enabled", "endpoint", "traces_endpoint", "protocol", "service_name", "resource_attributes",
                                                  "sampler", "sampler_arg", "max_queue_size", "max_export_batch_size", "schedule_delay_ms",
                                                  "export_timeout_ms", "headers", "certificate", "capture_content"])
        var section = TraceSettings.FileSection()
        if let v = fields["enabled"] { section.enabled = try v.bool() }
        for (name, path) in [("endpoint", \TraceSettings.FileSection.endpoint), ("traces_endpoint", \TraceSettings.FileSection.tracesEndpoint)] {
            guard let v = fields[name] else { continue }
            let url = try v.string()
            guard TraceSettings.isHTTPURL(url) else { throw v.error("must be an http:// or https:// URL (OTLP/HTTP, e.g. http://127.0.0.1:4318)") }
            section[keyPath: path] = url
        }
        if let v = fields["protocol"] {
            let text = try v.string()
            guard let parsed = TraceSettings.WireProtocol(rawValue: text) else {
                throw v.error(text == "grpc" ? "grpc is not supported: this build exports over OTLP/HTTP (http/protobuf or http/json)"
                                             : "must be http/protobuf or http/json")
            }
            section.wireProtocol = parsed
        }
        if let v = fields["service_name"] { section.serviceName = try v.string() }
        if let v = fields["resource_attributes"] {
            for (key, value) in try v.pairs() { section.resourceAttributes[key] = try value.string() }
        }
        if let v = fields["sampler"] {
            let name = try v.string()
            guard TraceSettings.Sampler(name: name, ratio: nil) != nil else {
                throw v.error("must be one of: \(TraceSettings.Sampler.names.joined(separator: ", "))")
            }
            section.sampler = name
        }
        if let v = fields["sampler_arg"] { section.samplerArg = try v.number(in: 0...1) }
        if let v = fields["max_queue_size"] { section.maxQueueSize = try v.int(in: 1...1_000_000) }
        if let v = fields["max_export_batch_size"] { section.maxExportBatchSize = try v.int(in: 1...100_000) }
        if let v = fields["schedule_delay_ms"] { section.scheduleDelay = .milliseconds(try v.int(in: 1...3_600_000)) }
        if let v = fields["export_timeout_ms"] { section.exportTimeout = .milliseconds(try v.int(in: 1...600_000)) }
        if let v = fields["headers"] {
            for (name, value) in try v.pairs() {
                let text = try value.string()
                guard TraceSettings.isHeader(name: name, value: text) else { throw value.error("must be a valid HTTP header name and value") }
                section.headers[name] = text
            }
        }
        if let v = fields["certificate"] { section.certificateFile = try v.string() }
        if let v = fields["capture_content"] { section.captureContent = try v.bool() }
        return section
    }

    /// `dashboard: {enabled, session_ttl_s, secure_cookie}`.
    private func dashboardSettings(_ cursor: YAMLCursor) throws(ConfigError) -> DashboardSettings {
        let fields = try cursor.mapping(allowed: ["enabled", "session_ttl_s", "secure_cookie"])
        var settings = DashboardSettings()
        if let v = fields["enabled"] { settings.enabled = try v.bool() }
        if let v = fields["session_ttl_s"] { settings.sessionTTL = .seconds(try v.int(in: 60...2_592_000)) }
        if let v = fields["secure_cookie"] {
            let text = try v.string()
            guard let mode = DashboardSettings.SecureCookie(rawValue: text) else { throw v.error("must be auto, always or never") }
            settings.secureCookie = mode
        }
        return settings
    }

    /// `log: {access: json | off, access_file: PATH}`.
    private func accessLog(_ cursor: YAMLCursor) throws(ConfigError) -> AccessLogSettings {
        let fields = try cursor.mapping(allowed: ["access", "access_file"])
        var settings = AccessLogSettings()
        if let access = fields["access"] {
            switch try access.string() {
            case "json": settings.enabled = true
            case "off": settings.enabled = false
            default: throw access.error("must be json or off")
            }
        }
        if let file = fields["access_file"] {
            let path = try file.string()
            guard !path.isEmpty, !path.contains("\0") else { throw file.error("must be a file path") }
            settings.file = path
            // A file named means the log is wanted, unless `access: off` says otherwise.
            if fields["access"] == nil { settings.enabled = true }
        }
        return settings
    }

    private func serverSettings(_ cursor: YAMLCursor) throws(ConfigError) -> ServerSettings {
        let fields = try cursor.mapping(allowed: ["host", "port", "max_body_bytes", "backlog", "header_timeout_ms", "body_timeout_ms",
                                                  "idle_timeout_ms", "max_connections", "shutdown_grace_s", "client_stall_ms", "public_health"])
        var settings = ServerSettings()
        if let host = fields["host"] { settings.host = try host.string() }
        if let port = fields["port"] { settings.port = try port.int(in: 0...65535) }
        if let max = fields["max_body_bytes"] { settings.maxBodyBytes = try max.int(in: 1024...(1 << 30)) }
        if let backlog = fields["backlog"] { settings.backlog = try backlog.int(in: 1...65_535) }
        if let v = fields["header_timeout_ms"] { settings.headerTimeout = .milliseconds(try v.int(in: 1...3_600_000)) }
        if let v = fields["body_timeout_ms"] { settings.bodyTimeout = .milliseconds(try v.int(in: 1...3_600_000)) }
        if let v = fields["idle_timeout_ms"] { settings.idleTimeout = .milliseconds(try v.int(in: 1...86_400_000)) }
        if let v = fields["client_stall_ms"] { settings.clientStall = .milliseconds(try v.int(in: 1...3_600_000)) }
        if let v = fields["max_connections"] { settings.maxConnections = try v.int(in: 1...1_000_000) }
        if let v = fields["shutdown_grace_s"] { settings.shutdownGrace = .seconds(try v.int(in: 0...86_400)) }
        if let v = fields["public_health"] { settings.publicHealth = try v.bool() }
        return settings
    }

    /// `timeouts:` at the top level, or (without `connect_ms`, which the shared connection pool
    /// applies to every deployment) per model and per rule.
    func upstreamTimeouts(_ cursor: YAMLCursor, base: UpstreamTimeouts, allowConnect: Bool = true) throws(ConfigError) -> UpstreamTimeouts {
        let allowed: Set<String> = allowConnect ? ["connect_ms", "first_token_ms", "stream_idle_ms", "total_ms"] : ["first_token_ms", "stream_idle_ms", "total_ms"]
        let fields = try cursor.mapping(allowed: allowed)
        var timeouts = base
        if let v = fields["connect_ms"] { timeouts.connect = .milliseconds(try v.int(in: 1...600_000)) }
        if let v = fields["first_token_ms"] { timeouts.firstToken = .milliseconds(try v.int(in: 1...86_400_000)) }
        if let v = fields["stream_idle_ms"] { timeouts.streamIdle = .milliseconds(try v.int(in: 1...86_400_000)) }
        if let v = fields["total_ms"] { timeouts.total = .milliseconds(try v.int(in: 1...86_400_000)) }
        return timeouts
    }

    /// `cache:` at the top level: the response cache's global settings.
    private func cacheSettings(_ cursor: YAMLCursor, into settings: inout CacheSettings) throws(ConfigError) {
        let fields = try cursor.mapping(allowed: ["enabled", "ttl_s", "max_bytes", "shared", "default"])
        if let v = fields["enabled"] { settings.enabled = try v.bool() }
        if let v = fields["ttl_s"] { settings.ttl = .seconds(try v.int(in: Self.cacheTTLRange)) }
        if let v = fields["max_bytes"] { settings.maxBytes = try v.int(in: Self.cacheBytesRange) }
        if let v = fields["shared"] { settings.shared = try v.bool() }
        if let v = fields["default"] { settings.defaultUse = try cacheDefault(v) }
    }

    /// A model entry's `cache:`: overrides of the global settings, plus `deterministic`.
    private func cacheSettings(_ cursor: YAMLCursor, into settings: inout CacheSettings.Override) throws(ConfigError) {
        let fields = try cursor.mapping(allowed: ["enabled", "ttl_s", "max_bytes", "shared", "default", "deterministic"])
        if let v = fields["enabled"] { settings.enabled = try v.bool() }
        if let v = fields["ttl_s"] { settings.ttl = .seconds(try v.int(in: Self.cacheTTLRange)) }
        if let v = fields["max_bytes"] { settings.maxBytes = try v.int(in: Self.cacheBytesRange) }
        if let v = fields["shared"] { settings.shared = try v.bool() }
        if let v = fields["default"] { settings.defaultUse = try cacheDefault(v) }
        if let v = fields["deterministic"] { settings.deterministic = try v.bool() }
    }

    private func cacheDefault(_ cursor: YAMLCursor) throws(ConfigError) -> CacheSettings.DefaultUse {
        let text = try cursor.string()
        guard let value = CacheSettings.DefaultUse(rawValue: text) else { throw cursor.error("must be use or off") }
        return value
    }

    /// Up to 30 days; between 4 KiB and 64 GiB.
    static let cacheTTLRange = 1...2_592_000
    static let cacheBytesRange = 4096...(64 << 30)

    static let modelFields: Set<String> = ["id", "name", "family", "aliases", "context_window", "capabilities", "pricing", "tokens_per_second",
                                           "max_output_tokens", "notes", "cache"]

    /// A model entry: a new model (with `family` and `context_window`) or a change to a catalog
    /// model (any subset of fields, usually `pricing`).
    private func model(_ cursor: YAMLCursor, in catalog: Catalog) throws(ConfigError) -> CatalogModel {
        let fields = try cursor.mapping(allowed: Self.modelFields)
        guard let idCursor = fields["id"] else { throw cursor.error("needs an id") }
        let id = try idCursor.string()
        var model: CatalogModel
        if let existing = catalog.model(named: id) {
            model = existing
        } else {
            guard let familyCursor = fields["family"] else { throw cursor.error("'\(id)' is not in the catalog, so it needs a family") }
            guard let contextCursor = fields["context_window"] else { throw cursor.error("'\(id)' is not in the catalog, so it needs a context_window") }
            model = CatalogModel(id: id, name: id, family: try family(familyCursor), contextWindow: try contextCursor.int(in: 1...100_000_000),
                                 capabilities: [.text], pricing: nil, notes: "added by \(file)")
        }
        if let v = fields["name"] { model.name = try v.string() }
        if let v = fields["family"] { model.family = try family(v) }
        if let v = fields["aliases"] { model.aliases = try v.stringList() }
        if let v = fields["context_window"] { model.contextWindow = try v.int(in: 1...100_000_000) }
        if let v = fields["capabilities"] {
            var caps = Set<Capability>()
            for entry in try v.sequence() {
                let name = try entry.string()
                guard let cap = Capability(rawValue: name) else {
                    throw entry.error("unknown capability '\(name)' (expected one of: \(Capability.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                caps.insert(cap)
            }
            model.capabilities = caps
        }
        if let v = fields["pricing"] { model.pricing = try pricing(v, previous: model.pricing) }
        if let v = fields["tokens_per_second"] { model.tokensPerSecond = try v.int(in: 1...100_000) }
        if let v = fields["max_output_tokens"] { model.maxOutputTokensSetting = try v.int(in: 1...100_000_000) }
        if let v = fields["notes"] { model.notes = try v.string() }
        return model
    }

    func pricing(_ cursor: YAMLCursor, previous: Pricing?) throws(ConfigError) -> Pricing {
        let fields = try cursor.mapping(allowed: ["input", "output", "cached_input"])
        let limit = Decimal(100_000)
        let input = try fields["input"].map { c throws(ConfigError) in try c.decimal(max: limit) } ?? previous?.inputPer1M
        let output = try fields["output"].map { c throws(ConfigError) in try c.decimal(max: limit) } ?? previous?.outputPer1M
        guard let input, let output else {
            throw cursor.error("needs input and output (USD per 1M tokens) for a model that has no price yet")
        }
        let cached = try fields["cached_input"].map { c throws(ConfigError) in try c.decimal(max: limit) }
            ?? (fields["input"] == nil ? previous?.cachedInputPer1M : nil) ?? input
        let source = fields["cached_input"] == nil
            ? "\(file): input/output set; cached input billed at the input rate unless set"
            : "\(file)"
        return Pricing(inputPer1M: input, outputPer1M: output, cachedInputPer1M: cached, source: source)
    }

    func family(_ cursor: YAMLCursor) throws(ConfigError) -> ModelFamily {
        let name = try cursor.string()
        guard let family = ModelFamily(rawValue: name.lowercased()) else {
            throw cursor.error("unknown family '\(name)' (expected one of: \(ModelFamily.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return family
    }

    private func provider(_ cursor: YAMLCursor, catalog: Catalog) throws(ConfigError) -> ProviderConfig {
        let fields = try cursor.mapping(allowed: ["name", "family", "deployments"])
        guard let nameCursor = fields["name"] else { throw cursor.error("needs a name") }
        let name = try nameCursor.string()
        guard let familyCursor = fields["family"] else { throw cursor.error("needs a family") }
        let family = try self.family(familyCursor)
        guard let deploymentsCursor = fields["deployments"] else { throw cursor.error("needs deployments") }
        let entries = try deploymentsCursor.sequence()
        guard !entries.isEmpty else { throw deploymentsCursor.error("must list at least one deployment") }
        var deployments: [DeploymentConfig] = []
        for entry in entries {
            deployments.append(try deployment(entry, provider: name, family: family, catalog: catalog))
        }
        return ProviderConfig(name: name, family: family, deployments: deployments)
    }

    private func deployment(_ cursor: YAMLCursor, provider: String, family: ModelFamily, catalog: Catalog) throws(ConfigError) -> DeploymentConfig {
        let fields = try cursor.mapping(allowed: ["name", "region", "base_url", "api_key_env", "weight", "models", "probe", "simulated", "tls", "proxy"])
        guard let nameCursor = fields["name"] else { throw cursor.error("needs a name") }
        let name = try nameCursor.string()
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw nameCursor.error("may contain only letters, digits, '-', '_' and '.'")
        }
        let region = try fields["region"].map { c throws(ConfigError) in try c.string() } ?? "default"
        let simulated = try fields["simulated"].map { c throws(ConfigError) in try c.bool() } ?? false
        let endpoint: DeploymentConfig.Endpoint
        if simulated {
            // The in-process simulator: for trying routing policies without any provider.
            guard fields["base_url"] == nil else { throw cursor.error("a simulated deployment has no base_url") }
            guard fields["api_key_env"] == nil else { throw cursor.error("a simulated deployment takes no api_key_env") }
            endpoint = .simulator
        } else {
            guard let urlCursor = fields["base_url"] else { throw cursor.error("needs a base_url (e.g. https://api.deepseek.com), or simulated: true") }
            let baseURL = try urlCursor.string()
            guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = url.host, !host.isEmpty else {
                throw urlCursor.error("must be an http:// or https:// URL with a host, got '\(URLRedaction.safe(baseURL))'")
            }
            endpoint = .http(baseURL: baseURL)
        }
        var proxy: EgressProxy?
        if case .http(let baseURL) = endpoint, let url = URLComponents(string: baseURL), let host = url.host {
            if let proxyCursor = fields["proxy"] {
                let value = try proxyCursor.string()
                if value != "none" {
                    guard let parsed = EgressProxy(url: value) else {
                        throw proxyCursor.error("must be an http:// proxy URL (http://[user:password@]host[:port]) or none, got '\(URLRedaction.safe(value))'")
                    }
                    proxy = parsed
                }
            } else {
                proxy = EgressProxy.fromEnvironment(environment, scheme: url.scheme?.lowercased() ?? "http", host: host)
            }
        } else if let proxyCursor = fields["proxy"] {
            throw proxyCursor.error("applies only to a deployment with a base_url")
        }
        var tls: DeploymentTLS?
        if let tlsCursor = fields["tls"] {
            guard case .http(let baseURL) = endpoint, baseURL.lowercased().hasPrefix("https://") else {
                throw tlsCursor.error("applies only to an https:// base_url")
            }
            tls = try deploymentTLS(tlsCursor)
        }
        var apiKey: Secret?
        var apiKeyEnv: String?
        if let envCursor = fields["api_key_env"] {
            let variable = try envCursor.string()
            guard let value = environment[variable], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw envCursor.error("the environment variable \(variable) is not set (it must hold this deployment's API key)")
            }
            apiKey = Secret(value.trimmingCharacters(in: .whitespacesAndNewlines))
            apiKeyEnv = variable
        }
        let weight = try fields["weight"].map { c throws(ConfigError) in try c.int(in: 0...1_000_000) } ?? 1
        guard let modelsCursor = fields["models"] else {
            throw cursor.error("needs models: a mapping from catalog model ID to the upstream's model ID")
        }
        var models: [String: String] = [:]
        var prices: [String: Pricing] = [:]
        let pairs = try modelsCursor.pairs()
        guard !pairs.isEmpty else { throw modelsCursor.error("must list at least one model") }
        for (key, value) in pairs {
            guard let model = catalog.model(named: key) else {
                throw value.error("'\(key)' is not a catalog model; add it under models: or use an ID from `switchyard models`")
            }
            var upstreamID = model.id
            switch value.node {
            case .scalar(let s) where s.string.isEmpty || s.tag.description.hasSuffix("null"):
                break
            case .mapping:
                // Long form: {id: upstream-id, pricing: {input, output, cached_input}}.
                let entry = try value.mapping(allowed: ["id", "pricing"])
                if let id = entry["id"] { upstreamID = try id.string() }
                if let p = entry["pricing"] { prices[model.id] = try pricing(p, previous: model.pricing) }
            default:
                upstreamID = try value.string()
            }
            guard models[model.id] == nil else { throw value.error("'\(key)' maps to \(model.id), which is listed twice") }
            models[model.id] = upstreamID
        }
        var deployment = DeploymentConfig(name: name, provider: provider, family: family, region: region, endpoint: endpoint,
                                          apiKey: apiKey, apiKeyEnv: apiKeyEnv, weight: weight, models: models)
        deployment.prices = prices
        if let probe = fields["probe"] { deployment.probe = try probe.bool() }
        deployment.tls = tls
        deployment.proxy = proxy
        return deployment
    }
}
