import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwitchyardCore

/// Serves a `Simulator` over HTTP: `switchyard sim`.
///
/// Routes: `POST /v1/chat/completions` (also `/chat/completions`), `POST /v1/embeddings` (also `/embeddings`), `GET /v1/models`,
/// `GET /healthz`, `GET /sim/stats` (`{"requests","in_flight","cancelled"}`).
package enum SimulatorServer {
    package static func buildApplication(
        simulator: Simulator, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let chat: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 64 << 20)
            let headers = request.headers.map { ($0.name.canonicalName, $0.value) }
            let answer = simulator.respond(body: Array(buffer: body), headers: headers)
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
            }
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { writer in
                do {
                    let source = BodySource(answer.body.makeAsyncIterator())
                    // A simulated hang must not hold up shutdown.
                    while let chunk = try await cancelWhenGracefulShutdown({ try await source.next() }) {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                } catch let error as SimulatedBody.ConnectionDropped {
                    // A simulated drop means "after these bytes": give the ones already written
                    // time to leave before the connection is torn down.
                    try? await Task.sleep(for: .milliseconds(50))
                    throw error
                }
                try await writer.finish(nil)
            })
        }
        router.post("/v1/chat/completions", use: chat)
        let embeddings: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 64 << 20)
            let answer = simulator.respondEmbeddings(body: Array(buffer: body))
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
            }
            var bytes: [UInt8] = []
            for try await chunk in answer.body { bytes += chunk }
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.post("/v1/embeddings", use: embeddings)
        router.post("/embeddings", use: embeddings)
        router.post("/chat/completions", use: chat)
        router.get("/v1/models") { _, _ -> Response in
            let data = simulator.catalog.models.map {
                "{\"id\":\(JSONString.quoted($0.id)),\"object\":\"model\",\"created\":1764000000,\"owned_by\":\($0.family.rawValue.debugDescription)}"
            }.joined(separator: ",")
            return json("{\"object\":\"list\",\"data\":[\(data)]}")
        }
        router.get("/healthz") { _, _ in json("{\"status\":\"ok\"}") }
        router.get("/sim/stats") { _, _ -> Response in
            let s = simulator.stats.snapshot
            return json("{\"requests\":\(s.requests),\"in_flight\":\(s.inFlight),\"cancelled\":\(s.cancelled)}")
        }
        return Application(
            router: router,
            // A deep accept queue: a gateway opening hundreds of connections at once must not
            // see dropped SYNs (a one-second retransmit each).
            configuration: .init(address: .hostname(host, port: port), serverName: "switchyard-sim", backlog: 4096),
            onServerRunning: onServerRunning,
            logger: logger)
    }

    private static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Hands the body iterator to the shutdown-aware reader; used by one task at a time.
private final class BodySource: @unchecked Sendable {
    private var iterator: SimulatedBody.AsyncIterator
    init(_ iterator: SimulatedBody.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> [UInt8]? { try await iterator.next() }
}
