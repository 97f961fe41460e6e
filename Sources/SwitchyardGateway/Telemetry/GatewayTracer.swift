import Logging
import NIOHTTP1
import ServiceLifecycle
import SwitchyardCore
import SwitchyardHTTPClient

/// The gateway's spans: a SERVER span per HTTP request and a CLIENT span per upstream attempt,
/// exported over OTLP/HTTP. Exists only when traces are on: with them off, every request pays
/// one nil check and nothing else.
///
/// Making a span costs three random numbers and a small allocation; ending it, one locked
/// append to a bounded queue (`SpanQueue`). Encoding and sending happen in the exporter's own
/// task (`SpanExporter`), a batch at a time; spans that do not fit in the queue, or whose
/// export fails, are dropped and counted (`switchyard_trace_spans_dropped_total`).
package final class GatewayTracer: Sendable {
    let settings: TraceSettings
    let queue: SpanQueue
    var captureContent: Bool { settings.captureContent }

    init(settings: TraceSettings, queue: SpanQueue) {
        self.settings = settings
        self.queue = queue
    }

    /// The tracer for `settings` and the service that exports its spans (run it in the service
    /// group, first, so that it shuts down last and exports the spans of the last calls).
    /// Throws when a setting cannot be used (an unreadable CA file), naming it.
    package static func make(settings: TraceSettings, metrics: GatewayMetrics, logger: Logger) throws -> (tracer: GatewayTracer, service: any Service) {
        let queue = SpanQueue(capacity: settings.maxQueueSize, batchSize: settings.maxExportBatchSize)
        let connections = UpstreamConnections(settings: .init(connectTimeout: min(settings.exportTimeout, .seconds(10))))
        let exporter = try SpanExporter(queue: queue, settings: settings, connections: connections, metrics: metrics, logger: logger)
        metrics.registerTraceCounters()
        return (GatewayTracer(settings: settings, queue: queue), exporter)
    }

    // MARK: Spans

    /// A SERVER span, continuing the trace of the request's `traceparent`/`tracestate` if any
    /// (a malformed `traceparent` is ignored: a new trace starts).
    func startServer(_ request: HTTPServerSpan.Request, propagation: TracePropagation, at startNanos: UInt64 = TraceSpan.wallClockNanos()) -> TraceSpan {
        var random = BufferedRandom()
        let remote = TraceContext.parse(traceparent: propagation.traceparent, tracestate: propagation.tracestate)
        let traceID = remote?.traceID ?? TraceID.random(using: &random)
        let context = TraceContext(traceID: traceID, spanID: SpanID.random(using: &random),
                                   sampled: settings.sampler.samples(traceID, parentSampled: remote?.sampled),
                                   traceState: remote?.traceState ?? "")
        let span = TraceSpan(context: context, name: HTTPServerSpan.name(method: request.method, route: request.route), kind: .server,
                             parent: remote?.spanID, parentIsRemote: remote != nil, startNanos: startNanos, queue: queue,
                             capturesContent: captureContent, attributes: context.sampled ? HTTPServerSpan.startFields(request) : SpanFields())
        return span
    }

    /// A CLIENT span for one upstream attempt, child of `parent`.
    func startAttempt(_ attempt: GenAISpan.Attempt, parent: TraceSpan) -> TraceSpan {
        var random = BufferedRandom()
        let context = TraceContext(traceID: parent.context.traceID, spanID: SpanID.random(using: &random),
                                   sampled: settings.sampler.samples(parent.context.traceID, parentSampled: parent.context.sampled),
                                   traceState: parent.context.traceState)
        let span = TraceSpan(context: context, name: GenAISpan.name(operation: attempt.operation, model: attempt.requestModel), kind: .client,
                             parent: parent.context.spanID, parentIsRemote: false, startNanos: TraceSpan.wallClockNanos(), queue: queue,
                             capturesContent: captureContent, attributes: context.sampled ? GenAISpan.startFields(attempt) : SpanFields())
        return span
    }

    /// `traceparent` (and `tracestate`) for a request made within `span`.
    func propagationHeaders(_ span: TraceSpan) -> [(String, String)] {
        var headers = [("traceparent", span.context.traceparent)]
        if !span.context.traceState.isEmpty { headers.append(("tracestate", span.context.traceState)) }
        return headers
    }
}

/// A client request's W3C trace context headers.
struct TracePropagation: Sendable {
    var traceparent: String?
    var tracestate: String?

    init(traceparent: String?, tracestate: String?) {
        self.traceparent = traceparent
        self.tracestate = tracestate
    }

    init(_ headers: HTTPHeaders) {
        self.init(traceparent: headers.first(name: "traceparent"), tracestate: headers.first(name: "tracestate"))
    }
}
