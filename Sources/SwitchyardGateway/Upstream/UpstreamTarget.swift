import Foundation

/// Where an HTTP deployment's chat completions go: the origin a connection is opened to and
/// the request path, parsed once from the deployment's `base_url`.
struct UpstreamTarget: Sendable, Hashable {
    struct Origin: Sendable, Hashable {
        var tls: Bool
        var host: String
        var port: Int
    }

    var origin: Origin
    /// `base_url`'s path with `/chat/completions` appended.
    var chatPath: String
    /// The `Host` header: the host, with the port when it is not the scheme's default.
    var hostHeader: String

    /// Parses `http://host[:port][/path]` or `https://…`; nil for anything else (the config
    /// validator has already refused such URLs, so this is a second line of defence).
    init?(baseURL: String) {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", var host = components.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let tls = scheme == "https"
        let defaultPort = tls ? 443 : 80
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else { return nil }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        origin = Origin(tls: tls, host: host, port: port)
        chatPath = path + "/chat/completions"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? shownHost : "\(shownHost):\(port)"
    }
}
