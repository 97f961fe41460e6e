import Foundation
import Hummingbird
import NIOCore
import SwitchyardCore

/// `POST /admin/reload`: the answer to a reload. 200 with what applied and what needs a restart;
/// 400 `config_invalid` with the file's located error (the running config keeps serving); 409
/// `no_config_file` when the gateway runs the embedded default.
enum ReloadEndpoint {
    static func render(_ outcome: ConfigReloader.Outcome) throws(OpenAIError) -> Response {
        switch outcome {
        case .noConfigFile:
            throw OpenAIError(.noConfigFile, "The gateway runs the embedded default (started without --config): there is no config file to re-read. Restart it with --config FILE to use one.")
        case .refused(let error):
            throw OpenAIError(.configInvalid, "The config file was not reloaded; the running config keeps serving. \(error.description)")
        case .reloaded(let reload, let source):
            var body = "{\"status\":\(JSONString.quoted(reload.applied.isEmpty ? "unchanged" : "reloaded")),\"config\":\(json(source))"
            body += ",\"applied\":[\(reload.applied.map(JSONString.quoted).joined(separator: ","))]"
            body += ",\"needs_restart\":[\(reload.needsRestart.map(JSONString.quoted).joined(separator: ","))]}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    /// `{"path": …, "sha256": …, "loaded_at": …}` (path and hash null for the embedded default).
    static func json(_ source: ConfigSource) -> String {
        "{\"path\":" + (source.path.map(JSONString.quoted) ?? "null") + ",\"sha256\":" + (source.sha256.map(JSONString.quoted) ?? "null")
            + ",\"loaded_at\":" + JSONString.quoted(source.loadedAt.formatted(.iso8601)) + "}"
    }
}
