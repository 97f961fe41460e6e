import SwitchyardCore

/// The parts of an incoming chat request the simulator looks at.
struct SimulatedRequest {
    var document: JSONDocument
    var model: String
    var stream: Bool
    var includeUsage: Bool
    var maxTokens: Int?
    var directives: SimDirectives
    var promptTokens: Int
    var thinking: Bool?
    var firstToolName: String?
    var toolChoiceRequired: Bool

    /// Nil when the body is not a chat request (the caller answers 400).
    init?(body: [UInt8]) {
        guard let document = try? JSONDocument(bytes: body), document.root.kind == .object,
              let modelValue = document.member("model", of: document.root), let model = document.string(modelValue),
              let messages = document.member("messages", of: document.root), messages.kind == .array else { return nil }
        self.document = document
        self.model = model
        let root = document.root
        stream = document.member("stream", of: root).flatMap(document.bool) ?? false
        includeUsage = document.value(at: "stream_options", "include_usage").flatMap(document.bool) ?? false
        maxTokens = (document.member("max_completion_tokens", of: root) ?? document.member("max_tokens", of: root)).flatMap(document.int)

        var textBytes = 0
        var lastUserText = ""
        let list = document.elements(of: messages)
        for message in list {
            let role = document.member("role", of: message).flatMap(document.string)
            var text = ""
            if let content = document.member("content", of: message) {
                if let s = document.string(content) {
                    text = s
                } else {
                    for part in document.elements(of: content) {
                        if let t = document.member("text", of: part).flatMap(document.string) { text += t }
                        else { textBytes += 1024 }  // an image or audio part: count it as a block of tokens
                    }
                }
            }
            textBytes += text.utf8.count
            if role == "user" { lastUserText = text }
        }
        directives = SimDirectives(text: lastUserText)
        promptTokens = TextGenerator.estimatePromptTokens(textBytes: textBytes, messages: list.count)

        if let thinking = document.value(at: "thinking", "type").flatMap(document.string) {
            self.thinking = thinking == "enabled"
        } else if let enable = document.member("enable_thinking", of: root).flatMap(document.bool) {
            self.thinking = enable
        } else if document.member("reasoning_effort", of: root) != nil {
            self.thinking = true
        }
        if let tools = document.member("tools", of: root), let first = document.firstElement(of: tools) {
            firstToolName = document.value(at: "function", "name", from: first).flatMap(document.string)
        }
        if let choice = document.member("tool_choice", of: root) {
            toolChoiceRequired = document.string(choice) == "required" || choice.kind == .object
        } else {
            toolChoiceRequired = false
        }
    }
}
