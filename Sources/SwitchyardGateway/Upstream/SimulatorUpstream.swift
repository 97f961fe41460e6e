import Logging
import NIOCore
import SwitchyardCore
import SwitchyardSimulator

/// The embedded default's upstream: the simulator, called in-process (no sockets, no keys).
package struct SimulatorUpstream: UpstreamTransport {
    package let simulator: Simulator

    package init(simulator: Simulator) {
        self.simulator = simulator
    }

    package func send(_ request: UpstreamRequest, logger: Logger) async throws(UpstreamTransportError) -> UpstreamResponse {
        // No credentials go to the in-process simulator: it needs none.
        let headers = [("content-type", "application/json"), ("x-request-id", request.requestID)] + request.traceHeaders
        let answer = request.path == "/embeddings" ? simulator.respondEmbeddings(body: request.body)
            : simulator.respond(body: request.body, headers: headers)
        let body = answer.body
        return UpstreamResponse(status: answer.status, headers: answer.headers.map { ($0.0.lowercased(), $0.1) }, body: UpstreamBody {
            let player = body.player()
            return { deadline throws(UpstreamTransportError) in
                do throws(BodyPlayer.Failure) {
                    return try await player.next(deadline: deadline).map { ByteBuffer(bytes: $0) }
                } catch {
                    switch error {
                    case .timedOut: throw .timeout
                    case .dropped: throw .broken("the simulated connection dropped")
                    case .cancelled: throw .cancelled
                    }
                }
            }
        })
    }
}

