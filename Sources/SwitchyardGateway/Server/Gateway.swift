import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import SwitchyardCore
import SwitchyardSimulator
import SwitchyardStore

/// Builds the gateway's HTTP application from a validated config. The `switchyard serve`
/// command and the tests both start here.
public enum Gateway {
    /// Everything the running gateway is made of.
    public struct Parts: Sendable {
        public var registry: PrometheusCollectorRegistry
        public var pool: DeploymentPool
        public var simulator: Simulator
        /// The pooled upstream connections (closed by `UpstreamConnectionsService` at shutdown).
        public var upstream: UpstreamConnections
        /// The chat calls in flight (shutdown waits for them, then cancels them).
        public var calls: CallTracker
        /// Open client connections.
        var connections: ConnectionCount

        /// The shutdown step that waits for the calls in flight and the client connections still
        /// open (at most `connectionWait`), so that every call's ledger row is written.
        public func callDrain(connectionWait: Duration) -> CallDrain {
            CallDrain(calls: calls, connections: connections, connectionWait: connectionWait)
        }
    }

    public static func buildApplication(
        config: GatewayConfig,
        simulator: Simulator? = nil,
        access: AccessLayer? = nil,
        accessLog: AccessLog? = nil,
        metrics: GatewayMetrics? = nil,
        registry: PrometheusCollectorRegistry? = nil,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> (application: some ApplicationProtocol, parts: Parts) {
        for deployment in config.deployments {
            if let key = deployment.apiKey { SecretScrubber.shared.register(key.value) }
            if let proxyAuthorization = deployment.proxy?.authorization { SecretScrubber.shared.register(proxyAuthorization.value) }
        }
        if let adminKey = config.access.adminKey { SecretScrubber.shared.register(adminKey.value) }
        if let token = config.metricsBearerToken { SecretScrubber.shared.register(token.value) }
        let registry = registry ?? PrometheusCollectorRegistry()
        let metrics = metrics ?? makeMetrics(registry: registry)
        let pool = DeploymentPool(deployments: config.deployments, routing: config.routing)
        let simulator = simulator ?? Simulator(catalog: config.catalog)
        let upstream = UpstreamConnections(settings: .init(connectTimeout: config.timeouts.connect))
        let executor = Executor(
            pool: pool, transports: .init(http: HTTPUpstream(connections: upstream), simulator: SimulatorUpstream(simulator: simulator)),
            routing: config.routing, defaultTimeouts: config.timeouts, metrics: metrics,
            hedgeBudget: HedgeBudget(share: config.routing.hedge.budget))
        var chatHandler = ChatCompletionHandler(
            pool: pool,
            planner: RoutePlanner(catalog: config.catalog, routing: config.routing, isServed: { pool.serves($0) }),
            executor: executor, metrics: metrics, maxBodyBytes: config.server.maxBodyBytes, access: access)
        chatHandler.accessLog = accessLog
        let chat = chatHandler
        let models = ModelsEndpoint(catalog: config.catalog, pool: pool)
        let admin = AdminEndpoints(access: access, catalog: config.catalog)
        let calls = CallTracker()
        let connections = ConnectionCount(limit: config.server.maxConnections)

        let router = Router()
        let allowed = AllowedMethods()
        router.add(middleware: OpenAIErrorMiddleware(maxBodyBytes: config.server.maxBodyBytes, allowed: allowed))
        // Chat completions are answered by `ChatFrontHandler`, in each connection's pipeline,
        // ahead of this router; everything else is routed here.
        router.get("/v1/models") { _, _ in models.list() }
        let embeddings = EmbeddingsEndpoint(chat: chat)
        router.post("/v1/embeddings") { request, context in try await embeddings.handle(request, logger: context.logger) }
        router.get("/v1/models/**") { _, context in
            models.one(context.parameters.getCatchAll().joined(separator: "/"))
        }
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        router.get("/readyz") { _, _ in
            let ready = pool.hasHealthyDeployment
            let body = "{\"status\":\"\(ready ? "ready" : "unavailable")\",\"deployments\":\(pool.deployments.count),\"config\":\(JSONString.quoted(config.origin))}"
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let publicHealth = config.server.publicHealth
        router.get("/admin/health") { request, _ in
            // Deployment names and their last errors are for operators: admin key required.
            if !publicHealth { _ = try admin.authorize(request) }
            return HealthEndpoint.render(pool.health)
        }
        admin.register(on: router)
        if let access {
            FilesEndpoints(access: access, directory: access.settings.resolvedFilesDirectory,
                           maxBytes: access.settings.filesMaxBytes, maxLines: access.settings.filesMaxLines,
                           maxLineBytes: config.server.maxBodyBytes + (64 << 10)).register(on: router)
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        let metricsToken = config.metricsBearerToken
        router.get("/metrics") { request, _ in
            if let metricsToken {
                let presented = AccessLayer.presentedKey(request.headers).map(String.init) ?? ""
                guard KeyHasher.constantTimeEquals(KeyHasher.digest(presented), KeyHasher.digest(metricsToken.value)) else {
                    throw OpenAIError(.invalidMetricsToken, "GET /metrics needs 'Authorization: Bearer <token>' (metrics.bearer_token_env).")
                }
            }
            metrics.recordDeploymentHealth(pool.health)
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        allowed.record(router, chatPaths: ChatFrontHandler.paths)
        let frontSettings = ChatFrontHandler.Settings(
            maxBodyBytes: config.server.maxBodyBytes,
            limits: .init(header: config.server.headerTimeout, body: config.server.bodyTimeout, idle: config.server.idleTimeout),
            clientStall: config.server.clientStall)
        let application = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                GatewayChildChannel(http1: HTTP1Channel(responder: responder), chat: chat, calls: calls, settings: frontSettings,
                                    connections: connections, logger: logger)
            },
            configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "switchyard",
                                 backlog: config.server.backlog),
            onServerRunning: onServerRunning,
            logger: logger)
        return (application, Parts(registry: registry, pool: pool, simulator: simulator, upstream: upstream, calls: calls,
                                   connections: connections))
    }
}

extension Gateway {
    /// The metrics and their Prometheus registry (the access layer needs them before the app exists).
    public static func makeMetrics(registry: PrometheusCollectorRegistry) -> GatewayMetrics {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .milliseconds(800), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        ]
        // The gateway's own time is measured in microseconds.
        factory.durationHistogramBuckets[GatewayMetrics.overheadLabel] = [
            .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(200), .microseconds(300), .microseconds(500),
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50),
        ]
        return GatewayMetrics(factory: factory)
    }
}

/// Closes idle upstream connections after the server has stopped.
public struct UpstreamConnectionsService: Service {
    public let connections: UpstreamConnections

    public init(connections: UpstreamConnections) { self.connections = connections }

    public func run() async throws {
        try? await gracefulShutdown()
        await connections.closeIdle()
    }
}
