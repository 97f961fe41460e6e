import Foundation

/// An HTTP proxy that upstream calls go through: a CONNECT tunnel for https upstreams, the
/// request in absolute form for http ones.
package struct EgressProxy: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int
    /// `Proxy-Authorization` value (`Basic …`) from the proxy URL's user info.
    package var authorization: Secret?

    package init(host: String, port: Int, authorization: Secret? = nil) {
        self.host = host
        self.port = port
        self.authorization = authorization
    }

    /// Parses `http://[user:password@]host[:port]` (a bare `host:port` too, as curl does; the
    /// port defaults to 80); nil for anything else (SOCKS and https proxies are not supported).
    package init?(url text: String) {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: withScheme), components.scheme?.lowercased() == "http",
              var host = components.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else { return nil }
        self.host = host
        self.port = port
        if let user = components.percentEncodedUser, !user.isEmpty {
            let password = components.percentEncodedPassword ?? ""
            let credentials = (user.removingPercentEncoding ?? user) + ":" + (password.removingPercentEncoding ?? password)
            authorization = Secret("Basic " + Data(credentials.utf8).base64EncodedString())
        }
    }

    package var description: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The proxy for an upstream at `scheme://host` from the environment, with curl's rules:
    /// `https_proxy`/`HTTPS_PROXY` for https, `http_proxy` (lower case only, as curl) for http,
    /// and no proxy for a host that `no_proxy`/`NO_PROXY` lists. Loopback is not exempt unless
    /// listed.
    package static func fromEnvironment(_ environment: [String: String], scheme: String, host: String) -> EgressProxy? {
        let names = scheme == "https" ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy"]
        guard let value = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) else { return nil }
        let noProxy = ["no_proxy", "NO_PROXY"].lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) ?? ""
        if NoProxy(noProxy).exempts(host) { return nil }
        return EgressProxy(url: value)
    }
}

/// `NO_PROXY` as curl reads it: comma-separated entries; `*` exempts every host; a name exempts
/// itself and its subdomains (a leading `.` is ignored); an IP address exempts that address; a
/// CIDR block (`10.0.0.0/8`) exempts its addresses.
package struct NoProxy: Sendable, Hashable {
    let entries: [String]

    package init(_ text: String) {
        entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    package func exempts(_ rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        for var entry in entries {
            if entry == "*" { return true }
            if entry.hasPrefix("[") , let close = entry.firstIndex(of: "]") { entry = String(entry[entry.index(after: entry.startIndex)..<close]) }
            if let slash = entry.firstIndex(of: "/") {
                if let bits = Int(entry[entry.index(after: slash)...]), Self.inBlock(host, network: String(entry[..<slash]), bits: bits) { return true }
                continue
            }
            while entry.hasPrefix(".") { entry.removeFirst() }
            while entry.hasSuffix(".") { entry.removeLast() }
            if host == entry || host.hasSuffix("." + entry) { return true }
        }
        return false
    }

    private static func inBlock(_ host: String, network: String, bits: Int) -> Bool {
        guard let address = bytes(host), let base = bytes(network), address.count == base.count, bits >= 0, bits <= address.count * 8 else { return false }
        var remaining = bits
        for (a, b) in zip(address, base) {
            guard remaining > 0 else { return true }
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if a & mask != b & mask { return false }
            remaining -= take
        }
        return true
    }

    /// An IPv4 or IPv6 literal as bytes.
    private static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
