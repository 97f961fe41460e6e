import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import SwitchyardHTTPClient

/// Where the admin commands (`keys`, `usage`, `cost --from-ledger`) find the gateway.
struct AdminOptions: ParsableArguments {
    @Option(help: "The running gateway's base URL.")
    var gateway: String = "http://127.0.0.1:8080"

    @Option(help: "The environment variable holding the admin key (the gateway's auth.admin_key_env).")
    var adminKeyEnv: String = "SWITCHYARD_ADMIN_KEY"

    func validate() throws {
        guard let url = URL(string: gateway), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ValidationError("--gateway must be an http:// or https:// URL, got '\(gateway.prefix(200))'")
        }
    }
}

/// Calls the admin API and returns the JSON body, or exits with the API's error message.
enum AdminClient {
    /// The CLI's connections to the gateway (the same client the gateway uses for upstreams).
    static let connections = UpstreamConnections(settings: .init(connectTimeout: .seconds(10)))

    static func call(_ method: String, _ path: String, body: String? = nil, options: AdminOptions) async throws -> Any {
        let bytes = try await raw(method, path, body: body, options: options)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) else {
            printError("switchyard: the gateway's answer is not JSON")
            throw ExitCode(1)
        }
        return json
    }

    /// The body as text (CSV), or exits with the API's error message.
    static func text(_ method: String, _ path: String, options: AdminOptions) async throws -> String {
        String(buffer: try await raw(method, path, body: nil, options: options))
    }

    /// The body of a 2xx answer, or exits with the API's error message.
    private static func raw(_ method: String, _ path: String, body: String?, options: AdminOptions) async throws -> ByteBuffer {
        guard let key = ProcessInfo.processInfo.environment[options.adminKeyEnv], !key.isEmpty else {
            printError("switchyard: set \(options.adminKeyEnv) to the gateway's admin key")
            throw ExitCode(2)
        }
        var headers = [("authorization", "Bearer \(key)")]
        if body != nil { headers.append(("content-type", "application/json")) }
        let response: UpstreamResponse
        do {
            response = try await connections.fetch(HTTPMethod(rawValue: method), options.gateway, path: path, headers: headers,
                                                   body: body.map { ByteBuffer(string: $0) }, timeout: .seconds(30), maxBodyBytes: 64 << 20)
        } catch {
            printError("switchyard: cannot reach the gateway at \(options.gateway): \(error)")
            throw ExitCode(1)
        }
        let bytes = response.body
        let json = try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))
        guard (200..<300).contains(response.status) else {
            let message = ((json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String ?? String(buffer: bytes).prefix(500).description
            printError("switchyard: \(response.status) \(message)")
            throw ExitCode(1)
        }
        return bytes
    }

    /// The raw JSON, pretty-printed, for `--json`.
    static func pretty(_ json: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

/// A field of a JSON object as text for a table (`-` when null or missing).
func field(_ object: [String: Any], _ name: String) -> String {
    switch object[name] {
    case let s as String: return s
    case let n as NSNumber: return n.stringValue
    case let a as [Any]: return a.isEmpty ? "all" : a.map { "\($0)" }.joined(separator: ",")
    default: return "-"
    }
}
