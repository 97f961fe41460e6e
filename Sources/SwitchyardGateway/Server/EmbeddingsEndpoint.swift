import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import SwitchyardCore

/// `POST /v1/embeddings` on the router: the key is checked from the head (401 before the body
/// is read), the body is read up to `max_body_bytes` under the server's read deadlines, and the
/// call runs through `ChatCompletionHandler` with the `embeddings` front door.
struct EmbeddingsEndpoint: Sendable {
    let chat: ChatCompletionHandler

    func handle(_ request: Request, logger: Logger) async throws -> Response {
        let headers = HTTPHeaders(request.headers)
        let caller: AccessLayer.Caller
        switch chat.authenticate(headers) {
        case .success(let who): caller = who
        case .failure(let error):
            let refused = chat.refused(error, headers: headers, front: .embeddings)
            return WholeAnswer.response(status: refused.status, headers: refused.headers, body: refused.body)
        }
        // The body limit of the config in force (a reload may change it).
        let maxBodyBytes = chat.live.current.config.server.maxBodyBytes
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let answer = WholeAnswer()
        await chat.serve(headers: headers, caller: caller, body: body, maxBodyBytes: maxBodyBytes, front: .embeddings,
                         span: TraceSpan.current, client: answer, logger: logger)
        return answer.response()
    }
}

/// A client that takes one whole answer (no streams): the router's calls and batch lines.
final class WholeAnswer: ChatClient, Sendable {
    private let answer = Mutex<(status: Int, headers: [(String, String)], body: ByteBuffer)?>(nil)

    func sendWhole(status: Int, headers: [(String, String)], body: ByteBuffer) async {
        answer.withLock { $0 = (status, headers, body) }
    }

    func startStream(headers: [(String, String)]) async throws(ClientGone) { throw .disconnected }
    func send(_ bytes: ByteBuffer, deadline: ContinuousClock.Instant) async throws(ClientGone) { throw .disconnected }
    func endStream() async {}

    var result: (status: Int, headers: [(String, String)], body: ByteBuffer)? { answer.withLock { $0 } }

    func response() -> Response {
        guard let (status, headers, body) = result else { return ErrorResponse.make(.internalError) }
        return Self.response(status: status, headers: headers, body: body)
    }

    static func response(status: Int, headers: [(String, String)], body: ByteBuffer) -> Response {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: body))
    }
}

extension HTTPHeaders {
    init(_ fields: HTTPFields) {
        self.init()
        for field in fields { add(name: field.name.canonicalName, value: field.value) }
    }
}
