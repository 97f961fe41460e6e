import Foundation
import Logging
import NIOCore
import SwitchyardCore

/// One call to one deployment, carried as far as the point where the answer can be committed
/// to the client: a whole non-streaming body, or a stream that has started (first content,
/// reasoning, tool call or finish chunk). Anything that goes wrong before that point is an
/// `UpstreamFailure` the executor may retry elsewhere.
struct Attempt: Sendable {
    let candidate: DeploymentPool.Candidate
    let operation: UpstreamOperation
    let transport: any UpstreamTransport
    let timeouts: UpstreamTimeouts
    let requestID: String
    /// The end of the whole request (all attempts).
    let deadline: ContinuousClock.Instant
    let logger: Logger
    /// The attempt's CLIENT span (nil: traces off) and the `traceparent` headers that continue
    /// it upstream. A whole answer ends the span here; a started stream hands it on
    /// (`Prepared.span`); a failure is ended by the executor.
    var span: TraceSpan? = nil
    var traceHeaders: [(String, String)] = []

    /// Upstream responses larger than this are refused (a non-streaming answer is buffered).
    static let maxUpstreamBody = 64 << 20

    enum Answer: Sendable {
        case complete(body: [UInt8], usage: TokenUsage?)
        case stream(StreamStart)
    }

    struct Prepared: Sendable {
        var answer: Answer
        var candidate: DeploymentPool.Candidate
        var upstreamHeaders: [(String, String)]
        var latency: Duration
        /// Time spent waiting for the upstream: from sending the request to the whole body (or
        /// the stream's start). The rest of `latency` is the gateway's own work.
        var upstreamWait: Duration
        /// A started stream's CLIENT span, ended when the stream ends (`StreamRelayTask`).
        var span: TraceSpan? = nil
    }

    /// A stream that has started: the relay state, the rest of the upstream body and the
    /// bytes to send first.
    struct StreamStart: Sendable {
        var relay: IteratorBox<StreamRelay>
        var read: UpstreamBody.Reader
        var pending: [UInt8]
    }

    func run() async throws(UpstreamFailure) -> Prepared {
        let started = ContinuousClock.now
        let deployment = candidate.deployment
        let firstTokenDeadline = min(deadline, started + timeouts.firstToken)
        let upstreamModel = deployment.models[candidate.model.id] ?? candidate.model.id
        let adapter = ProviderAdapters.adapter(for: deployment.family)
        let requestBody: [UInt8]
        switch operation.body(model: upstreamModel, adapter: adapter, for: candidate.model, family: deployment.family) {
        case .send(let bytes): requestBody = bytes
        case .reject(let message): throw failure(.invalidRequest, message: message)
        }
        var request = UpstreamRequest(deployment: deployment, body: requestBody, requestID: requestID, path: operation.path,
                                      headDeadline: firstTokenDeadline)
        request.traceHeaders = traceHeaders
        let upstream: UpstreamResponse
        let sent = ContinuousClock.now
        do {
            upstream = try await transport.send(request, logger: logger)
        } catch {
            throw failure(error.errorClass)
        }
        guard upstream.status == 200 else {
            let body = (try? await upstream.body.collect(limit: 1 << 20, deadline: min(deadline, .now + .seconds(5)))) ?? []
            let errorBody = UpstreamErrorBody(bytes: body)
            let errorClass = adapter.classify(status: upstream.status, error: errorBody)
            throw UpstreamFailure(
                errorClass: errorClass, status: upstream.status,
                upstreamMessage: errorClass == .auth ? nil : errorBody.message, upstreamCode: errorBody.code,
                retryAfterSeconds: upstream.header("retry-after").flatMap { Int($0) },
                provider: deployment.provider, deployment: deployment.name)
        }
        if case .chat(let chat) = operation, chat.stream {
            let start = try await startStream(upstream, chat: chat, adapter: adapter, firstTokenDeadline: firstTokenDeadline)
            let now = ContinuousClock.now
            return Prepared(answer: .stream(start), candidate: candidate, upstreamHeaders: upstream.headers, latency: now - started,
                            upstreamWait: now - sent, span: span)
        }
        // The first byte of a non-streaming answer must come within the first-token timeout
        // (most providers send nothing before the whole answer is ready); the rest by the deadline.
        let body: [UInt8]
        do {
            body = try await upstream.body.collect(limit: Self.maxUpstreamBody, firstChunkDeadline: firstTokenDeadline, deadline: deadline)
        } catch {
            throw failure(error.errorClass)
        }
        let received = ContinuousClock.now
        let trimmed = Array(body.drop { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 })
        guard let document = try? JSONDocument(bytes: trimmed), document.root.kind == .object else {
            throw failure(.badResponse, message: "the response body is not a JSON object")
        }
        if document.member("error", of: document.root) != nil, document.member(operation.answerMember, of: document.root) == nil {
            let errorBody = UpstreamErrorBody(document: document, object: document.root)
            throw failure(adapter.classify(status: 500, error: errorBody), message: errorBody.message)
        }
        if case .embeddings(let request) = operation {
            do throws(EmbeddingsResponse.Problem) {
                _ = try EmbeddingsResponse(document: document, expected: request.inputs.count)
            } catch {
                throw failure(.badResponse, message: "the embeddings answer is not usable: \(error)")
            }
        }
        var usage = UsageReader.usage(in: document, object: document.root)
        if let reported = usage {
            // Counts no real call produces: a bad response (failed over, held against the
            // breaker), never billed as is.
            if let problem = reported.implausibility(contextWindow: candidate.model.contextWindow) {
                throw failure(.badResponse, message: "the upstream reported impossible usage: \(problem)")
            }
            usage = reported.normalized
        }
        if let span { endSpan(span, document: document, usage: usage) }
        return Prepared(answer: .complete(body: trimmed, usage: usage), candidate: candidate, upstreamHeaders: upstream.headers,
                        latency: .now - started, upstreamWait: received - sent)
    }

