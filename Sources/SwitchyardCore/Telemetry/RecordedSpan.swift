/// A span that has ended, as it is exported: plain values, made once when the span ends.
package struct RecordedSpan: Sendable, Hashable {
    package enum Kind: Int, Sendable, Hashable {
        case `internal` = 1, server = 2, client = 3
    }

    package var traceID: TraceID
    package var spanID: SpanID
    package var parentSpanID: SpanID?
    /// The parent is in another process (a client's `traceparent`).
    package var parentIsRemote: Bool
    package var traceState: String
    package var name: String
    package var kind: Kind
    /// Nanoseconds since the Unix epoch.
    package var startNanos: UInt64
    package var endNanos: UInt64
    package var attributes: [SpanFields.Item]
    /// Set when the span failed (status ERROR with this message); nil leaves the status unset.
    package var errorMessage: String?

    package init(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, parentIsRemote: Bool = false, traceState: String, name: String, kind: Kind,
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
    package var distinctAttributes: [SpanFields.Item] {
        // Nearly every span sets each name once: one pass over a set finds out, and only a span
        // that set a name twice pays for the merge.
        var seen = Set<String>(minimumCapacity: attributes.count)
        guard !attributes.allSatisfy({ seen.insert($0.name).inserted }) else { return attributes }
        var result: [SpanFields.Item] = []
        result.reserveCapacity(attributes.count)
        var position: [String: Int] = [:]
        for item in attributes {
            if let index = position[item.name] {
                result[index].value = item.value
            } else {
                position[item.name] = result.count
                result.append(item)
            }
        }
        return result
    }
}
