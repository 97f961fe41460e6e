import Hummingbird
import NIOCore
import SwitchyardCore

/// `GET /admin/health`: the version, the running config (its file's SHA-256 and when it was
/// loaded), and every deployment's breaker, cool-down, load and latency.
enum HealthEndpoint {
    static func render(_ health: [DeploymentPool.Health], source: ConfigSource) -> Response {
        let entries = health.map { h -> String in
            var s = "{\"deployment\":\(JSONString.quoted(h.deployment.name)),\"provider\":\(JSONString.quoted(h.deployment.provider))"
            s += ",\"region\":\(JSONString.quoted(h.deployment.region)),\"healthy\":\(h.isHealthy)"
            s += ",\"breaker\":\(JSONString.quoted(h.breaker.rawValue)),\"times_opened\":\(h.timesOpened)"
            s += ",\"cooling_down_s\":" + (h.coolingFor.map { String(Int($0.seconds.rounded(.up))) } ?? "null")
            s += ",\"cooling_reason\":" + (h.coolingReason.map { JSONString.quoted($0.rawValue) } ?? "null")
            s += ",\"in_flight\":\(h.inFlight),\"successes\":\(h.successes),\"failures\":\(h.failures)"
            s += ",\"latency_ewma_ms\":" + (h.latencySeconds.map { String(Int(($0 * 1000).rounded())) } ?? "null")
            s += ",\"last_error\":" + (h.lastError.map { JSONString.quoted($0.rawValue) } ?? "null")
            s += ",\"probe_ok\":" + (h.probeOK.map { String($0) } ?? "null") + "}"
            return s
        }
        let body = "{\"version\":\(JSONString.quoted(SwitchyardVersion.number)),\"config\":\(ReloadEndpoint.json(source))"
            + ",\"deployments\":[\(entries.joined(separator: ","))]}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
