/// A span that has ended, as plain values. The gateway does not keep its spans in this form:
/// a span is encoded once, when it ends (`encode`), and queued as the OTLP protobuf bytes of
/// its `Span` message; this form is what those bytes decode back to (the OTLP/JSON encoding,
/// tests).
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

    // MARK: Protobuf

    /// The span's OTLP `Span` message (opentelemetry-proto `trace/v1`), attributes already
    /// encoded: what ending a span queues for export.
    package static func encode(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, parentIsRemote: Bool, traceState: String, name: String,
                               kind: Kind, startNanos: UInt64, endNanos: UInt64, attributes: SpanFields, errorMessage: String?) -> [UInt8] {
        var writer = ProtobufWriter(capacity: 96 + name.utf8.count + traceState.utf8.count + attributes.encoded.bytes.count
                                    + (errorMessage?.utf8.count ?? 0))
        writer.bigEndianBytesField(1, traceID.high, traceID.low)
        writer.bigEndianBytesField(2, spanID.value)
        if !traceState.isEmpty { writer.stringField(3, traceState) }
        if let parentSpanID { writer.bigEndianBytesField(4, parentSpanID.value) }
        writer.stringField(5, name)
        writer.varintField(6, UInt64(kind.rawValue))
        writer.fixed64Field(7, startNanos)
        writer.fixed64Field(8, endNanos)
        writer.append(attributes.encoded)                                  // 9: attributes
        if let errorMessage {
            writer.messageField(15) { status in                            // Status
                if !errorMessage.isEmpty { status.stringField(2, errorMessage) }
                status.varintField(3, 2)                                   // STATUS_CODE_ERROR
            }
        }
        writer.fixed32Field(16, flags(parentIsRemote: parentIsRemote))
        return writer.bytes
    }

    /// This span's `Span` message.
    package var protobuf: [UInt8] {
        var fields = SpanFields()
        for item in attributes { fields.set(item.name, item.value) }
        return Self.encode(traceID: traceID, spanID: spanID, parentSpanID: parentSpanID, parentIsRemote: parentIsRemote, traceState: traceState,
                           name: name, kind: kind, startNanos: startNanos, endNanos: endNanos, attributes: fields, errorMessage: errorMessage)
    }

    /// W3C trace flags (sampled: every exported span is) and "the parent's remoteness is known",
    /// with "remote" set for a span continuing a client's trace.
    package static func flags(parentIsRemote: Bool) -> UInt32 {
        0x01 | 0x100 | (parentIsRemote ? 0x200 : 0)
    }

    /// Decodes a `Span` message (one `encode` wrote).
    package init(protobuf bytes: [UInt8]) throws(ProtobufReader.Malformed) {
        var traceID: TraceID?, spanID: SpanID?, parent: SpanID?, name: String?, kind: Kind?
        var traceState = "", start: UInt64 = 0, end: UInt64 = 0, flags: UInt32 = 0, errorMessage: String?
        var reader = ProtobufReader(bytes[...])
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .bytes(let id)) where id.count == 16:
                traceID = TraceID(high: Self.bigEndian(id.prefix(8)), low: Self.bigEndian(id.suffix(8)))
            case (2, .bytes(let id)) where id.count == 8: spanID = SpanID(Self.bigEndian(id))
            case (3, .bytes(let text)): traceState = String(decoding: text, as: UTF8.self)
            case (4, .bytes(let id)) where id.count == 8: parent = SpanID(Self.bigEndian(id))
            case (5, .bytes(let text)): name = String(decoding: text, as: UTF8.self)
            case (6, .varint(let number)): kind = Kind(rawValue: Int(truncatingIfNeeded: number))
            case (7, .fixed64(let nanos)): start = nanos
            case (8, .fixed64(let nanos)): end = nanos
            case (15, .bytes(let status)):
                var message = ""
                var fields = ProtobufReader(status)
                while let (number, content) = try fields.next() {
                    if number == 2, case .bytes(let text) = content { message = String(decoding: text, as: UTF8.self) }
                }
                errorMessage = message
            case (16, .fixed32(let bits)): flags = bits
            default: continue
            }
        }
        guard let traceID, let spanID, let name, let kind else { throw ProtobufReader.Malformed() }
        self.init(traceID: traceID, spanID: spanID, parentSpanID: parent, parentIsRemote: flags & 0x200 != 0, traceState: traceState, name: name,
                  kind: kind, startNanos: start, endNanos: end, attributes: try SpanFields.decode(bytes[...]), errorMessage: errorMessage)
    }

    private static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
