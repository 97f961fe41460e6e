import Foundation

/// The validated configuration the gateway runs with. Built by `GatewayConfig.load(...)` from a
/// YAML file, or `GatewayConfig.embedded()` for the zero-setup default.
package struct GatewayConfig: Sendable {
    package var server: ServerSettings
    package var timeouts: UpstreamTimeouts
    package var catalog: Catalog
    package var providers: [ProviderConfig]
    package var routing = RoutingSettings()
    /// Keys, store and ledger. The programmatic default (tests) has auth off and an in-memory store.
    package var access = AccessSettings(authRequired: false, store: .memory)
    /// Where the configuration came from (`embedded default` or the file path), for logs.
    package var origin: String
    /// When set (`metrics.bearer_token_env`), `GET /metrics` needs `Authorization: Bearer <it>`.
    package var metricsBearerToken: Secret?
    /// One JSON line per request (`log:`), off by default.
    package var accessLog = AccessLogSettings()
    /// The exact-match response cache (`cache:`), off by default.
    package var cache = CacheSettings()
    /// OpenTelemetry traces (`telemetry:` and the `OTEL_*` variables), off by default.
    package var traces = TraceSettings()
    /// Batch jobs (`batch:`).
    package var batch = BatchSettings()
    /// The built-in dashboard (`dashboard:`), on while the admin API is.
    package var dashboard = DashboardSettings()

    package init(server: ServerSettings = .init(), timeouts: UpstreamTimeouts = .init(), catalog: Catalog,
                providers: [ProviderConfig], origin: String) {
        self.server = server
        self.timeouts = timeouts
        self.catalog = catalog
        self.providers = providers
        self.origin = origin
    }

    package var deployments: [DeploymentConfig] { providers.flatMap(\.deployments) }

    /// Every catalog model served by an in-process simulated provider of its family:
    /// no keys, no network.
    /// `environment` supplies the admin key (`SWITCHYARD_ADMIN_KEY`), as `load` does.
    package static func embedded(catalog: Catalog = .builtIn, environment: [String: String] = [:]) -> GatewayConfig {
        var providers: [ProviderConfig] = []
        for family in ModelFamily.allCases {
            let models = catalog.models.filter { $0.family == family }
            guard !models.isEmpty else { continue }
            let deployment = DeploymentConfig(
                name: "sim-\(family.rawValue)", provider: "\(family.rawValue)-simulator", family: family, region: "local",
                endpoint: .simulator, apiKey: nil, apiKeyEnv: nil, weight: 1,
                models: Dictionary(uniqueKeysWithValues: models.map { ($0.id, $0.id) }))
            providers.append(ProviderConfig(name: "\(family.rawValue)-simulator", family: family, deployments: [deployment]))
        }
        var config = GatewayConfig(catalog: catalog, providers: providers, origin: "embedded default (simulated providers)")
        config.access = AccessSettings(authRequired: false, store: .sqlite(path: "switchyard.db"))
        config.access.adminKey = environment[config.access.adminKeyEnv].flatMap { $0.isEmpty ? nil : Secret($0) }
        return config
    }
}

package struct ServerSettings: Sendable, Hashable {
    package var host: String = "127.0.0.1"
    package var port: Int = 8080
    /// Largest accepted request body; larger ones get 413.
    package var maxBodyBytes: Int = 10 << 20
    /// Pending connections the kernel queues before the gateway accepts them. A burst of new
    /// clients beyond it sees dropped SYNs, each a one-second retransmit (also capped by the
    /// kernel's net.core.somaxconn).
    package var backlog: Int = 4096
    /// The whole request head must arrive within this (from the connection, or from the first
    /// byte of a later request); past it the client gets 408 and the connection closes.
    package var headerTimeout: Duration = .seconds(10)
    /// Longest pause between two reads of a request body (408 and close past it).
    package var bodyTimeout: Duration = .seconds(10)
    /// How long a keep-alive connection may stay silent between requests.
    package var idleTimeout: Duration = .seconds(60)
    /// Open client connections; past it new connections are closed as they arrive.
    package var maxConnections: Int = 10_000
    /// On SIGTERM, calls in flight may finish for this long; then they are cancelled.
    package var shutdownGrace: Duration = .seconds(30)
    /// A client that takes no bytes of its answer for this long is disconnected.
    package var clientStall: Duration = .seconds(30)
    /// `GET /admin/health` without the admin key (it names deployments and their last errors).
    package var publicHealth = false

    package init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 10 << 20) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
    }
}

