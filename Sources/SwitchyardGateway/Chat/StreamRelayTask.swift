import Logging
import Metrics
import NIOCore
import SwitchyardCore

/// Relays a started stream to the client and says how it ended. Bytes go out as they arrive;
/// each upstream chunk must come within the stream-idle timeout and all by the call's deadline.
/// A failure after the start ends the stream with an SSE error event, never a silent end.
///
/// Billing, whatever the ending: the upstream's usage when it arrived; otherwise, once content
/// was relayed, the prompt estimate plus one completion token per relayed chunk, recorded as
/// `estimated`. A client that leaves is followed for up to `usageDrain` (2 s): the upstream is
/// read on, unsent, in case its usage chunk comes; then the upstream call is cancelled (the
/// reader is dropped).
struct StreamRelayTask: Sendable {
    let call: ChatCall
    let start: Attempt.StreamStart
    let candidate: DeploymentPool.Candidate
    let metrics: GatewayMetrics
    let pool: DeploymentPool
    let timeouts: UpstreamTimeouts
    let deadline: ContinuousClock.Instant
    /// The attempt's CLIENT span (nil: traces off), ended with the stream.
    let span: TraceSpan?
    let logger: Logger

    private var model: CatalogModel { candidate.model }

    func run(to client: some ChatClient) async -> CallEnd {
        guard let span else { return await relayStream(to: client, span: nil) }
        let end = await relayStream(to: client, span: span)
        let relay = start.relay
        var outcome = GenAISpan.Outcome()
        outcome.responseID = relay.iterator.responseID
        outcome.responseModel = relay.iterator.responseModel
        outcome.finishReasons = relay.iterator.finishReasons
        outcome.usage = end.usage
        outcome.cost = end.cost
        outcome.timeToFirstChunk = span.firstChunk
        let failed = end.status != 200 || end.errorClass != nil
        if failed { outcome.errorType = end.errorClass ?? String(end.status) }
        span.end(GenAISpan.endFields(outcome), error: failed ? outcome.errorType : nil)
        return end
    }

