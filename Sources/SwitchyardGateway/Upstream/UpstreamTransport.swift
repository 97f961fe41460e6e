import Logging
import NIOCore
import SwitchyardCore
@_exported import SwitchyardHTTPClient

/// One call to an upstream chat completions endpoint. The relay sits behind this narrow
/// interface so that its implementation can move closer to SwiftNIO without touching routing,
/// billing or the API.
package protocol UpstreamTransport: Sendable {
    func send(_ request: UpstreamRequest, logger: Logger) async throws(UpstreamTransportError) -> UpstreamResponse
}

package struct UpstreamRequest: Sendable {
    package var deployment: DeploymentConfig
    package var body: [UInt8]
    package var requestID: String
    /// The path under the deployment's base URL: `/chat/completions` or `/embeddings`.
    package var path: String = "/chat/completions"
    /// When the response head must have arrived (reading the body has its own deadlines).
    package var headDeadline: ContinuousClock.Instant
    /// `traceparent`/`tracestate` continuing the call's trace (empty when traces are off).
    package var traceHeaders: [(String, String)] = []
}

package struct UpstreamResponse: Sendable {
    package var status: Int
    /// Header names in lower case.
    package var headers: [(String, String)]
    package var body: UpstreamBody

    package func header(_ name: String) -> String? {
        headers.first { $0.0 == name }?.1
    }
}

extension UpstreamTransportError {
    var errorClass: UpstreamErrorClass {
        switch self {
        case .connect: return .connect
        case .timeout: return .timeout
        case .broken, .cancelled: return .server
        }
    }
}

/// The body of an upstream response, read chunk by chunk, each read bounded by a deadline.
package struct UpstreamBody: Sendable {
    /// Reads the next chunk; nil at the end. Throws `.timeout` when `deadline` passes first.
    package typealias Reader = @Sendable (_ deadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> ByteBuffer?

    private let makeReader: @Sendable () -> Reader

    package init(_ makeReader: @escaping @Sendable () -> Reader) {
        self.makeReader = makeReader
    }

    /// A reader positioned at the start of the body; call once per response.
    package func reader() -> Reader { makeReader() }

    /// Reads the whole body, up to `limit` bytes: the first chunk by `firstChunkDeadline`
    /// (default: `deadline`), all of it by `deadline`.
    package func collect(limit: Int, firstChunkDeadline: ContinuousClock.Instant? = nil,
                        deadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> [UInt8] {
        var out: [UInt8] = []
        let read = reader()
        var chunkDeadline = firstChunkDeadline ?? deadline
        while let chunk = try await read(chunkDeadline) {
            out.append(contentsOf: chunk.readableBytesView)
            if out.count > limit { throw .broken("the upstream response is larger than \(limit) bytes") }
            chunkDeadline = deadline
        }
        return out
    }
}

/// Holds non-Sendable state (an iterator, a relay) that is handed from one task to the next,
/// never used by two at once.
final class IteratorBox<Iterator>: @unchecked Sendable {
    var iterator: Iterator
    init(_ iterator: Iterator) { self.iterator = iterator }
}
