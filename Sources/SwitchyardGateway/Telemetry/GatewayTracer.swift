import Instrumentation
import Logging
import NIOHTTP1
import OTel
import ServiceLifecycle
import Synchronization
import SwitchyardCore
import Tracing

/// The gateway's spans: a SERVER span per HTTP request and a CLIENT span per upstream attempt,
/// exported by swift-otel over OTLP/HTTP. Exists only when traces are on: with them off, every
/// request pays one nil check and nothing else.
///
/// Spans are handed to swift-otel's batch processor as they end, never waited for: its queue is
/// bounded (`TraceSettings.maxQueueSize`), and spans that do not fit, or whose export fails,
/// are dropped and counted (`switchyard_trace_spans_dropped_total`). Its service (`service`)
/// flushes what is queued at shutdown.
public final class GatewayTracer: Sendable {
    private let tracer: any Tracer
    let captureContent: Bool

    init(tracer: any Tracer, captureContent: Bool) {
        self.tracer = tracer
        self.captureContent = captureContent
    }

    /// The tracer for `settings` and the service that exports its spans (run it in the service
    /// group, first, so that it shuts down last and exports the spans of the last calls).
    public static func make(settings: TraceSettings, metrics: GatewayMetrics, logger: Logger) throws -> (tracer: GatewayTracer, service: any Service) {
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.resourceAttributes = settings.resourceAttributes
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.propagators = [.traceContext]
        configuration.diagnosticLogger = .custom(Logger(label: "swift-otel") { _ in
            TraceDiagnostics(logger: logger, metrics: metrics)
        })
        // Debug: the processor reports each exported batch there (counted), nothing per span.
        configuration.diagnosticLogLevel = .debug
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.endpoint = settings.tracesURL
        configuration.traces.otlpExporter.protocol = settings.wireProtocol == .httpJSON ? .httpJSON : .httpProtobuf
        configuration.traces.otlpExporter.timeout = settings.exportTimeout
        configuration.traces.batchSpanProcessor.maxQueueSize = settings.maxQueueSize
        configuration.traces.batchSpanProcessor.maxExportBatchSize = min(512, settings.maxQueueSize)
        configuration.traces.batchSpanProcessor.exportTimeout = settings.exportTimeout
        configuration.traces.sampler = switch settings.sampler {
        case .alwaysOn: .alwaysOn
        case .alwaysOff: .alwaysOff
        case .traceIDRatio(let ratio): .traceIDRatio(ratio: ratio) ?? .alwaysOn
        case .parentBasedAlwaysOn: .parentBasedAlwaysOn
        case .parentBasedAlwaysOff: .parentBasedAlwaysOff
        case .parentBasedTraceIDRatio(let ratio): .parentBasedTraceIDRatio(ratio: ratio) ?? .parentBasedAlwaysOn
        }
        // swift-otel applies the OTEL_* variables again on top: the same values, as
        // `TraceSettings.resolve` gave the environment precedence already.
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        metrics.registerTraceCounters()
        let tracer = GatewayTracer(tracer: backend.factory, captureContent: settings.captureContent)
        keptAlive.withLock { $0.append(tracer) }
        return (tracer, backend.service)
    }

    /// Every tracer lives as long as the process. swift-otel's exporter, when freed, shuts its
    /// HTTP client down synchronously, which traps on an event loop thread — and Swift
    /// concurrency runs on the event loops here (`Main`). Its service has shut it down already.
    private static let keptAlive = Mutex<[GatewayTracer]>([])

    // MARK: Spans

    /// A SERVER span, continuing the trace of the request's `traceparent`/`tracestate` if any.
    func startServer(_ request: HTTPServerSpan.Request, propagation: TracePropagation,
                     at start: DefaultTracerClock.Timestamp = DefaultTracerClock.now) -> TraceSpan {
        var context = InstrumentationContext.topLevel
        if propagation.traceparent != nil { tracer.extract(propagation, into: &context, using: TracePropagationExtractor()) }
        let span = tracer.startSpan(HTTPServerSpan.name(method: request.method, route: request.route), context: context, ofKind: .server,
                                    at: start)
        let handle = TraceSpan(span, capturesContent: captureContent)
        handle.set(HTTPServerSpan.startFields(request))
        return handle
    }