    private func relayStream(to client: some ChatClient, span: TraceSpan?) async -> CallEnd {
        let relay = start.relay
        let deployment = candidate.deployment
        let genAI = metrics.genAIStreamTimers(GenAIConventions.labels(family: deployment.family, requestModel: model.id,
                                                                      responseModel: deployment.models[model.id] ?? model.id))
        var ttft: Duration?
        /// When the last chunk with content arrived (time per output chunk counts from it).
        var lastChunk = ContinuousClock.now
        /// Content chunks counted so far (the relay counts one per delta with content).
        var chunksSeen = relay.iterator.relayedTokens
        if relay.iterator.sawContent {
            ttft = .now - call.started
            metrics.recordTTFT(model: model.id, ttft!)
            genAI.firstChunk.recordNanoseconds(ttft!.nanosecondsClamped)
            span?.noteFirstChunk()
        }
        var headers = call.trace.headers()
        headers.append(("content-type", "text/event-stream"))
        headers.append(("cache-control", "no-cache"))
        do {
            try await client.startStream(headers: headers)
            if !start.pending.isEmpty { try await client.send(ByteBuffer(bytes: start.pending), deadline: deadline) }
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
                    if Task.isCancelled {
                        return await fail(OpenAIError.shuttingDown, errorClass: "shutdown", client: client, ttft: ttft)
                    }
                    let message = error.errorClass == .timeout ? "no chunk within the stream-idle timeout" : nil
                    return await failUpstream(error.errorClass, message: message, code: nil, client: client, ttft: ttft)
                }
                if ttft == nil && relay.iterator.sawContent {
                    ttft = .now - call.started
                    metrics.recordTTFT(model: model.id, ttft!)
                    genAI.firstChunk.recordNanoseconds(ttft!.nanosecondsClamped)
                    span?.noteFirstChunk()
                    lastChunk = .now
                } else if ttft != nil && relay.iterator.relayedTokens > chunksSeen {
                    // One observation per content chunk; several in one read share its gap.
                    let now = ContinuousClock.now
                    let gap = (now - lastChunk).nanosecondsClamped / Int64(relay.iterator.relayedTokens - chunksSeen)
                    for _ in chunksSeen..<relay.iterator.relayedTokens { genAI.perChunk.recordNanoseconds(gap) }
                    lastChunk = now
                }
                chunksSeen = relay.iterator.relayedTokens
                if !out.isEmpty { try await client.send(ByteBuffer(bytes: out), deadline: deadline) }
            }
        } catch {
            return await clientLeft(error, ttft: ttft)
        }
        if case .failed(let errorClass, let message, let code) = relay.iterator.outcome {
            return await failUpstream(errorClass, message: message, code: code, client: client, ttft: ttft)
        }
        await client.endStream()
        var end = billed(status: 200, errorClass: nil, ttft: ttft)
        if let failure = relay.iterator.finishFailure {
            // The stream ended "normally" with a finish reason that is really a failure (GLM's
            // `network_error`, `sensitive`): the client has the finish reason; we count it.
            metrics.recordStreamFailure(model: model.id, afterStart: true)
            metrics.recordUpstreamError(deployment: candidate.deployment.name, errorClass: failure)
            if failure.isRetryable { pool.recordLateFailure(candidate.deployment, failure) }
            end.errorClass = failure.rawValue
        }
        return end
    }

    /// The client stopped taking the answer. A client that disconnected gets the usage drain.
    private func clientLeft(_ gone: ClientGone, ttft: Duration?) async -> CallEnd {
        let relay = start.relay
        metrics.recordClientDisconnect(model: model.id)
        logger.debug("client gone during a stream", metadata: ["reason": .string(gone.errorClass)])
        let relayed = relay.iterator.relayedTokens
        if case .disconnected = gone, relay.iterator.usage == nil {
            let drainEnd = min(deadline, .now + ChatCompletionHandler.usageDrain)
            while relay.iterator.outcome == .streaming, relay.iterator.usage == nil, ContinuousClock.now < drainEnd {
                guard let chunk = try? await start.read(drainEnd) else { break }
                _ = relay.iterator.consume(chunk.readableBytesView)
            }
        }
        return billed(status: 499, errorClass: gone.errorClass, ttft: ttft, relayedTokens: relayed)
    }

    /// The upstream failed after the stream started: an SSE error event ends it.
    private func failUpstream(_ errorClass: UpstreamErrorClass, message: String?, code: String?, client: some ChatClient,
                              ttft: Duration?) async -> CallEnd {
        metrics.recordUpstreamError(deployment: candidate.deployment.name, errorClass: errorClass)
        pool.recordLateFailure(candidate.deployment, errorClass)
        let error = UpstreamFailure(errorClass: errorClass, upstreamMessage: message, upstreamCode: code,
                                    provider: candidate.deployment.provider, deployment: candidate.deployment.name).openAIError
        logger.warning("stream failed after it started", metadata: ["error.class": .string(errorClass.rawValue)])
        return await fail(error, errorClass: errorClass.rawValue, client: client, ttft: ttft)
    }

    private func fail(_ error: OpenAIError, errorClass: String, client: some ChatClient, ttft: Duration?) async -> CallEnd {
        metrics.recordStreamFailure(model: model.id, afterStart: true)
        try? await client.send(ByteBuffer(bytes: SSEWriter.data(Array(error.body.utf8))), deadline: deadline)
        await client.endStream()
        return billed(status: error.status, errorClass: errorClass, ttft: ttft)
    }

    /// The call's usage: the upstream's, else an estimate once content was relayed.
    private func billed(status: Int, errorClass: String?, ttft: Duration?, relayedTokens: Int? = nil) -> CallEnd {
        let relay = start.relay
        if let usage = relay.iterator.usage {
            return CallEnd(status: status, usage: usage, usageSource: .upstream, cost: Cost.of(usage, at: candidate.pricing),
                           errorClass: errorClass, ttft: ttft)
        }
        let relayed = relayedTokens ?? relay.iterator.relayedTokens
        guard relayed > 0 || status == 499 else { return CallEnd(status: status, errorClass: errorClass, ttft: ttft) }
        let estimate = TokenUsage(promptTokens: call.promptEstimate, completionTokens: relayed)
        return CallEnd(status: status, usage: estimate, usageSource: .estimated, cost: Cost.of(estimate, at: candidate.pricing),
                       errorClass: errorClass, ttft: ttft)
    }
}
