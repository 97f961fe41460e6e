import Foundation
import Synchronization
import SwitchyardCore

/// One span of the gateway's: a request's SERVER span or an upstream attempt's CLIENT span.
/// Attributes are encoded as they are set (`SpanFields`) and gathered under a lock while it is
/// open; `end` writes the OTLP `Span` message around them and queues its bytes for export, once. A span its trace's sampler left out has
/// IDs (they still travel upstream in `traceparent`) but records nothing.
final class TraceSpan: Sendable {
    /// The SERVER span of the router request being answered (`ServerSpanMiddleware`): the
    /// parent of the spans of a call made there (embeddings).
    @TaskLocal static var current: TraceSpan?

    /// This span's place in its trace (its own span ID, the trace's sampling decision).
    let context: TraceContext
    /// When the span started, on the gateway's monotonic clock (for durations such as the time
    /// to the first chunk).
    let started = ContinuousClock.now
    /// Message contents may go on this span (`telemetry.capture_content`).
    let capturesContent: Bool

    private let identity: Identity?
    private let open: Mutex<Open>

    /// What a recorded span needs besides its context (nil for a span not recorded).
    private struct Identity: Sendable {
        let queue: SpanQueue
        let name: String
        let kind: RecordedSpan.Kind
        let parent: SpanID?
        let parentIsRemote: Bool
        let startNanos: UInt64
    }

    private struct Open {
        var attributes: SpanFields
        var firstChunkAt: ContinuousClock.Instant?
        var ended = false
    }

    /// A span recorded into `queue`, or, when `queue` is nil or the context is not sampled, a
    /// span that only carries its context.
    /// `attributes` are its first attributes (more can be set until it ends).
    init(context: TraceContext, name: String, kind: RecordedSpan.Kind, parent: SpanID?, parentIsRemote: Bool, startNanos: UInt64,
         queue: SpanQueue?, capturesContent: Bool, attributes: SpanFields = SpanFields()) {
        self.context = context
        self.capturesContent = capturesContent && context.sampled
        if let queue, context.sampled {
            identity = Identity(queue: queue, name: name, kind: kind, parent: parent, parentIsRemote: parentIsRemote, startNanos: startNanos)
        } else {
            identity = nil
        }
        open = Mutex(Open(attributes: identity == nil ? SpanFields() : attributes))
    }

    /// Whether the span is recorded and exported (its trace is sampled).
    var isRecording: Bool { identity != nil }

    /// The trace's ID, 32 hex digits.
    var traceID: String? { context.traceID.hex }

    /// The first chunk with content arrived (a stream's `gen_ai.response.time_to_first_chunk`).
    func noteFirstChunk() {
        guard isRecording else { return }
        let now = ContinuousClock.now
        open.withLock { if $0.firstChunkAt == nil { $0.firstChunkAt = now } }
    }

    /// From the span's start to the first chunk with content, if one came.
    var firstChunk: Duration? { open.withLock { $0.firstChunkAt }.map { $0 - started } }

    func set(_ fields: SpanFields) {
        guard isRecording, !fields.isEmpty else { return }
        open.withLock { state in
            guard !state.ended else { return }
            state.attributes.append(fields)
        }
    }

    /// Sets `fields`, marks the span failed when `error` is given, and ends it. Later calls do nothing.
    func end(_ fields: SpanFields = SpanFields(), error: String? = nil) {
        guard let identity else { return }
        let endNanos = Self.wallClockNanos()
        let gathered: SpanFields? = open.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            // Taken out whole: the span keeps no second reference to the bytes appended to next.
            defer { state.attributes = SpanFields() }
            return state.attributes
        }
        guard var attributes = gathered else { return }
        attributes.append(fields)
        assert(attributes.namesAreDistinct, "a span attribute was set twice on \(identity.name)")
        identity.queue.submit(RecordedSpan.encode(
            traceID: context.traceID, spanID: context.spanID, parentSpanID: identity.parent, parentIsRemote: identity.parentIsRemote,
            traceState: context.traceState, name: identity.name, kind: identity.kind, startNanos: identity.startNanos,
            endNanos: max(endNanos, identity.startNanos), attributes: attributes, errorMessage: error))
    }

    /// A span whose owner never ended it (a path that forgot) is still exported, ending when
    /// its last reference goes: a missing span would hide exactly the path that needs looking at.
    deinit {
        end()
    }

    /// Nanoseconds since the Unix epoch, for span timestamps.
    static func wallClockNanos() -> UInt64 {
        // A Double holds today's nanoseconds since 1970 to within a quarter of a microsecond.
        UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000_000))
    }
}
