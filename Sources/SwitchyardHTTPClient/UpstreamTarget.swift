import Foundation
import SwitchyardCore

/// Where requests to a base URL go: the origin a connection is opened to and the path prefix,
/// parsed once from a URL such as a deployment's `base_url`.
package struct UpstreamTarget: Sendable, Hashable {
    /// Where a connection goes and how it is secured: connections are pooled per origin.
    package struct Origin: Sendable, Hashable {
        package var tls: Bool
        package var host: String
        package var port: Int
        package var tlsOptions: DeploymentTLS?
        /// Through this proxy: a CONNECT tunnel for https, absolute-form requests for http.
        package var proxy: EgressProxy?
    }

    package var origin: Origin
    /// The URL's path without trailing slashes (`/v1`, or empty).
    package var basePath: String
    /// The `Host` header: the host, with the port when it is not the scheme's default.
    package var hostHeader: String

    /// The request target for `path`: origin form, or absolute form through a proxy to an http
    /// upstream (a tunnel carries origin form).
    package func requestURI(_ path: String) -> String {
        if origin.proxy != nil && !origin.tls { return "http://" + hostHeader + basePath + path }
        return basePath + path
    }

    /// Parses `http://host[:port][/path]` or `https://…`; nil for anything else (the config
    /// validator has already refused such URLs, so this is a second line of defence).
    package init?(baseURL: String, tls tlsOptions: DeploymentTLS? = nil, proxy: EgressProxy? = nil) {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", var host = components.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let tls = scheme == "https"
        let defaultPort = tls ? 443 : 80
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else { return nil }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        origin = Origin(tls: tls, host: host, port: port, tlsOptions: tls ? tlsOptions : nil, proxy: proxy)
        basePath = path
        let shownHost = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? shownHost : "\(shownHost):\(port)"
    }
}
