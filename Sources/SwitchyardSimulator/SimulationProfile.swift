import SwitchyardCore

/// How one simulated model behaves: latency, speed, answer length and injected faults.
package struct SimulationProfile: Sendable, Hashable {
    /// Median time to first token, milliseconds.
    package var ttftMs: Double
    /// Spread of the time to first token (sigma of a log-normal; 0 = always the median).
    package var ttftJitter: Double
    package var tokensPerSecond: Double
    /// Output length in tokens, drawn uniformly from this range (unless `max_tokens` is lower).
    package var outputTokens: ClosedRange<Int>
    /// Probability of each fault per request.
    package var faultRates: [SimulatedFault: Double]
    /// Concurrent requests the model serves before it slows down; nil = unlimited.
    package var concurrencyKnee: Int?
    /// Extra time to first token per request in flight beyond the knee, milliseconds.
    package var overloadMsPerRequest: Double
    /// Interval of `: keep-alive` comments while a DeepSeek stream is queued, milliseconds.
    package var keepAliveMs: Double

    package init(ttftMs: Double = 300, ttftJitter: Double = 0.25, tokensPerSecond: Double = 50, outputTokens: ClosedRange<Int> = 20...80,
                faultRates: [SimulatedFault: Double] = [:], concurrencyKnee: Int? = nil, overloadMsPerRequest: Double = 0, keepAliveMs: Double = 100) {
        self.ttftMs = ttftMs
        self.ttftJitter = ttftJitter
        self.tokensPerSecond = tokensPerSecond
        self.outputTokens = outputTokens
        self.faultRates = faultRates
        self.concurrencyKnee = concurrencyKnee
        self.overloadMsPerRequest = overloadMsPerRequest
        self.keepAliveMs = keepAliveMs
    }

    /// The simulator's defaults for a catalog model: the seed's tokens per second where it gives
    /// one (60 for DeepSeek V4 Flash), otherwise a per-family figure that is a simulator
    /// setting, not a claim about the real service.
    package static func defaults(for model: CatalogModel) -> SimulationProfile {
        var profile = SimulationProfile()
        switch model.family {
        case .deepseek: profile.ttftMs = 250; profile.tokensPerSecond = 60
        case .qwen: profile.ttftMs = 300; profile.tokensPerSecond = 50
        case .kimi: profile.ttftMs = 450; profile.tokensPerSecond = 40
        case .glm: profile.ttftMs = 300; profile.tokensPerSecond = 50
        case .openai: profile.ttftMs = 300; profile.tokensPerSecond = 50
        }
        if let tps = model.tokensPerSecond { profile.tokensPerSecond = Double(tps) }
        return profile
    }
}

/// A failure the simulator can inject, by profile rate or by a `[sim fail=…]` directive.
package enum SimulatedFault: String, Sendable, Hashable, CaseIterable {
    case rateLimit = "rate_limit"
    case server
    case overloaded
    case balance
    case contentFilter = "content_filter"
    case auth
    /// The prompt is longer than the model's context window (also answered, without a
    /// directive, to prompts that really are too long).
    case contextLength = "context_length"
    /// An error event in the middle of a stream (`after=N` content chunks).
    case midStream = "mid_stream"
    /// The connection closes without a word (`after=N` content chunks).
    case drop
    /// The upstream never answers (until the client gives up).
    case timeout
}