    /// A CLIENT span for one upstream attempt, child of `parent`.
    func startAttempt(_ attempt: GenAISpan.Attempt, parent: TraceSpan) -> TraceSpan {
        let span = tracer.startSpan(GenAISpan.name(operation: attempt.operation, model: attempt.requestModel), context: parent.context,
                                    ofKind: .client)
        let handle = TraceSpan(span, capturesContent: captureContent)
        handle.set(GenAISpan.startFields(attempt))
        return handle
    }

    /// `traceparent` (and `tracestate`) for a request made within `span`.
    func propagationHeaders(_ span: TraceSpan) -> [(String, String)] {
        var headers: [(String, String)] = []
        tracer.inject(span.context, into: &headers, using: HeaderListInjector())
        return headers
    }
}

/// One span, ended once (`end`): by the code that owns it, or, as a safety net, when the last
/// reference to it goes away (a span never ended would stay in the tracer's table forever).
final class TraceSpan: @unchecked Sendable {
    /// The SERVER span of the router request being answered (`ServerSpanMiddleware`): the
    /// parent of the spans of a call made there (embeddings).
    @TaskLocal static var current: TraceSpan?

    // `any Span` is a reference type that swift-otel makes thread-safe; ending is guarded here.
    private let span: any Span
    private let ended = OnceFlag()
    /// When the span started, on the gateway's monotonic clock (for durations such as the time
    /// to the first chunk).
    let started = ContinuousClock.now
    /// Message contents may go on this span (`telemetry.capture_content`).
    let capturesContent: Bool

    init(_ span: any Span, capturesContent: Bool = false) {
        self.span = span
        self.capturesContent = capturesContent
    }

    var context: InstrumentationContext { span.context }

    /// The trace's ID, 32 hex digits.
    var traceID: String? { span.context.otelTraceID }

    private let firstChunkAt = Mutex<ContinuousClock.Instant?>(nil)

    /// The first chunk with content arrived (a stream's `gen_ai.response.time_to_first_chunk`).
    func noteFirstChunk() {
        let now = ContinuousClock.now
        firstChunkAt.withLock { if $0 == nil { $0 = now } }
    }

    /// From the span's start to the first chunk with content, if one came.
    var firstChunk: Duration? { firstChunkAt.withLock { $0 }.map { $0 - started } }

    func set(_ fields: SpanFields) {
        guard !fields.items.isEmpty else { return }
        span.updateAttributes { attributes in
            for item in fields.items { attributes[item.name] = item.value.spanAttribute }
        }
    }

    /// Sets `fields`, marks the span failed when `error` is given, and ends it. Later calls do nothing.
    func end(_ fields: SpanFields = SpanFields(), error: String? = nil) {
        guard ended.setOnce() else { return }
        set(fields)
        if let error { span.setStatus(SpanStatus(code: .error, message: error)) }
        span.end()
    }

    deinit {
        if ended.setOnce() { span.end() }
    }
}

/// A flag that can be set once, from any thread.
final class OnceFlag: Sendable {
    private let flag = Mutex(false)

    /// True the first time only.
    func setOnce() -> Bool {
        flag.withLock { value in
            if value { return false }
            value = true
            return true
        }
    }
}

extension SpanValue {
    var spanAttribute: SpanAttribute {
        switch self {
        case .string(let value): .string(value)
        case .int(let value): .int64(value)
        case .double(let value): .double(value)
        case .bool(let value): .bool(value)
        case .strings(let values): .stringArray(values)
        }
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

struct TracePropagationExtractor: Extractor {
    func extract(key: String, from carrier: TracePropagation) -> String? {
        switch key {
        case "traceparent": carrier.traceparent
        case "tracestate": carrier.tracestate
        default: nil
        }
    }
}

/// Writes `traceparent`/`tracestate` into an upstream request's header list.
struct HeaderListInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(String, String)]) {
        carrier.append((key, value))
    }
}
