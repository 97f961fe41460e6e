import Hummingbird
import Synchronization

/// Which methods each path of the API answers, read from the router once its routes are
/// registered (plus the chat paths, which the front handler answers). Hummingbird answers a
/// known path with an unknown method 404; with this table the error middleware answers 405
/// with `Allow`, as HTTP asks.
final class AllowedMethods: Sendable {
    private struct Route: Sendable {
        /// Path segments; `nil` matches any one segment, and a final `**` the rest.
        var segments: [String?]
        var recursive: Bool
        var method: String
    }

    private let routes = Mutex<[Route]>([])

    /// Records the router's routes and the chat paths.
    func record(_ router: Router<some RequestContext>, chatPaths: Set<String>) {
        var table: [Route] = chatPaths.map { Route(segments: Self.split($0).map { $0 }, recursive: false, method: "POST") }
        for route in router.routes {
            var segments: [String?] = []
            var recursive = false
            // Hummingbird's path elements are read through their descriptions: `**` matches the
            // rest, a capture (`:id`, `{id}`) or any other pattern one segment, text itself.
            for component in route.path.components {
                let text = component.description
                if text == "**" {
                    recursive = true
                } else if text.contains(where: { "*:{}".contains($0) }) {
                    segments.append(nil)
                } else {
                    segments.append(text)
                }
            }
            table.append(Route(segments: segments, recursive: recursive, method: route.method.rawValue))
        }
        routes.withLock { $0 = table }
    }

    /// The methods `path` answers, sorted; empty for a path the API does not have.
    func methods(for path: String) -> [String] {
        let parts = Self.split(path)
        let matching = routes.withLock { routes in
            routes.filter { route in
                guard route.recursive ? parts.count > route.segments.count : parts.count == route.segments.count else { return false }
                return zip(route.segments, parts).allSatisfy { pattern, part in pattern == nil || pattern == part }
            }
        }
        return Set(matching.map(\.method)).sorted()
    }

    private static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