/// How long an upstream call may take.
package struct UpstreamTimeouts: Sendable, Hashable {
    /// Establishing the TCP/TLS connection.
    package var connect: Duration = .seconds(5)
    /// Until the answer starts: the first content of a stream, or a whole non-streaming answer's
    /// response head. Past it the attempt fails over.
    package var firstToken: Duration = .seconds(60)
    /// Longest silence between two chunks of a stream once it has started.
    package var streamIdle: Duration = .seconds(60)
    /// The whole request, every attempt included, first byte to last.
    package var total: Duration = .seconds(600)

    package init(connect: Duration = .seconds(5), firstToken: Duration = .seconds(60), streamIdle: Duration = .seconds(60),
                total: Duration = .seconds(600)) {
        self.connect = connect
        self.firstToken = firstToken
        self.streamIdle = streamIdle
        self.total = total
    }
}

package struct ProviderConfig: Sendable, Hashable {
    package var name: String
    package var family: ModelFamily
    package var deployments: [DeploymentConfig]

    package init(name: String, family: ModelFamily, deployments: [DeploymentConfig]) {
        self.name = name
        self.family = family
        self.deployments = deployments
    }
}

/// One place a model can be served from: a provider account in a region at a base URL.
package struct DeploymentConfig: Sendable, Hashable {
    package enum Endpoint: Sendable, Hashable {
        /// An OpenAI-compatible HTTP(S) API; `baseURL` ends before `/chat/completions`.
        case http(baseURL: String)
        /// The in-process simulator (embedded default).
        case simulator
    }

    package var name: String
    package var provider: String
    package var family: ModelFamily
    package var region: String
    package var endpoint: Endpoint
    package var apiKey: Secret?
    /// The environment variable the key was read from (safe to print).
    package var apiKeyEnv: String?
    package var weight: Int
    /// Catalog model ID → the upstream's own model ID.
    package var models: [String: String]
    /// Prices of this deployment where they differ from the catalog (regional prices, contracts).
    package var prices: [String: Pricing] = [:]
    /// Whether the gateway checks this deployment periodically (`GET {base_url}/models`). Off by
    /// default: some providers bill or rate-limit even that.
    package var probe = false
    /// How its HTTPS upstream is verified, when not by the system's roots and the URL's host.
    package var tls: DeploymentTLS?
    /// The HTTP proxy its calls go through: its `proxy:`, else `https_proxy`/`http_proxy` as
    /// `no_proxy` allows; nil for none.
    package var proxy: EgressProxy?

    package init(name: String, provider: String, family: ModelFamily, region: String, endpoint: Endpoint, apiKey: Secret?,
                apiKeyEnv: String?, weight: Int, models: [String: String]) {
        self.name = name
        self.provider = provider
        self.family = family
        self.region = region
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.apiKeyEnv = apiKeyEnv
        self.weight = weight
        self.models = models
    }

    /// The price of `model` here: the deployment's own, else the catalog's.
    package func pricing(for model: CatalogModel) -> Pricing? { prices[model.id] ?? model.pricing }
}

/// The access log: one JSON object per line, per request, to stdout or a file.
package struct AccessLogSettings: Sendable, Hashable {
    package var enabled = false
    /// Where the lines go; nil for stdout. Reopened on SIGUSR1 (for log rotation).
    package var file: String?

    package init(enabled: Bool = false, file: String? = nil) {
        self.enabled = enabled
        self.file = file
    }
}

/// A deployment's `tls:` — a private CA trusted for this deployment only, and the name its
/// certificate must carry when the URL's host is not it (an IP address, an internal alias).
package struct DeploymentTLS: Sendable, Hashable {
    /// A PEM file of CA certificates.
    package var caFile: String?
    package var serverName: String?

    package init(caFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.serverName = serverName
    }
}
