import Logging
import NIOCore
import SwitchyardCore

/// One call to an upstream chat completions endpoint. The relay sits behind this narrow
/// interface so that its implementation can move closer to SwiftNIO without touching routing,
/// billing or the API.
public protocol UpstreamTransport: Sendable {
    func send(_ request: UpstreamRequest, logger: Logger) async throws(UpstreamTransportError) -> UpstreamResponse
}

public struct UpstreamRequest: Sendable {
    public var deployment: DeploymentConfig
    public var body: [UInt8]
    public var requestID: String
    public var deadline: ContinuousClock.Instant
}

public struct UpstreamResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [(String, String)]
    public var body: UpstreamBody

    public func header(_ name: String) -> String? {
        headers.first { $0.0 == name }?.1
    }
}

/// A failure to get a response, or of the body while it streams.
public enum UpstreamTransportError: Error, Sendable {
    case connect(String)
    case timeout
    /// The connection broke or the body could not be read.
    case broken(String)
    case cancelled

    var errorClass: UpstreamErrorClass {
        switch self {
        case .connect: return .connect
        case .timeout: return .timeout
        case .broken, .cancelled: return .server
        }
    }
}

/// The body of an upstream response: chunks of bytes as they arrive.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    private let makeNext: @Sendable () -> (@Sendable () async throws(UpstreamTransportError) -> ByteBuffer?)

    public init(_ makeNext: @escaping @Sendable () -> (@Sendable () async throws(UpstreamTransportError) -> ByteBuffer?)) {
        self.makeNext = makeNext
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let nextChunk: @Sendable () async throws(UpstreamTransportError) -> ByteBuffer?

        public mutating func next() async throws(UpstreamTransportError) -> ByteBuffer? {
            try await nextChunk()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(UpstreamTransportError) -> ByteBuffer? {
            try await nextChunk()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(nextChunk: makeNext()) }

    /// Reads the whole body, up to `limit` bytes.
    public func collect(limit: Int) async throws(UpstreamTransportError) -> [UInt8] {
        var out: [UInt8] = []
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() {
            out.append(contentsOf: chunk.readableBytesView)
            if out.count > limit { throw .broken("the upstream response is larger than \(limit) bytes") }
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
