import Foundation
internal import Yams

/// Validates `auth:`, `store:` and `ledger:`.
///
/// ```yaml
/// auth:
///   required: true                       # default with a config file
///   admin_key_env: SWITCHYARD_ADMIN_KEY  # the admin API is off when the variable is unset
/// store:
///   url: sqlite:switchyard.db            # relative to this file; or postgres://user@host:5432/db
///   password_env: SWITCHYARD_DB_PASSWORD # optional, for postgres
///   sync_ms: 1000
///   max_stale_s: 300
///   files_dir: switchyard-files          # uploaded files' content (default: next to the SQLite file)
///   files_max_bytes: 209715200           # the largest upload (200 MB, also the most allowed)
///   files_max_lines: 50000               # the most requests in a batch input file
/// ledger:
///   enabled: true
///   queue_capacity: 10000
///   batch_size: 5000
///   flush_ms: 200
///   retention_months: 13                 # postgres: drop older monthly partitions
/// ```
struct AccessValidator {
    let file: String
    let environment: [String: String]

    func access(auth: YAMLCursor?, store: YAMLCursor?, ledger: YAMLCursor?) throws(ConfigError) -> AccessSettings {
        var settings = AccessSettings(authRequired: true, store: .sqlite(path: resolve("switchyard.db")))
        if let auth {
            let fields = try auth.mapping(allowed: ["required", "admin_key_env"])
            if let v = fields["required"] { settings.authRequired = try v.bool() }
            if let v = fields["admin_key_env"] { settings.adminKeyEnv = try v.string() }
        }
        if let value = environment[settings.adminKeyEnv], !value.isEmpty {
            guard value.utf8.count >= 16 else {
                throw ConfigError(file: file, line: auth?.node.mark?.line, column: auth?.node.mark?.column, field: "auth.admin_key_env",
                                  message: "the admin key in \(settings.adminKeyEnv) is shorter than 16 characters; use a long random value")
            }
            settings.adminKey = Secret(value)
        }
        if let store {
            let fields = try store.mapping(allowed: ["url", "password_env", "sync_ms", "max_stale_s", "files_dir", "files_max_bytes", "files_max_lines"])
            var password: String?
            if let v = fields["password_env"] {
                let name = try v.string()
                guard let value = environment[name], !value.isEmpty else {
                    throw v.error("the environment variable \(name) is not set (it must hold the database password)")
                }
                password = value
            }
            if let v = fields["url"] {
                let text = try v.string()
                do {
                    settings.store = try StoreLocation(parsing: text, password: password)
                } catch {
                    throw v.error(error.description)
                }
                if case .sqlite(let path) = settings.store { settings.store = .sqlite(path: resolve(path)) }
            }
            if let v = fields["sync_ms"] { settings.syncInterval = .milliseconds(try v.int(in: 50...3_000)) }
            if let v = fields["max_stale_s"] { settings.maxStale = .seconds(try v.int(in: 1...86_400)) }
            if let v = fields["files_dir"] {
                let path = try v.string()
                guard !path.isEmpty else { throw v.error("must name a directory") }
                settings.filesDirectory = resolve(path)
            }
            if let v = fields["files_max_bytes"] { settings.filesMaxBytes = try v.int(in: 1...(200 << 20)) }
            if let v = fields["files_max_lines"] { settings.filesMaxLines = try v.int(in: 1...50_000) }
        }
        if let ledger {
            let fields = try ledger.mapping(allowed: ["enabled", "queue_capacity", "batch_size", "flush_ms", "retention_months"])
            if let v = fields["enabled"] { settings.ledgerEnabled = try v.bool() }
            if let v = fields["queue_capacity"] { settings.ledgerQueueCapacity = try v.int(in: 100...10_000_000) }
            if let v = fields["batch_size"] {
                settings.ledgerBatchSize = try v.int(in: 1...10_000)
            } else {
                // The default never exceeds a smaller queue than the default one.
                settings.ledgerBatchSize = min(settings.ledgerBatchSize, settings.ledgerQueueCapacity)
            }
            if let v = fields["flush_ms"] { settings.ledgerFlushInterval = .milliseconds(try v.int(in: 1...60_000)) }
            if let v = fields["retention_months"] { settings.retentionMonths = try v.int(in: 1...1_200) }
            if settings.ledgerBatchSize > settings.ledgerQueueCapacity {
                throw (fields["batch_size"] ?? ledger).error("must not exceed queue_capacity")
            }
        }
        return settings
    }

    /// Relative SQLite paths are relative to the config file's folder.
    private func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }
}
