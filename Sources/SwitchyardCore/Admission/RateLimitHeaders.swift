/// OpenAI's rate-limit headers: `x-ratelimit-limit-requests`, `…-remaining-requests`,
/// `…-reset-requests` (a duration such as `17s` or `1m0s`), and the same for tokens.
package struct RateLimitStatus: Sendable, Hashable {
    package var limitRequests: Int?
    package var remainingRequests: Int = 0
    package var limitTokens: Int?
    package var remainingTokens: Int = 0
    /// Milliseconds until the window resets.
    package var resetMilliseconds: Int

    package init(limitRequests: Int?, remainingRequests: Int, limitTokens: Int?, remainingTokens: Int, resetMilliseconds: Int) {
        self.limitRequests = limitRequests
        self.remainingRequests = remainingRequests
        self.limitTokens = limitTokens
        self.remainingTokens = remainingTokens
        self.resetMilliseconds = resetMilliseconds
    }

    package var headers: [(String, String)] {
        var out: [(String, String)] = []
        let reset = Self.duration(milliseconds: resetMilliseconds)
        if let limitRequests {
            out.append(("x-ratelimit-limit-requests", String(limitRequests)))
            out.append(("x-ratelimit-remaining-requests", String(max(0, remainingRequests))))
            out.append(("x-ratelimit-reset-requests", reset))
        }
        if let limitTokens {
            out.append(("x-ratelimit-limit-tokens", String(limitTokens)))
            out.append(("x-ratelimit-remaining-tokens", String(max(0, remainingTokens))))
            out.append(("x-ratelimit-reset-tokens", reset))
        }
        return out
    }

    /// Whole seconds for `Retry-After`, at least 1.
    package var retryAfterSeconds: Int { max(1, (resetMilliseconds + 999) / 1000) }

    /// OpenAI's duration style: `250ms`, `17s`, `1m0s`.
    package static func duration(milliseconds: Int) -> String {
        let ms = max(0, milliseconds)
        if ms < 1000 { return "\(ms)ms" }
        let seconds = (ms + 999) / 1000
        if seconds < 60 { return "\(seconds)s" }
        return "\(seconds / 60)m\(seconds % 60)s"
    }
}
