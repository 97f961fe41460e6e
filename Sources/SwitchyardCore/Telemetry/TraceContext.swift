/// A W3C trace ID: 16 bytes, never all zero.
package struct TraceID: Sendable, Hashable {
    package var high: UInt64
    package var low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    package var isValid: Bool { high != 0 || low != 0 }

    /// A random, valid ID.
    package static func random(using generator: inout some RandomNumberGenerator) -> TraceID {
        var id = TraceID(high: generator.next(), low: generator.next())
        if !id.isValid { id.low = 1 }
        return id
    }

    /// The 16 bytes, most significant first (the order of the header and of OTLP).
    package var bytes: [UInt8] { TraceContext.bigEndian(high) + TraceContext.bigEndian(low) }

    /// 32 lowercase hex digits.
    package var hex: String { Hex.lowercase(words: [high, low]) }
}

/// A W3C span ID: 8 bytes, never all zero.
package struct SpanID: Sendable, Hashable {
    package var value: UInt64

    package init(_ value: UInt64) {
        self.value = value
    }

    package var isValid: Bool { value != 0 }

    /// A random, valid ID.
    package static func random(using generator: inout some RandomNumberGenerator) -> SpanID {
        let value: UInt64 = generator.next()
        return SpanID(value == 0 ? 1 : value)
    }

    package var bytes: [UInt8] { TraceContext.bigEndian(value) }

    /// 16 lowercase hex digits.
    package var hex: String { Hex.lowercase(words: [value]) }
}

/// Where a span sits in its trace, as W3C Trace Context carries it between processes: the
/// trace, the span, whether the trace is sampled, and the vendors' `tracestate`.
package struct TraceContext: Sendable, Hashable {
    package var traceID: TraceID
    package var spanID: SpanID
    package var sampled: Bool
    /// The `tracestate` header as received, passed on unchanged ("" when none).
    package var traceState: String

    package init(traceID: TraceID, spanID: SpanID, sampled: Bool, traceState: String = "") {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
        self.traceState = traceState
    }

    /// The `traceparent` header for this context (version 00).
    package var traceparent: String {
        // Written in place: one per upstream attempt.
        String(unsafeUninitializedCapacity: 55) { buffer in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "0")
            buffer[2] = UInt8(ascii: "-")
            Hex.write(traceID.high, into: buffer, at: 3)
            Hex.write(traceID.low, into: buffer, at: 19)
            buffer[35] = UInt8(ascii: "-")
            Hex.write(spanID.value, into: buffer, at: 36)
            buffer[52] = UInt8(ascii: "-")
            buffer[53] = UInt8(ascii: "0")
            buffer[54] = sampled ? UInt8(ascii: "1") : UInt8(ascii: "0")
            return 55
        }
    }

    /// The context a client's `traceparent` and `tracestate` headers describe, or nil when
    /// `traceparent` is absent or malformed (a new trace starts then, as the specification
    /// says; the malformed header is not an error for the request).
    ///
    /// Version 00 must be exactly `00-<32 hex>-<16 hex>-<2 hex>`; a later version may add
    /// fields after a `-`; version `ff`, upper-case hex and all-zero IDs are invalid.
    package static func parse(traceparent: String?, tracestate: String?) -> TraceContext? {
        guard let traceparent else { return nil }
        let text = Array(traceparent.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed())
        guard text.count >= 55, text[2] == 0x2D, text[35] == 0x2D, text[52] == 0x2D,
              let version = Hex.word(text[0..<2]), version != 0xFF,
              let traceHigh = Hex.word(text[3..<19]), let traceLow = Hex.word(text[19..<35]),
              let span = Hex.word(text[36..<52]), let flags = Hex.word(text[53..<55]) else { return nil }
        if version == 0 {
            guard text.count == 55 else { return nil }
        } else if text.count > 55 {
            guard text[55] == 0x2D else { return nil }
        }
        let context = TraceContext(traceID: TraceID(high: traceHigh, low: traceLow), spanID: SpanID(span), sampled: flags & 1 == 1,
                                   traceState: validTraceState(tracestate) ?? "")
        guard context.traceID.isValid, context.spanID.isValid else { return nil }
        return context
    }

    /// `tracestate` if it can be passed on as it is: at most 512 characters of printable ASCII
    /// (the specification's limit; anything else is dropped rather than forwarded upstream).
    static func validTraceState(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.utf8.drop { $0 == 0x20 || $0 == 0x09 }
        guard !trimmed.isEmpty, trimmed.count <= 512, trimmed.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        return String(decoding: trimmed, as: UTF8.self)
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
}
