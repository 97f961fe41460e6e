import Foundation
import Synchronization

/// Removes the configured secrets — deployment API keys, the admin key, tokens — by exact
/// value from text that leaves the gateway: error messages and codes passed on from an
/// upstream, log lines. Each secret is matched as written, percent-encoded (as in a URL) and
/// base64-encoded (as in a Basic header or a token echo), because an upstream that echoes a
/// key rarely echoes it verbatim. Pattern-based masking (`Redactor`) still runs after this for
/// credentials the gateway does not know.
package final class SecretScrubber: Sendable {
    /// The process's scrubber: secrets are registered once, as the config is loaded.
    package static let shared = SecretScrubber()

    /// Shorter values are not scrubbed (they would mangle ordinary words).
    package static let minimumLength = 8
    package static let mask = "[redacted]"

    private let forms = Mutex<[String]>([])

    package init() {}

    package func register(_ secret: String) {
        let value = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard value.utf8.count >= Self.minimumLength else { return }
        let new = Self.forms(of: value)
        forms.withLock { forms in
            for form in new where !forms.contains(form) { forms.append(form) }
            // Longest first, so that an encoded form is not half-replaced by a shorter one.
            forms.sort { $0.utf8.count > $1.utf8.count }
        }
    }

    /// `text` with every registered secret (in every form) replaced by `[redacted]`.
    package func scrub(_ text: String) -> String {
        let forms = self.forms.withLock { $0 }
        guard !forms.isEmpty else { return text }
        var out = text
        for form in forms where out.contains(form) {
            out = out.replacingOccurrences(of: form, with: Self.mask)
        }
        return out
    }

    /// The forms a secret may take in an echo.
    static func forms(of value: String) -> [String] {
        var forms: Set<String> = [value]
        let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~")).intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        if let encoded = value.addingPercentEncoding(withAllowedCharacters: unreserved) {
            forms.insert(encoded)
            forms.insert(Self.lowercasingPercentEscapes(encoded))
            forms.insert(encoded.replacingOccurrences(of: "%20", with: "+"))  // form encoding
        }
        if let query = value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) { forms.insert(query) }
        // A JSON string escapes '/' as '\/' at will.
        forms.insert(value.replacingOccurrences(of: "/", with: "\\/"))
        let base64 = Data(value.utf8).base64EncodedString()
        forms.insert(base64)
        let unpadded = base64.replacingOccurrences(of: "=", with: "")
        forms.insert(unpadded)
        forms.insert(unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        return forms.filter { $0.utf8.count >= minimumLength }.sorted()
    }

    private static func lowercasingPercentEscapes(_ text: String) -> String {
        var out = ""
        var escape = 0
        for ch in text {
            if ch == "%" { escape = 2; out.append(ch); continue }
            if escape > 0 { out += ch.lowercased(); escape -= 1 } else { out.append(ch) }
        }
        return out
    }
}

/// URLs as they may be shown in errors and logs: no user name, password or query string.
package enum URLRedaction {
    package static func safe(_ url: String) -> String {
        var text = url
        if let query = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = String(text[..<query]) + "?[redacted]" }
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                text = String(text[..<scheme.upperBound]) + "[redacted]@" + String(rest[rest.index(after: at)...])
            }
        } else if let at = text.firstIndex(of: "@") {
            text = "[redacted]@" + String(text[text.index(after: at)...])
        }
        return text
    }
}
