/// What the bench tool records of one request, as offsets from the start of the run.
package struct RequestTimeline: Sendable, Hashable {
    package var model: String
    /// Which target (base URL) it went to, for `--compare`.
    package var target: Int = 0
    /// When an open-loop schedule wanted it sent (nil in closed loop).
    package var scheduled: Duration?
    package var sent: Duration
    package var firstByte: Duration?
    /// First chunk with content (not keep-alives, role-only or reasoning-only chunks).
    package var firstContent: Duration?
    /// First chunk with content or reasoning.
    package var firstToken: Duration?
    package var end: Duration
    /// Arrival of every content chunk, for inter-chunk latency.
    package var contentChunks: [Duration] = []
    /// From the server's `usage`.
    package var outputTokens: Int?
    package var promptTokens: Int?
    package var status: Int
    /// Nil for a success.
    package var errorClass: String?

    package init(model: String, target: Int = 0, scheduled: Duration? = nil, sent: Duration, firstByte: Duration? = nil,
                firstContent: Duration? = nil, firstToken: Duration? = nil, end: Duration, contentChunks: [Duration] = [],
                outputTokens: Int? = nil, promptTokens: Int? = nil, status: Int, errorClass: String? = nil) {
        self.model = model
        self.target = target
        self.scheduled = scheduled
        self.sent = sent
        self.firstByte = firstByte
        self.firstContent = firstContent
        self.firstToken = firstToken
        self.end = end
        self.contentChunks = contentChunks
        self.outputTokens = outputTokens
        self.promptTokens = promptTokens
        self.status = status
        self.errorClass = errorClass
    }

    package var succeeded: Bool { errorClass == nil }

    // The formulas (printed by the tool next to the numbers).

    /// TTFT = first content chunk − send.
    package var ttft: Duration? { firstContent.map { $0 - sent } }
    /// TTFT (any token) = first content-or-reasoning chunk − send.
    package var ttftAnyToken: Duration? { firstToken.map { $0 - sent } }
    /// E2E = last byte − send.
    package var e2e: Duration { end - sent }
    /// TPOT = (E2E − TTFT) / (output tokens − 1), only when output tokens > 1 (vLLM's formula).
    package var tpot: Duration? {
        guard let ttft, let out = outputTokens, out > 1 else { return nil }
        return (e2e - ttft) / (out - 1)
    }
    /// Gaps between consecutive content chunks.
    package var interChunkLatencies: [Duration] {
        zip(contentChunks.dropFirst(), contentChunks).map { $0 - $1 }
    }
    /// Output tokens / E2E (seconds).
    package var outputTokensPerSecond: Double? {
        guard let out = outputTokens, e2e > .zero else { return nil }
        return Double(out) / e2e.seconds
    }
    /// How late an open-loop request was sent.
    package var sendLag: Duration? { scheduled.map { sent - $0 } }
}
