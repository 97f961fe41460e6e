/// What a request needs, read once from its body: the inputs of task-aware routing.
public struct RequestFeatures: Sendable, Hashable {
    public var hasImage = false
    public var hasAudio = false
    public var hasVideo = false
    /// Code fences, code-like lines or tool definitions in the prompt.
    public var looksLikeCode = false
    /// Share of CJK characters among the letters of the prompt (0…1).
    public var chineseShare = 0.0
    /// `reasoning_effort`, `thinking: enabled`, `enable_thinking: true` or the
    /// `x-switchyard-hint: reasoning` header.
    public var wantsReasoning = false
    /// A routing hint from the `x-switchyard-hint` header (e.g. `reasoning`, `code`, `cheap`).
    public var hint: String?
    /// About four bytes of text per token, plus a block per image or audio part.
    public var estimatedPromptTokens = 0
    public var maxOutputTokens: Int?

    public init() {}

    /// The capabilities a model needs to serve this request.
    public var requiredCapabilities: Set<Capability> {
        var caps: Set<Capability> = [.text]
        if hasImage { caps.insert(.vision) }
        if hasAudio { caps.insert(.audio) }
        if hasVideo { caps.insert(.video) }
        return caps
    }

    /// Tokens the model must hold: the prompt plus the answer it may write.
    public var estimatedContextTokens: Int {
        let (sum, overflow) = estimatedPromptTokens.addingReportingOverflow(maxOutputTokens ?? 0)
        return overflow ? .max : sum
    }

    public init(request: ChatRequest, hint: String? = nil) {
        self.init()
        let d = request.document
        let root = d.root
        maxOutputTokens = request.maxOutputTokens
        var text = ""
        var textBytes = 0
        var mediaTokens = 0
        if let messages = d.member("messages", of: root) {
            for message in d.elements(of: messages) {
                guard let content = d.member("content", of: message) else { continue }
                if let s = d.string(content) {
                    text += s + "\n"
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
                        if let t = d.member("text", of: part).flatMap(d.string) { text += t + "\n" }
                    }
                }
            }
        }
        textBytes = text.utf8.count
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
        estimatedPromptTokens = (textBytes - cjkBytes) / 4 + cjkBytes / 3 + mediaTokens
    }

    static func hasCodeSignals(_ text: String) -> Bool {
        if text.contains("```") { return true }
        let markers = ["def ", "func ", "function ", "class ", "#include", "import ", "SELECT ", "public static", "=> {", "console.log",
                       "fn main", "package main", "</div>", "#!/"]
        var hits = 0
        for marker in markers where text.contains(marker) { hits += 1 }
        let punctuation = text.contains("(") || text.contains("{") || text.contains(";") || text.contains("=")
        if hits >= 2 && punctuation { return true }
        // Several lines ending in ';' or '{' are code.
        let lines = text.split(separator: "\n")
        let codeLines = lines.filter { $0.hasSuffix(";") || $0.hasSuffix("{") || $0.hasSuffix("}") }.count
        return codeLines >= 3
    }

    static func chineseShare(_ text: String) -> Double {
        var cjk = 0
        var letters = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0xF900...0xFAFF).contains(v) {
                cjk += 1
                letters += 1
            } else if scalar.properties.isAlphabetic {
                letters += 1
            }
        }
        return letters == 0 ? 0 : Double(cjk) / Double(letters)
    }
}
