import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchyardCore

/// Relays one upstream stream to the client.
///
/// Nothing is sent until the stream has really started (first content, reasoning, tool call
/// or finish chunk): a stream that fails before that gets an ordinary HTTP error, so the
/// client — and, later, failover — can treat it like any failed call. After that, bytes go out
/// as they arrive, and a failure ends the stream with an SSE error event, never a silent end.
struct StreamingRelay: Sendable {
    let handler: ChatCompletionHandler
    let model: CatalogModel
    let deployment: DeploymentConfig
    let adapter: any ProviderAdapter
    let trace: ResponseTrace
    let clientWantsUsage: Bool
    let started: ContinuousClock.Instant
    let logger: Logger

    private var metrics: GatewayMetrics { handler.metrics }

    func start(_ upstream: UpstreamResponse) async throws -> Response {
        var relay = StreamRelay(clientWantsUsage: clientWantsUsage, adapter: adapter, pricing: model.pricing)
        let source = IteratorBox(upstream.body.makeAsyncIterator())
        var pending: [UInt8] = []
        while !relay.started {
            let chunk: ByteBuffer?
            do {
                chunk = try await source.iterator.next()
            } catch {
                metrics.recordStreamFailure(model: model.id, afterStart: false)
                throw handler.failure(error.errorClass, deployment: deployment, message: nil)
            }
            if let chunk {
                pending += relay.consume(chunk.readableBytesView)
            } else {
                pending += relay.finish()
            }
            if case .failed(let errorClass, let message, let code) = relay.outcome {
                metrics.recordStreamFailure(model: model.id, afterStart: false)
                handler.table.record(deployment: deployment.name, failure: errorClass)
                metrics.recordUpstreamError(deployment: deployment.name, errorClass: errorClass)
                throw UpstreamFailure(errorClass: errorClass, upstreamMessage: message, upstreamCode: code,
                                      provider: deployment.provider, deployment: deployment.name).openAIError
            }
        }
        if relay.sawContent { metrics.recordTTFT(model: model.id, .now - started) }

        var headers = trace.headers()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let first = pending
        let state = IteratorBox(relay)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { metrics.requestEnded() }
            let status = await self.pump(first: first, source: source, relay: state, writer: &writer)
            metrics.recordRequest(model: model.id, deployment: deployment.name, status: status, duration: .now - started)
            if let usage = state.iterator.usage {
                metrics.recordUsage(model: model.id, usage: usage, cost: Cost.of(usage, at: model.pricing))
            }
            try? await writer.finish(nil)
        })
    }

    /// Copies the rest of the stream; returns the status to record (200, or 499 when the client
    /// went away, or the upstream failure's status).
    private func pump(first: [UInt8], source: IteratorBox<UpstreamBody.AsyncIterator>, relay: IteratorBox<StreamRelay>,
                      writer: inout any ResponseBodyWriter) async -> Int {
        var sawContent = relay.iterator.sawContent
        do {
            if !first.isEmpty { try await writer.write(ByteBuffer(bytes: first)) }
            while relay.iterator.outcome == .streaming {
                let out: [UInt8]
                do {
                    if let chunk = try await source.iterator.next() {
                        out = relay.iterator.consume(chunk.readableBytesView)
                    } else {
                        out = relay.iterator.finish()
                    }
                } catch {
                    return await fail(error.errorClass, message: nil, code: nil, writer: &writer)
                }
                if !sawContent && relay.iterator.sawContent {
                    sawContent = true
                    metrics.recordTTFT(model: model.id, .now - started)
                }
                if !out.isEmpty { try await writer.write(ByteBuffer(bytes: out)) }
            }
        } catch {
            // Writing to the client failed: it went away. Dropping the upstream iterator cancels
            // the upstream call.
            metrics.recordClientDisconnect(model: model.id)
            logger.debug("client disconnected during a stream")
            return 499
        }
        if case .failed(let errorClass, let message, let code) = relay.iterator.outcome {
            return await fail(errorClass, message: message, code: code, writer: &writer)
        }
        handler.table.record(deployment: deployment.name, failure: nil)
        return 200
    }

    private func fail(_ errorClass: UpstreamErrorClass, message: String?, code: String?, writer: inout any ResponseBodyWriter) async -> Int {
        metrics.recordStreamFailure(model: model.id, afterStart: true)
        handler.table.record(deployment: deployment.name, failure: errorClass)
        metrics.recordUpstreamError(deployment: deployment.name, errorClass: errorClass)
        let error = UpstreamFailure(errorClass: errorClass, upstreamMessage: message, upstreamCode: code,
                                    provider: deployment.provider, deployment: deployment.name).openAIError
        logger.warning("stream failed after it started", metadata: ["error.class": .string(errorClass.rawValue)])
        try? await writer.write(ByteBuffer(bytes: SSEWriter.data(Array(error.body.utf8))))
        return error.status
    }
}
