import Foundation

/// Where the store is, parsed from `store:` in the config or `--store`.
package enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case memory
    case postgres(PostgresLocation)

    /// `sqlite:path`, a path ending in `.db`/`.sqlite`, `memory`, or `postgres://user[:password]@host[:port]/database`.
    package init(parsing text: String, password: String? = nil) throws(StoreLocationError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "memory" || t == "sqlite::memory:" {
            self = .memory
        } else if t.hasPrefix("sqlite:") {
            let path = String(t.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreLocationError("sqlite: needs a file path, e.g. sqlite:switchyard.db") }
            self = .sqlite(path: path)
        } else if t.hasPrefix("postgres://") || t.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: t, password: password))
        } else if t.hasSuffix(".db") || t.hasSuffix(".sqlite") || t.hasSuffix(".sqlite3") {
            self = .sqlite(path: t)
        } else {
            throw StoreLocationError("expected sqlite:PATH, memory, or postgres://user@host:port/database")
        }
    }

    package var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .memory: return "memory"
        case .postgres(let location): return location.description
        }
    }
}

package struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    // `var` so that a test or tool can point the same server at another database.
    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    /// `sslmode=require|verify-ca|verify-full`: TLS with certificate verification; `disable` or
    /// nothing: plain TCP (loopback, private networks).
    package var requireTLS: Bool

    init(url: String, password: String?) throws(StoreLocationError) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw StoreLocationError("is not a valid postgres:// URL")
        }
        self.host = host
        self.port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw StoreLocationError("port must be between 1 and 65535") }
        self.user = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        self.password = password ?? components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else { throw StoreLocationError("needs a database name: postgres://user@host:5432/DATABASE") }
        self.database = path
        var tls = false
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw StoreLocationError("unknown URL option '\(item.name)' (only sslmode is understood)") }
            switch item.value ?? "" {
            case "disable": tls = false
            // Every TLS mode verifies the server's certificate and name (stricter than libpq's `require`).
            case "require", "verify-ca", "verify-full": tls = true
            default: throw StoreLocationError("sslmode must be disable, require, verify-ca or verify-full (prefer and allow could silently fall back to plain text)")
            }
        }
        requireTLS = tls
    }

    /// The URL without the password.
    package var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}

package struct StoreLocationError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}
