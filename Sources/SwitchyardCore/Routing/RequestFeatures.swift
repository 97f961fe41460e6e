/// What a request needs, read once from its body: the inputs of task-aware routing.
package struct RequestFeatures: Sendable, Hashable {
    package var hasImage = false
    package var hasAudio = false
    package var hasVideo = false
    /// Code fences, code-like lines or tool definitions in the prompt.
    package var looksLikeCode = false
    /// Share of CJK characters among the letters of the prompt (0…1).
    package var chineseShare = 0.0
    /// `reasoning_effort`, `thinking: enabled`, `enable_thinking: true` or the
    /// `x-switchyard-hint: reasoning` header.
    package var wantsReasoning = false
    /// A routing hint from the `x-switchyard-hint` header (e.g. `reasoning`, `code`, `cheap`).
    package var hint: String?
    /// Everything that becomes prompt tokens: about four bytes per token of every message's
    /// text (any role: system, user, assistant, tool results), of the assistant's tool calls,
    /// of the tool definitions and of a response schema (their JSON as sent), plus four per
    /// message, and a fixed count per media part: 765 per image, 500 per audio part, 2,000 per
    /// video part. CJK text counts about one token per character.
    package var estimatedPromptTokens = 0
    package var maxOutputTokens: Int?

    package init() {}

    /// The capabilities a model needs to serve this request.
    package var requiredCapabilities: Set<Capability> {
        var caps: Set<Capability> = [.text]
        if hasImage { caps.insert(.vision) }
        if hasAudio { caps.insert(.audio) }
        if hasVideo { caps.insert(.video) }
        return caps
    }

    /// Tokens the model must hold: the prompt plus the answer it may write.
    package var estimatedContextTokens: Int {
        let (sum, overflow) = estimatedPromptTokens.addingReportingOverflow(maxOutputTokens ?? 0)
        return overflow ? .max : sum
    }

    package init(request: ChatRequest, hint: String? = nil) {
        self.init()
        let d = request.document
        let root = d.root
        maxOutputTokens = request.maxOutputTokens
        // The prompt's text as UTF-8 bytes: the analysis below works on bytes, not Characters,
        // because it runs on every request.
        var text: [UInt8] = []
        var mediaTokens = 0
        /// Structured prompt material counted by its JSON size: tool calls, tools, schemas.
        var structuredBytes = 0
        var messageCount = 0
        func appendText(_ value: JSONValue) {
            guard let s = d.string(value) else { return }
            text.append(contentsOf: s.utf8)
            text.append(0x0A)
        }
        if let messages = d.member("messages", of: root) {
            for message in d.elements(of: messages) {
                messageCount += 1
                for key in ["tool_calls", "function_call", "name", "tool_call_id"] {
                    if let value = d.member(key, of: message), value.kind != .null { structuredBytes += value.range.count }
                }
                guard let content = d.member("content", of: message) else { continue }
                if content.kind == .string {
                    appendText(content)
                    continue
                }
                for part in d.elements(of: content) {
                    let type = d.member("type", of: part).flatMap(d.string) ?? ""
                    switch type {
                    case "image_url", "image", "input_image":
                        hasImage = true
                        mediaTokens += 765
                    case "input_audio", "audio", "audio_url":
                        hasAudio = true
                        mediaTokens += 500
                    case "video", "video_url", "input_video":
                        hasVideo = true
                        mediaTokens += 2000
                    default:
                        if let t = d.member("text", of: part) { appendText(t) }
                    }
                }
            }
        }
        let textBytes = text.count
        for key in ["tools", "functions", "response_format"] {
            if let value = d.member(key, of: root), value.kind != .null { structuredBytes += value.range.count }
        }
        if d.member("tools", of: root).map({ d.firstElement(of: $0) != nil }) == true { looksLikeCode = true }
        if Self.hasCodeSignals(text) { looksLikeCode = true }
        chineseShare = Self.chineseShare(text)
        if d.member("reasoning_effort", of: root).map({ $0.kind != .null }) == true { wantsReasoning = true }
        if d.value(at: "thinking", "type").flatMap(d.string) == "enabled" { wantsReasoning = true }
        if d.member("enable_thinking", of: root).flatMap(d.bool) == true { wantsReasoning = true }
        if let hint = hint?.lowercased(), !hint.isEmpty {
            self.hint = String(hint.prefix(64))
            if hint == "reasoning" { wantsReasoning = true }
            if hint == "code" { looksLikeCode = true }
        }
        // CJK text runs at about one token per character (three UTF-8 bytes), the rest at ~4 bytes.
        let cjkBytes = Int(Double(textBytes) * chineseShare)
        estimatedPromptTokens = (textBytes - cjkBytes) / 4 + cjkBytes / 3 + structuredBytes / 4 + 4 * messageCount + mediaTokens
    }

    private static let codeMarkers: [[UInt8]] = {
        let markers = ["def ", "func ", "function ", "class ", "#include", "import ", "SELECT ", "public static",
                       "=> {", "console.log", "fn main", "package main", "</div>", "#!/"].map { Array($0.utf8) }
        // The tables below keep one bit per marker (16) and check a marker's second byte first.
        precondition(markers.count <= 16 && markers.allSatisfy { $0.count >= 2 }, "code markers: at most 16, each of 2 bytes or more")
        return markers
    }()
    private static let fence = Array("```".utf8)
    /// For each byte, the markers that start with it (bit `i` for `codeMarkers[i]`).
    private static let markersByFirstByte: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 256)
        for (index, marker) in codeMarkers.enumerated() { table[Int(marker[0])] |= 1 << index }
        return table
    }()
    /// Each marker's second byte: a candidate is dropped on it before the rest is compared.
    private static let markerSecondBytes: [UInt8] = codeMarkers.map { $0[1] }

    /// What a byte can mean to `hasCodeSignals`; most bytes mean nothing and cost one lookup.
    private enum ByteRole {
        static let newline: UInt8 = 1, blank: UInt8 = 2, punctuation: UInt8 = 4, backtick: UInt8 = 8, markerStart: UInt8 = 16
        static let table: [UInt8] = {
            var table = [UInt8](repeating: 0, count: 256)
            table[0x0A] = newline
            for byte in [0x0D, 0x20, 0x09] { table[byte] = blank }
            for byte in "({;=".utf8 { table[Int(byte)] |= punctuation }
            table[Int(UInt8(ascii: "`"))] = backtick
            for marker in codeMarkers { table[Int(marker[0])] |= markerStart }
            return table
        }()
    }

    static func hasCodeSignals(_ text: some StringProtocol) -> Bool { hasCodeSignals(Array(text.utf8)) }

    /// A code fence; or two different markers and some code punctuation; or three lines ending
    /// in `;`, `{` or `}`. One pass over the text, one table lookup for most bytes.
    static func hasCodeSignals(_ text: [UInt8]) -> Bool {
        let markers = codeMarkers
        let fence = fence
        return ByteRole.table.withUnsafeBufferPointer { roles in
            markersByFirstByte.withUnsafeBufferPointer { firstBytes in
                markerSecondBytes.withUnsafeBufferPointer { secondBytes in
                    text.withUnsafeBufferPointer { text in
                        var markersSeen: UInt16 = 0
                        var punctuation = false
                        var codeLines = 0
                        var last: UInt8 = 0
                        for i in 0..<text.count {
                            let byte = text[i]
                            let role = roles[Int(byte)]
                            if role == 0 { last = byte; continue }
                            if role & ByteRole.newline != 0 {
                                if endsCodeLine(last) { codeLines += 1 }
                                last = 0
                                continue
                            }
                            if role & ByteRole.blank != 0 { continue }
                            last = byte
                            if role & ByteRole.punctuation != 0 { punctuation = true }
                            if role & ByteRole.backtick != 0, starts(text, at: i, with: fence) { return true }
                            guard role & ByteRole.markerStart != 0, i + 1 < text.count else { continue }
                            var candidates = firstBytes[Int(byte)] & ~markersSeen
                            while candidates != 0 {
                                let marker = candidates.trailingZeroBitCount
                                candidates &= candidates - 1
                                if text[i + 1] == secondBytes[marker], starts(text, at: i, with: markers[marker]) { markersSeen |= 1 << marker }
                            }
                        }
                        if endsCodeLine(last) { codeLines += 1 }
                        return (markersSeen.nonzeroBitCount >= 2 && punctuation) || codeLines >= 3
                    }
                }
            }
        }
    }

    /// A line whose last visible byte is `;`, `{` or `}` looks like code.
    private static func endsCodeLine(_ last: UInt8) -> Bool {
        last == UInt8(ascii: ";") || last == UInt8(ascii: "{") || last == UInt8(ascii: "}")
    }

    private static func starts(_ text: UnsafeBufferPointer<UInt8>, at index: Int, with needle: [UInt8]) -> Bool {
        guard text.count - index >= needle.count else { return false }
        for j in 1..<needle.count where text[index + j] != needle[j] { return false }
        return true
    }

    static func chineseShare(_ text: some StringProtocol) -> Double { chineseShare(Array(text.utf8)) }

    /// CJK ideographs among letters, read straight from UTF-8: ASCII letters count as letters,
    /// every other non-ASCII scalar too (close enough for routing), CJK ideographs as both.
    static func chineseShare(_ text: [UInt8]) -> Double {
        text.withUnsafeBufferPointer { text in
            var cjk = 0
            var letters = 0
            var i = 0
            while i < text.count {
                let b = text[i]
                if b < 0x80 {
                    // ASCII letters: upper and lower case fold onto one range.
                    if (b | 0x20) &- 0x61 < 26 { letters += 1 }
                    i += 1
                    continue
                }
                var scalar: UInt32 = 0
                var length = 1
                if b & 0xE0 == 0xC0, i + 1 < text.count {
                    scalar = UInt32(b & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F); length = 2
                } else if b & 0xF0 == 0xE0, i + 2 < text.count {
                    scalar = UInt32(b & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F); length = 3
                } else if b & 0xF8 == 0xF0, i + 3 < text.count {
                    length = 4
                }
                if (0x4E00...0x9FFF).contains(scalar) || (0x3400...0x4DBF).contains(scalar) || (0xF900...0xFAFF).contains(scalar) {
                    cjk += 1
                    letters += 1
                } else if scalar >= 0xC0 && !(0x2000...0x206F).contains(scalar) && !(0x3000...0x303F).contains(scalar) && !(0xFF00...0xFF0F).contains(scalar) {
                    letters += 1
                }
                i += length
            }
            return letters == 0 ? 0 : Double(cjk) / Double(letters)
        }
    }
}
