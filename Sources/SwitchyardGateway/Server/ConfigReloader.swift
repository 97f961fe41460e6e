import Crypto
import Foundation
import Logging
import SwitchyardCore

/// Re-reads the config file the gateway was started with (`SIGHUP`, `POST /admin/reload`) and
/// swaps the snapshot new calls take. An invalid file is refused with its located error and the
/// running config keeps serving; a valid one applies at once to new calls, except the settings
/// that need a restart (`ConfigReload`), which keep their running values and are reported.
/// Reloads run one at a time.
package actor ConfigReloader {
    /// How the gateway was started: the file, and what the command line overrides in it.
    package struct Origin: Sendable {
        /// nil: the embedded default, with nothing to re-read.
        package var path: String?
        /// Applied to every loaded file before it is compared (`--host`, `--port`, `--store`).
        package var overrides: @Sendable (inout GatewayConfig) -> Void

        package init(path: String?, overrides: @escaping @Sendable (inout GatewayConfig) -> Void = { _ in }) {
            self.path = path
            self.overrides = overrides
        }
    }

    package enum Outcome: Sendable {
        /// The new config runs; `changes` lists what applied and what needs a restart.
        case reloaded(ConfigReload, ConfigSource)
        /// The file is invalid (or unreadable): the located error; nothing changed.
        case refused(ConfigError)
        /// The gateway runs the embedded default: there is no file to re-read.
        case noConfigFile
    }

    let origin: Origin
    let live: LiveConfig
    let metrics: GatewayMetrics
    let logger: Logger

    init(origin: Origin, live: LiveConfig, metrics: GatewayMetrics, logger: Logger) {
        self.origin = origin
        self.live = live
        self.metrics = metrics
        self.logger = logger
    }

    /// Lower-case hex SHA-256 of `bytes` (the config's identity in `/admin/health`).
    package static func sha256(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads and validates the file at `path`, with `overrides` applied: the config and the
    /// SHA-256 of the bytes it was read from. Start-up uses it too, so both agree on the hash.
    package static func load(path: String, environment: [String: String],
                            overrides: (inout GatewayConfig) -> Void) throws(ConfigError) -> (GatewayConfig, ConfigSource) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(filePath: path))
        } catch {
            throw ConfigError(file: path, line: nil, column: nil, field: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, column: nil, field: "", message: "the file is not UTF-8 text")
        }
        var config = try GatewayConfig.parse(yaml: text, file: path, environment: environment)
        overrides(&config)
        return (config, ConfigSource(path: path, sha256: sha256(data)))
    }

    /// Re-reads the file and applies it, or says why not. `trigger` names what asked (logs).
    package func reload(trigger: String) -> Outcome {
        guard let path = origin.path else {
            metrics.recordConfigReload(ok: false)
            logger.warning("config reload: the gateway runs the embedded default (no --config): there is no file to re-read",
                           metadata: ["trigger": .string(trigger)])
            return .noConfigFile
        }
        let started = ContinuousClock.now
        let loaded: (GatewayConfig, ConfigSource)
        do {
            loaded = try Self.load(path: path, environment: ProcessInfo.processInfo.environment, overrides: origin.overrides)
        } catch {
            metrics.recordConfigReload(ok: false)
            logger.error("config reload refused; the running config keeps serving", metadata: [
                "trigger": .string(trigger), "error": .string(error.description),
            ])
            return .refused(error)
        }
        let running = live.current
        let reload = ConfigReload(running: running.config, next: loaded.0)
        for deployment in reload.config.deployments {
            if let key = deployment.apiKey { SecretScrubber.shared.register(key.value) }
            if let proxyAuthorization = deployment.proxy?.authorization { SecretScrubber.shared.register(proxyAuthorization.value) }
        }
        if let token = reload.config.metricsBearerToken { SecretScrubber.shared.register(token.value) }
        live.replace(with: running.replaced(by: reload.config, source: loaded.1, metrics: metrics))
        metrics.recordConfigReload(ok: true)
        logger.notice("configuration reloaded", metadata: [
            "trigger": .string(trigger), "config": .string(path), "sha256": .string(loaded.1.sha256 ?? ""),
            "applied": .string(reload.applied.isEmpty ? "nothing changed" : reload.applied.joined(separator: "; ")),
            "deployments": .stringConvertible(reload.config.deployments.count),
            "took_us": .stringConvertible((ContinuousClock.now - started).microsecondsClamped),
        ])
        for setting in reload.needsRestart {
            logger.warning("config reload: this change needs a restart; the running value is kept", metadata: ["setting": .string(setting)])
        }
        return .reloaded(reload, loaded.1)
    }
}
