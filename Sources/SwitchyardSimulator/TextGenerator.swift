import SwitchyardCore

/// Deterministic filler text: one word per token, so that usage always agrees with the text.
enum TextGenerator {
    private static let words = [
        "the", "gateway", "routes", "each", "request", "to", "a", "model", "that", "fits", "its", "task",
        "latency", "stays", "low", "while", "costs", "are", "billed", "exactly", "per", "token", "and",
        "failover", "keeps", "answers", "flowing", "when", "one", "provider", "slows", "down", "streams",
        "arrive", "chunk", "by", "for", "every", "call", "usage", "is", "recorded", "in", "ledger",
    ]

    static func tokens(count: Int, rng: inout SeededRandom) -> [String] {
        (0..<count).map { i in
            let word = words[Int(rng.next() % UInt64(words.count))]
            return i == 0 ? word.prefix(1).uppercased() + word.dropFirst() : " " + word
        }
    }

    /// Rough prompt size: about four bytes per token plus a few tokens per message, as
    /// tokenizers of these families roughly do for English text.
    static func estimatePromptTokens(textBytes: Int, messages: Int) -> Int {
        max(1, (textBytes + 3) / 4 + 4 * messages)
    }
}
