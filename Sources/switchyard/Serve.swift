import ArgumentParser
import Foundation
import Logging
import NIOCore
import Prometheus
import UnixSignals
import ServiceLifecycle
import SwitchyardCore
import SwitchyardGateway

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway.",
        discussion: """
            Without --config, the embedded default: every catalog model is served by an in-process \
            simulated provider of its family (no keys, no network). Authentication is off in this mode; \
            the usage ledger is on, in ./switchyard.db (SQLite).

            With a config file, chat requests need a virtual key (auth.required, default true): create \
            keys with `switchyard keys create` against the admin API, which needs SWITCHYARD_ADMIN_KEY \
            in the gateway's environment. Several gateways sharing one `store: {url: postgres://...}` \
            enforce the same keys, rate limits and budgets (cluster mode).

            With --config FILE, the providers and deployments in FILE. API keys are read from the \
            environment variables the file names. An invalid file stops start-up with a message \
            naming the file, line and field. SIGHUP (or POST /admin/reload) re-reads FILE: models, \
            prices, deployments, routing and timeouts change for new calls, calls in flight finish \
            as they started; an invalid file is refused and the running config keeps serving.

            Endpoints: POST /v1/chat/completions, GET /v1/models, GET /v1/models/{id}, \
            POST /v1/embeddings, /v1/files, /v1/batches, GET /healthz, GET /readyz, GET /metrics, /admin/keys, /admin/usage, \
            /admin/batches, /admin/health, POST /admin/reload.
            """)

    @Option(help: "Address to listen on (overrides server.host in the config).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free port (overrides server.port in the config).")
    var port: Int?

    @Option(help: "YAML config file with providers, deployments and price overrides.")
    var config: String?

    @Option(help: "Key and ledger store: sqlite:PATH, memory, or postgres://user@host:5432/db (overrides store.url).")
    var store: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        if let host, host.isEmpty { throw ValidationError("--host must not be empty") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of: trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        let logger = makeLogger(label: "switchyard", level: logLevel)
        if let store {
            do {
                _ = try StoreLocation(parsing: store)
            } catch {
                // Never echo the URL: it may carry a password.
                printError("switchyard: --store: \(error.description)")
                throw ExitCode(2)
            }
        }
        // What the command line overrides in the file: applied at start and to every reload.
        let (hostFlag, portFlag, storeFlag) = (self.host, self.port, self.store)
        let overrides: @Sendable (inout GatewayConfig) -> Void = { config in
            if let hostFlag { config.server.host = hostFlag }
            if let portFlag { config.server.port = portFlag }
            if let store = storeFlag {
                // A password from the config's store.password_env still applies to --store.
                var password: String?
                if case .postgres(let configured) = config.access.store { password = configured.password }
                if let location = try? StoreLocation(parsing: store, password: password) { config.access.store = location }
            }
        }
        var gatewayConfig: GatewayConfig
        let source: ConfigSource
        if let config {
            do {
                (gatewayConfig, source) = try ConfigReloader.load(path: config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
            } catch {
                printError("switchyard: invalid config: \(error)")
                throw ExitCode(2)
            }
        } else {
            gatewayConfig = .embedded(environment: ProcessInfo.processInfo.environment)
            overrides(&gatewayConfig)
            source = ConfigSource(path: nil, sha256: nil)
            do {
                gatewayConfig.traces = try TraceSettings.resolve(file: nil, environment: ProcessInfo.processInfo.environment)
            } catch {
                printError("switchyard: invalid config: \(error)")
                throw ExitCode(2)
            }
        }
        if let adminKey = gatewayConfig.access.adminKey, adminKey.value.utf8.count < 16 {
            printError("switchyard: \(gatewayConfig.access.adminKeyEnv) is shorter than 16 characters; use a long random value")
            throw ExitCode(2)
        }

        if config == nil {
            logger.warning("EMBEDDED DEFAULT: serving simulated providers only, with NO authentication. Use --config for real providers.")
        } else if !gatewayConfig.access.authRequired {
            logger.warning("AUTHENTICATION IS OFF (auth.required: false): anyone who can reach this port can spend the providers' money.")
        }
        let registry = PrometheusCollectorRegistry()
        let metrics = Gateway.makeMetrics(registry: registry)
        var access: AccessLayer?
        if gatewayConfig.access.needsStore {
            do {
                access = try await AccessLayer.open(settings: gatewayConfig.access, metrics: metrics, logger: logger)
            } catch {
                printError("switchyard: \(error)")
                throw ExitCode(1)
            }
            logger.info("store ready", metadata: [
                "store": .string(gatewayConfig.access.store.description), "auth": .string(gatewayConfig.access.authRequired ? "required" : "off"),
                "ledger": .string(gatewayConfig.access.ledgerEnabled ? "on" : "off"),
                "admin_api": .string(gatewayConfig.access.adminKey == nil ? "off (set \(gatewayConfig.access.adminKeyEnv))" : "on"),
            ])
        }
        var accessLog: AccessLog?
        if gatewayConfig.accessLog.enabled {
            do {
                accessLog = try AccessLog(path: gatewayConfig.accessLog.file)
            } catch {
                printError("switchyard: \(error)")
                throw ExitCode(1)
            }
        }
        // Traces: their exporter runs first in the service group, so that it shuts down last
        // and exports the spans of the calls the shutdown waited for.
        var tracer: GatewayTracer?
        var traceServices: [any Service] = []
        if gatewayConfig.traces.enabled {
            do {
                let (made, service) = try GatewayTracer.make(settings: gatewayConfig.traces, metrics: metrics, logger: logger)
                tracer = made
                traceServices = [service]
            } catch {
                printError("switchyard: traces: \(error)")
                throw ExitCode(2)
            }
            logger.info("traces on", metadata: [
                "endpoint": .string(URLRedaction.safe(gatewayConfig.traces.tracesURL)), "protocol": .string(gatewayConfig.traces.wireProtocol.rawValue),
                "sampler": .string(gatewayConfig.traces.sampler.name), "service": .string(gatewayConfig.traces.serviceName),
            ])
        }
        let host = gatewayConfig.server.host
        let origin = gatewayConfig.origin
        let (application, parts) = Gateway.buildApplication(
            config: gatewayConfig, origin: .init(path: config, overrides: overrides), source: source, access: access, accessLog: accessLog, metrics: metrics, registry: registry, tracer: tracer, logger: logger,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                printFlush("Switchyard listening on http://\(host):\(port) (\(origin))")
                            })
        logger.info("configuration loaded", metadata: [
            "version": .string(Switchyard.version),
            "config": .string(gatewayConfig.origin),
            "sha256": .string(source.sha256 ?? "none"),
            "models": .stringConvertible(gatewayConfig.catalog.models.filter { parts.pool.serves($0.id) }.count),
            "deployments": .stringConvertible(parts.pool.deployments.count),
        ])
        // Shut down in reverse order: ShutdownGrace starts the grace period, the batch runner
        // stops dispatching lines, the server stops accepting and drains, CallDrain waits for calls whose clients had left, and the ledger
        // writer flushes last.
        let group = ServiceGroup(
            services: traceServices + (access?.services(logger: logger) ?? []) + [
                UpstreamConnectionsService(connections: parts.upstream),
                HealthProber(live: parts.live, connections: parts.upstream, logger: logger),
                parts.callDrain(),
                application,
            ] + (parts.batches.map { [$0] } ?? []) + [
                ShutdownGrace(calls: parts.calls, grace: parts.shutdownGrace, logger: logger),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A second SIGTERM or SIGINT ends the grace at once: calls in flight are cancelled (each
        // still writes its ledger row), the ledger is flushed, the process exits.
        let calls = parts.calls
        let signalLogger = logger
        Task.detached {
            var signals = 0
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                signals += 1
                if signals >= 2 {
                    signalLogger.warning("second signal: cancelling the calls in flight", metadata: ["calls": .stringConvertible(calls.count)])
                    calls.cancelAll()
                }
            }
        }
        // SIGHUP re-reads the config file, as POST /admin/reload does.
        // (Trapped before the server starts: SIGHUP's default action would end the process.)
        let reloader = parts.reloader
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        Task.detached {
            for await _ in hangups { _ = await reloader.reload(trigger: "SIGHUP") }
        }
        // SIGUSR1 reopens the access log file (after logrotate moved it away).
        if let accessLog {
            Task.detached {
                for await _ in await UnixSignalsSequence(trapping: .sigusr1) { accessLog.reopen() }
            }
        }
        defer { accessLog?.close() }
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES || error.errnoCode == EADDRNOTAVAIL {
            // The listening socket could not be bound: say where and why, not a stack of services.
            printError("switchyard: cannot listen on \(host):\(gatewayConfig.server.port): \(String(cString: strerror(error.errnoCode)))")
            throw ExitCode(1)
        }
        if let late = access?.recordsAfterFlush, late > 0 {
            logger.critical("usage records arrived after the ledger was flushed and were NOT written", metadata: ["records": .stringConvertible(late)])
        }
    }
}

func makeLogger(label: String, level: String) -> Logger {
    LoggingSystem.bootstrap { ScrubbingLogHandler(StreamLogHandler.standardError(label: $0)) }
    var logger = Logger(label: label)
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

/// Prints a line and flushes at once, so that scripts waiting for it see it.
func printFlush(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
