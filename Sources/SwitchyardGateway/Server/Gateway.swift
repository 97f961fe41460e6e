import Foundation
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
package enum Gateway {
    /// This process's own temporary folder (the in-memory store keeps uploaded files there).
    static let scratchDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("switchyard-\(ProcessInfo.processInfo.processIdentifier)")

    /// Everything the running gateway is made of.
    package struct Parts: Sendable {
        package var registry: PrometheusCollectorRegistry
        /// The configuration new calls take (swapped by a reload).
        package var live: LiveConfig
        /// Re-reads the config file (`SIGHUP`, `POST /admin/reload`).
        package var reloader: ConfigReloader
        /// The deployments at start-up, with their live state (after a reload: `live.pool`).
        package var pool: DeploymentPool
        package var simulator: Simulator
        /// The pooled upstream connections (closed by `UpstreamConnectionsService` at shutdown).
        package var upstream: UpstreamConnections
        /// The chat calls in flight (shutdown waits for them, then cancels them).
        package var calls: CallTracker
        /// Open client connections.
        var connections: ConnectionCount
        /// Runs batch jobs (with a store only). Put it after the application in the service
        /// group: at shutdown it stops dispatching lines first; `CallDrain` waits for the lines
        /// in flight.
        package var batches: (any Service)?

        /// The shutdown step that waits for the calls in flight and the client connections still
        /// open (at most `connectionWait`), so that every call's ledger row is written.
        package func callDrain(connectionWait: Duration) -> CallDrain {
            CallDrain(calls: calls, connections: connections, connectionWait: { connectionWait })
        }

        /// The same, waiting at most the running config's `shutdown_grace_s` (a reload may change it).
        package func callDrain() -> CallDrain {
            let live = self.live
            return CallDrain(calls: calls, connections: connections, connectionWait: { live.current.config.server.shutdownGrace })
        }

        /// The running config's `shutdown_grace_s`, read when the shutdown starts.
        package var shutdownGrace: @Sendable () -> Duration {
            let live = self.live
            return { live.current.config.server.shutdownGrace }
        }
    }

    /// `origin` says which file `config` came from (nil path: the embedded default, or a config
    /// built in code) and what the command line overrides in it; `source` its hash.
    package static func buildApplication(
        config: GatewayConfig,
        origin: ConfigReloader.Origin = .init(path: nil),
        source: ConfigSource? = nil,
        simulator: Simulator? = nil,
        access: AccessLayer? = nil,
        accessLog: AccessLog? = nil,
        metrics: GatewayMetrics? = nil,
        registry: PrometheusCollectorRegistry? = nil,
        tracer: GatewayTracer? = nil,
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
        metrics.registerConfigReloads()
        let pool = DeploymentPool(deployments: config.deployments, routing: config.routing)
        let simulator = simulator ?? Simulator(catalog: config.catalog)
        let upstream = UpstreamConnections(settings: .init(connectTimeout: config.timeouts.connect))
        let live = LiveConfig(GatewaySnapshot(
            config: config, source: source ?? ConfigSource(path: origin.path, sha256: nil), pool: pool, simulator: simulator,
            http: HTTPUpstream(connections: upstream), metrics: metrics))
        let reloader = ConfigReloader(origin: origin, live: live, metrics: metrics, logger: logger)
        var chatHandler = ChatCompletionHandler(live: live, metrics: metrics, access: access)
        chatHandler.accessLog = accessLog
        chatHandler.tracer = tracer
        if config.cache.anyEnabled { chatHandler.cache = AnswerCache(settings: config.cache, metrics: metrics) }
        let chat = chatHandler
        let admin = AdminEndpoints(access: access, live: live)
        let calls = CallTracker()
        let connections = ConnectionCount()

        let router = Router(context: GatewayRequestContext.self)
        let allowed = AllowedMethods()
        // Outermost: the SERVER span sees every answer's status, errors included.
        if let tracer { router.add(middleware: ServerSpanMiddleware(tracer: tracer, serverPort: config.server.port)) }
        router.add(middleware: OpenAIErrorMiddleware(maxBodyBytes: config.server.maxBodyBytes, allowed: allowed))
        // Chat completions are answered by `ChatFrontHandler`, in each connection's pipeline,
        // ahead of this router; everything else is routed here.
        router.get("/v1/models") { _, _ in live.current.models.list() }
        let embeddings = EmbeddingsEndpoint(chat: chat)
        router.post("/v1/embeddings") { request, context in try await embeddings.handle(request, logger: context.logger) }
        router.get("/v1/models/**") { _, context in
            live.current.models.one(context.parameters.getCatchAll().joined(separator: "/"))
        }
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        router.get("/readyz") { _, _ in
            let snapshot = live.current
            let ready = snapshot.pool.hasHealthyDeployment
            let body = "{\"status\":\"\(ready ? "ready" : "unavailable")\",\"deployments\":\(snapshot.pool.deployments.count),\"config\":\(JSONString.quoted(snapshot.config.origin))}"
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/admin/health") { request, _ in
            let snapshot = live.current
            // Deployment names and their last errors are for operators: admin key required.
            if !snapshot.config.server.publicHealth { _ = try admin.authorize(request) }
            return HealthEndpoint.render(snapshot.pool.health, source: snapshot.source)
        }
        router.post("/admin/reload") { request, _ in
            _ = try admin.authorize(request)
            return try ReloadEndpoint.render(await reloader.reload(trigger: "POST /admin/reload"))
        }
        admin.register(on: router)
        var batches: BatchRunner?
        Dashboard(access: access, live: live).register(on: router)
        if let access {
            FilesEndpoints(access: access, directory: access.settings.resolvedFilesDirectory(scratch: Gateway.scratchDirectory),
                           maxBytes: access.settings.filesMaxBytes, maxLines: access.settings.filesMaxLines,
                           maxLineBytes: config.server.maxBodyBytes + (64 << 10)).register(on: router)
            let runner = BatchRunner(access: access, chat: chat, calls: calls, live: live, logger: logger)
            batches = runner
            BatchEndpoints(access: access, admin: admin, live: live, runner: runner, directory: access.settings.resolvedFilesDirectory(scratch: Gateway.scratchDirectory))
                .register(on: router)
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/metrics") { request, _ in
            let snapshot = live.current
            if let metricsToken = snapshot.config.metricsBearerToken {
                let presented = AccessLayer.presentedKey(request.headers).map(String.init) ?? ""
                guard KeyHasher.constantTimeEquals(KeyHasher.digest(presented), KeyHasher.digest(metricsToken.value)) else {
                    throw OpenAIError(.invalidMetricsToken, "GET /metrics needs 'Authorization: Bearer <token>' (metrics.bearer_token_env).")
                }
            }
            metrics.recordDeploymentHealth(snapshot.pool.health)
            if let access { metrics.recordLedgerQueue(depth: access.ledger.count) }
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        allowed.record(router, chatPaths: ChatFrontHandler.paths)
        let application = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                GatewayChildChannel(http1: HTTP1Channel(responder: responder), chat: chat, calls: calls, live: live,
                                    connections: connections, logger: logger)
            },
            configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "switchyard",
                                 backlog: config.server.backlog),
            onServerRunning: onServerRunning,
            logger: logger)
        return (application, Parts(registry: registry, live: live, reloader: reloader, pool: pool, simulator: simulator, upstream: upstream,
                                   calls: calls, connections: connections, batches: batches))
    }
}

extension Gateway {
    /// The metrics and their Prometheus registry (the access layer needs them before the app exists).
    package static func makeMetrics(registry: PrometheusCollectorRegistry) -> GatewayMetrics {
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
        // The OpenTelemetry GenAI metrics use the conventions' own boundaries.
        let seconds = { (values: [Double]) in values.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) } }
        factory.durationHistogramBuckets[GenAIConventions.operationDuration] = seconds(GenAIConventions.durationBuckets)
        factory.durationHistogramBuckets[GenAIConventions.timeToFirstChunk] = seconds(GenAIConventions.durationBuckets)
        factory.durationHistogramBuckets[GenAIConventions.timePerOutputChunk] = seconds(GenAIConventions.chunkBuckets)
        factory.valueHistogramBuckets[GenAIConventions.tokenUsage] = GenAIConventions.tokenBuckets
        return GatewayMetrics(factory: factory)
    }
}

/// Closes idle upstream connections after the server has stopped.
package struct UpstreamConnectionsService: Service {
    package let connections: UpstreamConnections

    package init(connections: UpstreamConnections) { self.connections = connections }

    package func run() async throws {
        try? await gracefulShutdown()
        await connections.closeIdle()
    }
}
