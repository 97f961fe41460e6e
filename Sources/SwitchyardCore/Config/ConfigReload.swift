/// What a live reload does with a newly loaded config: which changes take effect for new calls
/// and which need a restart. Pure: the gateway builds its new snapshot from `config`.
///
/// Live: models and prices (the catalog), providers and deployments, routing (strategies,
/// retries, breaker settings, hedging, rules, per-model settings, the probe interval), upstream
/// timeouts other than `connect_ms`, the limits of client connections opened from then on
/// (`max_connections`, `max_body_bytes`, `header_timeout_ms`, `body_timeout_ms`,
/// `idle_timeout_ms`, `client_stall_ms`), `shutdown_grace_s` (read when a shutdown starts),
/// `public_health`, the metrics token, `batch` but for `lease_s` and `poll_ms`, and `dashboard`
/// (sessions signed in from then on).
///
/// Restart: what was bound or opened at start-up — the listen address (`host`, `port`,
/// `backlog`), `timeouts.connect_ms` (the shared
/// upstream connection pool), everything under `auth`, `store` and `ledger` (the store and the
/// ledger writer), `log` (the access log's file), `batch.lease_s` and `batch.poll_ms`. Such a change is
/// reported and its running value kept.
package struct ConfigReload: Sendable {
    /// The config to run from now on: the new one, with every setting that needs a restart
    /// kept at its running value.
    package var config: GatewayConfig
    /// Changes that take effect for new calls, e.g. `models (deepseek-v4-flash)`.
    package var applied: [String]
    /// Changes that need a restart, with the value kept, e.g. `server.port (8080 kept, file says 9090)`.
    package var needsRestart: [String]

    package var changedNothing: Bool { applied.isEmpty && needsRestart.isEmpty }

    package init(running: GatewayConfig, next: GatewayConfig) {
        var config = next
        var applied: [String] = []
        var restart: [String] = []

        // MARK: Needs a restart: keep the running value.
        func keep<Value: Equatable>(_ name: String, _ path: WritableKeyPath<GatewayConfig, Value>, show: (Value) -> String?) {
            let old = running[keyPath: path], new = next[keyPath: path]
            guard old != new else { return }
            if let shownOld = show(old), let shownNew = show(new) {
                restart.append("\(name) (\(shownOld) kept, the file says \(shownNew))")
            } else {
                restart.append(name)
            }
            config[keyPath: path] = old
        }
        keep("server.host", \.server.host) { $0 }
        keep("server.port", \.server.port) { String($0) }
        keep("server.backlog", \.server.backlog) { String($0) }
        keep("timeouts.connect_ms", \.timeouts.connect) { Self.milliseconds($0) }
        keep("auth.required", \.access.authRequired) { String($0) }
        keep("auth.admin_key_env", \.access.adminKeyEnv) { $0 }
        keep("auth admin key", \.access.adminKey) { _ in nil }
        keep("store.url", \.access.store) { $0.description }
        keep("store.sync_ms", \.access.syncInterval) { Self.milliseconds($0) }
        keep("store.max_stale_s", \.access.maxStale) { String($0.components.seconds) }
        keep("ledger.enabled", \.access.ledgerEnabled) { String($0) }
        keep("ledger.queue_capacity", \.access.ledgerQueueCapacity) { String($0) }
        keep("ledger.batch_size", \.access.ledgerBatchSize) { String($0) }
        keep("ledger.flush_ms", \.access.ledgerFlushInterval) { Self.milliseconds($0) }
        keep("ledger.retention_months", \.access.retentionMonths) { $0.map(String.init) ?? "none" }
        keep("log.access", \.accessLog.enabled) { $0 ? "json" : "off" }
        keep("log.access_file", \.accessLog.file) { $0 ?? "stdout" }
        keep("telemetry", \.traces) { _ in nil }
        keep("batch.lease_s", \.batch.lease) { String($0.components.seconds) }
        keep("batch.poll_ms", \.batch.poll) { Self.milliseconds($0) }
        // Whatever the access settings hold beyond the fields above stays as it runs.
        config.access = running.access
        config.accessLog = running.accessLog
        config.origin = running.origin

        // MARK: Live.
        let changedModels = Self.changedModels(running.catalog, next.catalog)
        if !changedModels.isEmpty { applied.append("models (\(Self.list(changedModels)))") }
        let deployments = Self.changedDeployments(running.deployments, next.deployments)
        if !deployments.isEmpty { applied.append("deployments (\(deployments.joined(separator: "; ")))") }
        if running.providers.map(\.name) != next.providers.map(\.name) || running.providers.map(\.family) != next.providers.map(\.family) {
            applied.append("providers (\(next.providers.map(\.name).joined(separator: ", ")))")
        }
        if running.routing != next.routing { applied.append("routing") }
        var liveTimeouts = next.timeouts
        liveTimeouts.connect = running.timeouts.connect
        if liveTimeouts != running.timeouts { applied.append("timeouts") }
        let limits: [(String, Bool)] = [
            ("server.max_connections", running.server.maxConnections != next.server.maxConnections),
            ("server.shutdown_grace_s", running.server.shutdownGrace != next.server.shutdownGrace),
            ("server.max_body_bytes", running.server.maxBodyBytes != next.server.maxBodyBytes),
            ("server.header_timeout_ms", running.server.headerTimeout != next.server.headerTimeout),
            ("server.body_timeout_ms", running.server.bodyTimeout != next.server.bodyTimeout),
            ("server.idle_timeout_ms", running.server.idleTimeout != next.server.idleTimeout),
            ("server.client_stall_ms", running.server.clientStall != next.server.clientStall),
            ("server.public_health", running.server.publicHealth != next.server.publicHealth),
        ]
        applied += limits.filter(\.1).map(\.0)
        if running.metricsBearerToken != next.metricsBearerToken { applied.append("metrics.bearer_token_env") }
        if running.batch != config.batch { applied.append("batch") }
        if running.dashboard != next.dashboard { applied.append("dashboard") }

        self.config = config
        self.applied = applied
        self.needsRestart = restart
    }

    /// IDs of the models added, removed or changed (prices included), in catalog order.
    static func changedModels(_ old: Catalog, _ new: Catalog) -> [String] {
        var changed: [String] = []
        for model in new.models where old.model(named: model.id).map({ $0 != model }) ?? true { changed.append(model.id) }
        for model in old.models where new.model(named: model.id)?.id != model.id { changed.append(model.id) }
        return changed
    }

    /// `added a, b`, `removed c`, `changed d` for deployments (by name).
    static func changedDeployments(_ old: [DeploymentConfig], _ new: [DeploymentConfig]) -> [String] {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let added = new.map(\.name).filter { before[$0] == nil }
        let removed = old.map(\.name).filter { after[$0] == nil }
        let changed = new.map(\.name).filter { name in before[name].map { $0 != after[name] } ?? false }
        var parts: [String] = []
        if !added.isEmpty { parts.append("added \(list(added))") }
        if !removed.isEmpty { parts.append("removed \(list(removed))") }
        if !changed.isEmpty { parts.append("changed \(list(changed))") }
        if parts.isEmpty, old.map(\.name) != new.map(\.name) { parts.append("reordered") }
        return parts
    }

    /// At most 20 names, then how many more.
    static func list(_ names: [String]) -> String {
        names.count <= 20 ? names.joined(separator: ", ") : names.prefix(20).joined(separator: ", ") + " and \(names.count - 20) more"
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) + " ms"
    }
}