    /// Reads the stream until it starts, within the first-token deadline.
    private func startStream(_ upstream: UpstreamResponse, chat: ChatRequest, adapter: any ProviderAdapter,
                             firstTokenDeadline: ContinuousClock.Instant) async throws(UpstreamFailure) -> StreamStart {
        var relay = StreamRelay(clientWantsUsage: chat.clientWantsUsage, adapter: adapter, pricing: candidate.pricing,
                                contextWindow: candidate.model.contextWindow)
        if let limit = chat.recordAnswerLimit { relay.recorder = AnswerRecorder(limit: limit) }
        let read = upstream.body.reader()
        var pending: [UInt8] = []
        while !relay.started {
            let chunk: ByteBuffer?
            do {
                chunk = try await read(firstTokenDeadline)
            } catch {
                throw failure(error.errorClass)
            }
            if let chunk {
                pending += relay.consume(chunk.readableBytesView)
            } else {
                pending += relay.finish()
            }
            if case .failed(let errorClass, let message, let code) = relay.outcome {
                throw UpstreamFailure(errorClass: errorClass, upstreamMessage: message, upstreamCode: code,
                                      provider: candidate.deployment.provider, deployment: candidate.deployment.name)
            }
        }
        return StreamStart(relay: IteratorBox(relay), read: read, pending: pending)
    }

    /// A whole answer ends the attempt's span: what the upstream said it was, and its usage.
    private func endSpan(_ span: TraceSpan, document: JSONDocument, usage: TokenUsage?) {
        var outcome = GenAISpan.Outcome()
        if case .chat = operation { outcome.read(completion: document) }
        outcome.usage = usage
        outcome.cost = usage.map { Cost.of($0, at: candidate.pricing) }
        var fields = GenAISpan.endFields(outcome)
        if span.capturesContent, case .chat = operation { fields.append(GenAISpan.contentFields(request: nil, completion: document)) }
        span.end(fields)
    }

    private func failure(_ errorClass: UpstreamErrorClass, message: String? = nil) -> UpstreamFailure {
        UpstreamFailure(errorClass: errorClass, upstreamMessage: message, provider: candidate.deployment.provider,
                        deployment: candidate.deployment.name)
    }
}

/// What an attempt asks the upstream for: a chat completion or embeddings. Everything else
/// about an attempt — deployments, timeouts, retries, breakers, hedging — is the same.
enum UpstreamOperation: Sendable {
    case chat(ChatRequest)
    case embeddings(EmbeddingsRequest)

    var path: String {
        switch self {
        case .chat: return "/chat/completions"
        case .embeddings: return "/embeddings"
        }
    }

    /// The member a successful answer has (an answer with `error` and without it is an error).
    var answerMember: String {
        switch self {
        case .chat: return "choices"
        case .embeddings: return "data"
        }
    }

    /// The body for one deployment, after the family adapter's rules.
    func body(model: String, adapter: any ProviderAdapter, for catalogModel: CatalogModel, family: ModelFamily) -> PreparedBody {
        switch self {
        case .chat(let chat):
            return adapter.prepare(chat.upstreamBody(model: model, family: family), for: catalogModel, stream: chat.stream)
        case .embeddings(let request):
            return adapter.prepareEmbeddings(request.upstreamBody(model: model), request: request, for: catalogModel)
        }
    }
}
