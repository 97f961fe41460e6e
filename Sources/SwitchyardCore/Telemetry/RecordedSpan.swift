/// A span that has ended, as it is exported: plain values, made once when the span ends.
public struct RecordedSpan: Sendable, Hashable {
    public enum Kind: Int, Sendable, Hashable {
        case `internal` = 1, server = 2, client = 3
    }

    public var traceID: TraceID
    public var spanID: SpanID
    public var parentSpanID: SpanID?
    /// The parent is in another process (a client's `traceparent`).
    public var parentIsRemote: Bool
    public var traceState: String
    public var name: String
    public var kind: Kind
    /// Nanoseconds since the Unix epoch.
    public var startNanos: UInt64
    public var endNanos: UInt64
    public var attributes: [SpanFields.Item]
    /// Set when the span failed (status ERROR with this message); nil leaves the status unset.
    public var errorMessage: String?

    public init(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, parentIsRemote: Bool = false, traceState: String, name: String, kind: Kind,
                startNanos: UInt64, endNanos: UInt64, attributes: [SpanFields.Item], errorMessage: String?) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.parentIsRemote = parentIsRemote
        self.traceState = traceState
        self.name = name
        self.kind = kind
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.attributes = attributes
        self.errorMessage = errorMessage
    }

    /// The attributes with one value per name, the last one set, in the order names first
    /// appeared (a span's attributes form a map; setting a name again replaces its value).
    public var distinctAttributes: [SpanFields.Item] {
        var result: [SpanFields.Item] = []
        result.reserveCapacity(attributes.count)
        for item in attributes {
            if let index = result.firstIndex(where: { $0.name == item.name }) {
                result[index].value = item.value
            } else {
                result.append(item)
            }
        }
        return result
    }
}
