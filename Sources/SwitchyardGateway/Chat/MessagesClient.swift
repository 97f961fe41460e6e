import NIOCore
import Synchronization
import SwitchyardCore

/// The Messages front door's client: the chat pipeline answers it as it answers any chat
/// client, and it renders each answer in the Messages API's shape before passing it on — a
/// whole `message`, a stream of Messages events (`MessagesStreamTranslator`), or an error
/// (`{"type":"error","error":{…}}` with the Messages status). Headers pass unchanged, plus
/// `request-id` (where Anthropic's SDKs read the request ID).
final class MessagesClient<Inner: ChatClient>: ChatClient {
    private struct State {
        var model = ""
        var promptEstimate = 0
        var stopSequences: [String] = []
        var stream: MessagesStreamTranslator?
    }

    private let inner: Inner
    private let state = Mutex(State())

    init(_ inner: Inner) { self.inner = inner }

    func accepted(_ request: ChatRequest, promptEstimate: Int) {
        let d = request.document
        let stops = d.member("stop", of: d.root).map { d.elements(of: $0).compactMap(d.string) } ?? []
        state.withLock {
            $0.model = request.model
            $0.promptEstimate = promptEstimate
            $0.stopSequences = stops
        }
    }

    func sendWhole(status: Int, headers: [(String, String)], body: ByteBuffer) async {
        let bytes = Array(buffer: body)
        if status == 200 {
            let stops = state.withLock { $0.stopSequences }
            if let message = MessagesResponse.message(fromChatCompletion: bytes, stopSequences: stops) {
                await inner.sendWhole(status: 200, headers: Self.withRequestID(headers), body: ByteBuffer(bytes: message))
            } else {
                let (status, text) = MessagesResponse.error(OpenAIError(.upstreamBadResponse, "The upstream's answer is not a chat completion."))
                await inner.sendWhole(status: status, headers: Self.withRequestID(headers), body: ByteBuffer(string: text))
            }
            return
        }
        if status >= 400, let mapped = MessagesResponse.error(fromOpenAIBody: bytes, status: status) {
            await inner.sendWhole(status: mapped.status, headers: Self.withRequestID(headers), body: ByteBuffer(string: mapped.body))
            return
        }
        await inner.sendWhole(status: status, headers: Self.withRequestID(headers), body: body)
    }

    func sendError(_ error: OpenAIError, headers: [(String, String)]) async {
        let (status, text) = MessagesResponse.error(error)
        await inner.sendWhole(status: status, headers: Self.withRequestID(headers), body: ByteBuffer(string: text))
    }

    func startStream(headers: [(String, String)]) async throws(ClientGone) {
        state.withLock {
            $0.stream = MessagesStreamTranslator(model: $0.model, promptEstimate: $0.promptEstimate, stopSequences: $0.stopSequences)
        }
        try await inner.startStream(headers: Self.withRequestID(headers))
    }

    func send(_ bytes: ByteBuffer, deadline: ContinuousClock.Instant) async throws(ClientGone) {
        let out = state.withLock { $0.stream?.consume(bytes.readableBytesView) ?? [] }
        guard !out.isEmpty else { return }
        try await inner.send(ByteBuffer(bytes: out), deadline: deadline)
    }

    func endStream() async {
        let out = state.withLock { $0.stream?.finish() ?? [] }
        if !out.isEmpty {
            // The last events are small; the client-stall limit still bounds the wait.
            try? await inner.send(ByteBuffer(bytes: out), deadline: .now + .seconds(60))
        }
        await inner.endStream()
    }

    private static func withRequestID(_ headers: [(String, String)]) -> [(String, String)] {
        guard let id = headers.first(where: { $0.0 == "x-request-id" })?.1 else { return headers }
        return headers + [("request-id", id)]
    }
}
