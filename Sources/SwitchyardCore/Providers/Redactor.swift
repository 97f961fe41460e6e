/// Masks anything in a text that looks like a credential before it is logged or returned.
package enum Redactor {
    /// Replaces bearer tokens and key-like words (`sk-…`, `sy-…`, `ga_…`, long random strings)
    /// with a short mask that keeps the first four characters.
    package static func scrub(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        var word = ""
        func flush() {
            if looksLikeSecret(word) { out += word.prefix(4) + "***" } else { out += word }
            word = ""
        }
        for ch in text {
            if ch.isLetter || ch.isNumber || ch == "-" || ch == "_" || ch == "." {
                word.append(ch)
            } else {
                flush()
                out.append(ch)
            }
        }
        flush()
        return out
    }

    static func looksLikeSecret(_ word: String) -> Bool {
        guard word.count >= 12 else { return false }
        let lower = word.lowercased()
        for prefix in ["sk-", "sy-", "ga_", "key-", "sess-"] where lower.hasPrefix(prefix) { return true }
        // Long tokens mixing letters and digits (API keys, JWT parts).
        guard word.count >= 24 else { return false }
        let digits = word.filter(\.isNumber).count
        let letters = word.filter(\.isLetter).count
        return digits >= 4 && letters >= 4 && !word.contains(" ")
    }
}
