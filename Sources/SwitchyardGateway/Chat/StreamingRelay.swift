import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import SwitchyardCore

/// Relays a started stream to the client. Bytes go out as they arrive; each chunk must come
/// within the stream-idle timeout and all by the request's deadline. A failure after the start
/// ends the stream with an SSE error event, never a silent end.
struct StreamingRelay: Sendable {
    let metrics: GatewayMetrics
    let pool: DeploymentPool
    let candidate: DeploymentPool.Candidate
    let trace: ResponseTrace
    let account: CallAccount
    let timeouts: UpstreamTimeouts
    let deadline: ContinuousClock.Instant
    let started: ContinuousClock.Instant
    let logger: Logger

    private var model: CatalogModel { candidate.model }

    func response(_ start: Attempt.StreamStart) -> Response {
        let firstContent = FirstContent()
        if start.relay.iterator.sawContent {
            metrics.recordTTFT(model: model.id, .now - started)
            firstContent.mark(.now - started)
        }
        let lease = pool.leaseStream(candidate.deployment)
        let ending = StreamEnding(lease: lease, metrics: metrics, account: account, trace: trace, firstContent: firstContent)
        var headers = trace.headers()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            ending.started()
            defer { ending.endLeaseAndMetrics() }
            let (status, errorClass) = await self.pump(start, writer: &writer, firstContent: firstContent)
            metrics.recordRequest(model: model.id, deployment: candidate.deployment.name, status: status, duration: .now - started)
            let usage = start.relay.iterator.usage
            var cost: Cost?
            if let usage {
                cost = Cost.of(usage, at: candidate.pricing)
                metrics.recordUsage(model: model.id, usage: usage, cost: cost!)
            }
            try? await writer.finish(nil)
            await account.finish(trace: trace, status: status, usage: usage, cost: cost, ttft: firstContent.value, errorClass: errorClass)
        })
    }

    /// Copies the rest of the stream; returns the status to record (200; 499 when the client
    /// went away; the upstream failure's status otherwise) and the failure's class.
    private func pump(_ start: Attempt.StreamStart, writer: inout any ResponseBodyWriter, firstContent: FirstContent) async -> (Int, String?) {
        let relay = start.relay
        var sawContent = relay.iterator.sawContent
        do {
            if !start.pending.isEmpty { try await writer.write(ByteBuffer(bytes: start.pending)) }
            while relay.iterator.outcome == .streaming {
                let out: [UInt8]
                do {
                    let chunkDeadline = min(deadline, .now + timeouts.streamIdle)
                    if let chunk = try await start.read(chunkDeadline) {
                        out = relay.iterator.consume(chunk.readableBytesView)
                    } else {
                        out = relay.iterator.finish()
                    }
                } catch {
                    return (await fail(error.errorClass, message: error.errorClass == .timeout ? "no chunk within the stream-idle timeout" : nil,
                                       code: nil, writer: &writer), error.errorClass.rawValue)
                }
                if !sawContent && relay.iterator.sawContent {
                    sawContent = true
                    metrics.recordTTFT(model: model.id, .now - started)
                    firstContent.mark(.now - started)
                }
                if !out.isEmpty { try await writer.write(ByteBuffer(bytes: out)) }
            }
        } catch {
            // Writing to the client failed: it went away. Dropping the upstream reader cancels
            // the upstream call.
            metrics.recordClientDisconnect(model: model.id)
            logger.debug("client disconnected during a stream")
            return (499, "client_disconnected")
        }
        if case .failed(let errorClass, let message, let code) = relay.iterator.outcome {
            return (await fail(errorClass, message: message, code: code, writer: &writer), errorClass.rawValue)
        }
        if let failure = relay.iterator.finishFailure {
            // The stream ended "normally" with a finish reason that is really a failure (GLM's
            // `network_error`, `sensitive`): the client has the finish reason; we count it.
            metrics.recordStreamFailure(model: model.id, afterStart: true)
            metrics.recordUpstreamError(deployment: candidate.deployment.name, errorClass: failure)
            if failure.isRetryable { pool.recordLateFailure(candidate.deployment, failure) }
            return (200, failure.rawValue)
        }
        return (200, nil)
    }

    private func fail(_ errorClass: UpstreamErrorClass, message: String?, code: String?, writer: inout any ResponseBodyWriter) async -> Int {
        metrics.recordStreamFailure(model: model.id, afterStart: true)
        metrics.recordUpstreamError(deployment: candidate.deployment.name, errorClass: errorClass)
        pool.recordLateFailure(candidate.deployment, errorClass)
        let error = UpstreamFailure(errorClass: errorClass, upstreamMessage: message, upstreamCode: code,
                                    provider: candidate.deployment.provider, deployment: candidate.deployment.name).openAIError
        logger.warning("stream failed after it started", metadata: ["error.class": .string(errorClass.rawValue)])
        try? await writer.write(ByteBuffer(bytes: SSEWriter.data(Array(error.body.utf8))))
        return error.status
    }
}

/// When the first content reached the client, set once by the relay.
final class FirstContent: Sendable {
    private let time = Mutex<Duration?>(nil)

    func mark(_ elapsed: Duration) { time.withLock { if $0 == nil { $0 = elapsed } } }
    var value: Duration? { time.withLock { $0 } }
}

/// Ends a stream's bookkeeping exactly once. Hummingbird writes the response head before it
/// runs the body: when the client is gone by then, the body never runs, and this object's
/// `deinit` ends the lease and writes the ledger record (499) instead.
final class StreamEnding: Sendable {
    private let lease: StreamLease
    private let metrics: GatewayMetrics
    private let account: CallAccount
    private let trace: ResponseTrace
    private let firstContent: FirstContent
    private let bodyRan = Mutex(false)

    init(lease: StreamLease, metrics: GatewayMetrics, account: CallAccount, trace: ResponseTrace, firstContent: FirstContent) {
        self.lease = lease
        self.metrics = metrics
        self.account = account
        self.trace = trace
        self.firstContent = firstContent
    }

    func started() { bodyRan.withLock { $0 = true } }

    func endLeaseAndMetrics() {
        lease.end()
        metrics.requestEnded()
    }

    deinit {
        guard !bodyRan.withLock({ $0 }) else { return }
        endLeaseAndMetrics()
        let (account, trace, ttft) = (account, trace, firstContent.value)
        Task { await account.finish(trace: trace, status: 499, usage: nil, cost: nil, ttft: ttft, errorClass: "client_disconnected") }
    }
}
