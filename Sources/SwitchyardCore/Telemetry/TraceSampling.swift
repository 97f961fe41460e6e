extension TraceSettings.Sampler {
    /// Whether a span of trace `traceID` is recorded and exported. `parentSampled` is the
    /// parent's decision when the span has one: a client's `traceparent` flag for a request's
    /// SERVER span, the SERVER span's decision for its CLIENT spans.
    ///
    /// The `parentbased_*` samplers follow the parent and use their root sampler only for a
    /// new trace; the others decide from the trace ID alone, so every span of a trace gets the
    /// same answer. `traceidratio` keeps a trace when the trace ID's low 63 bits, read as a
    /// number, fall below `ratio` × 2⁶³ — the rule other OpenTelemetry SDKs use, so a trace
    /// sampled in a client SDK at the same ratio is sampled here too.
    package func samples(_ traceID: TraceID, parentSampled: Bool?) -> Bool {
        switch self {
        case .alwaysOn: return true
        case .alwaysOff: return false
        case .traceIDRatio(let ratio): return Self.ratioKeeps(traceID, ratio: ratio)
        case .parentBasedAlwaysOn: return parentSampled ?? true
        case .parentBasedAlwaysOff: return parentSampled ?? false
        case .parentBasedTraceIDRatio(let ratio): return parentSampled ?? Self.ratioKeeps(traceID, ratio: ratio)
        }
    }

    static func ratioKeeps(_ traceID: TraceID, ratio: Double) -> Bool {
        guard ratio > 0 else { return false }
        guard ratio < 1 else { return true }
        let bound = UInt64(ratio * 9_223_372_036_854_775_808.0)  // ratio × 2⁶³, below 2⁶³
        return traceID.low >> 1 < bound
    }
}
