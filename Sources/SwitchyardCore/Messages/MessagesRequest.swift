/// An Anthropic Messages API request (`POST /v1/messages`) translated into the chat completion
/// request the gateway's one pipeline runs. Pure: bytes in, bytes out.
///
/// Translation, field by field:
/// - `model`, `max_tokens`, `stream`, `temperature`, `top_p`, `top_k`: the same fields;
///   `stop_sequences` → `stop`; `metadata.user_id` → `user`.
/// - `system` (a string or `text` blocks) → a first `system` message.
/// - user content: `text` → a text part; `image` (`base64` or `url` source) → an `image_url`
///   part (base64 as a `data:` URL); `tool_result` → a `tool` message (before the rest of the
///   turn), its text blocks joined, `is_error: true` prefixed `Error: `.
/// - assistant content: `text` → the message's content; `tool_use` → `tool_calls` (its
///   `input` as the arguments string); `thinking` / `redacted_thinking` blocks of earlier turns
///   are dropped, as the Messages API itself does for turns before the last.
/// - `tools` (`name`, `description`, `input_schema`) → function tools; `tool_choice` `auto` →
///   `auto`, `any` → `required`, `tool` → the named function, `none` → `none`;
///   `disable_parallel_tool_use: true` → `parallel_tool_calls: false`.
/// - `thinking` `enabled` / `disabled` → `reasoning` (the family's own switch is written when
///   the upstream body is built); its `budget_tokens` is accepted and not forwarded.
/// - `cache_control` on any block is accepted and has no effect (no upstream takes it).
///
/// Anything else — an unknown top-level field, a block type, an image inside a tool result,
/// server tools — is refused with a 400 naming the field: never silently dropped.
package struct MessagesRequest: Sendable {
    /// The chat completion request body.
    package let chatBody: [UInt8]
    package let model: String
    package let stream: Bool
    /// `thinking.type`: true for `enabled`, false for `disabled`, nil when absent.
    package let reasoning: Bool?
    package let stopSequences: [String]

    static let topLevelFields: Set<String> = [
        "model", "messages", "max_tokens", "system", "stop_sequences", "stream", "temperature", "top_p", "top_k",
        "tools", "tool_choice", "thinking", "metadata",
    ]

    /// Parses and translates a request body. `counting` (for `count_tokens`) does not require
    /// `max_tokens` and refuses `stream`.
    package init(body: [UInt8], counting: Bool = false) throws(OpenAIError) {
        let d: JSONDocument
        do {
            d = try JSONDocument(bytes: body, strict: true)
        } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)).", as: .invalidJSON)
        }
        let root = d.root
        guard root.kind == .object else { throw .invalidRequest("The request body must be a JSON object.", as: .invalidJSON) }
        for (key, _) in d.members(of: root) where !Self.topLevelFields.contains(key) {
            throw Self.untranslatable(String(key.prefix(64)))
        }
        var out = "{"
        // model
        guard let modelValue = d.member("model", of: root) else {
            throw .invalidRequest("model: Field required.", param: "model", as: .missingRequiredParameter)
        }
        guard let model = d.string(modelValue), !model.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw .invalidRequest("model: must be a non-empty string.", param: "model", as: .invalidType)
        }
        guard model.utf8.count <= 256 else {
            throw .invalidRequest("model: longer than 256 bytes.", param: "model", as: .invalidValue)
        }
        out += "\"model\":" + JSONString.quoted(model)
        // max_tokens
        if let value = d.member("max_tokens", of: root), value.kind != .null {
            guard let n = d.int(value), n >= 1, n <= 100_000_000 else {
                throw .invalidRequest("max_tokens: must be an integer from 1 to 100000000.", param: "max_tokens", as: .invalidValue)
            }
            if !counting { out += ",\"max_tokens\":\(n)" }
        } else if !counting {
            throw .invalidRequest("max_tokens: Field required.", param: "max_tokens", as: .missingRequiredParameter)
        }
        // stream
        var stream = false
        if let value = d.member("stream", of: root), value.kind != .null {
            guard let flag = d.bool(value) else { throw .invalidRequest("stream: must be a boolean.", param: "stream", as: .invalidType) }
            stream = flag
            if counting && flag { throw Self.untranslatable("stream") }
        }
        // The translator reads the usage (and the gateway's cost) from the usage chunk.
        if stream { out += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" }
        // sampling
        for key in ["temperature", "top_p"] {
            guard let value = d.member(key, of: root), value.kind != .null else { continue }
            guard let number = d.double(value), number >= 0, number <= 2 else {
                throw .invalidRequest("\(key): must be a number from 0 to 2.", param: key, as: .invalidValue)
            }
            out += ",\"\(key)\":" + String(decoding: d.raw(value), as: UTF8.self)
        }
        if let value = d.member("top_k", of: root), value.kind != .null {
            guard let n = d.int(value), n >= 0 else { throw .invalidRequest("top_k: must be a non-negative integer.", param: "top_k", as: .invalidValue) }
            out += ",\"top_k\":\(n)"
        }
        // stop_sequences
        var stopSequences: [String] = []
        if let value = d.member("stop_sequences", of: root), value.kind != .null {
            guard value.kind == .array else {
                throw .invalidRequest("stop_sequences: must be an array of strings.", param: "stop_sequences", as: .invalidType)
            }
            for (i, item) in d.elements(of: value).enumerated() {
                guard let s = d.string(item), !s.isEmpty else {
                    throw .invalidRequest("stop_sequences.\(i): must be a non-empty string.", param: "stop_sequences.\(i)", as: .invalidType)
                }
                stopSequences.append(s)
            }
            guard stopSequences.count <= 16 else {
                throw .invalidRequest("stop_sequences: at most 16 sequences.", param: "stop_sequences", as: .invalidValue)
            }
            if !stopSequences.isEmpty { out += ",\"stop\":[" + stopSequences.map(JSONString.quoted).joined(separator: ",") + "]" }
        }
        // metadata
        if let value = d.member("metadata", of: root), value.kind != .null {
            guard value.kind == .object else { throw .invalidRequest("metadata: must be an object.", param: "metadata", as: .invalidType) }
            for (key, item) in d.members(of: value) {
                guard key == "user_id" else { throw Self.untranslatable("metadata." + String(key.prefix(64))) }
                guard item.kind != .null else { continue }
                guard let user = d.string(item), user.utf8.count <= 256 else {
                    throw .invalidRequest("metadata.user_id: must be a string of at most 256 bytes.", param: "metadata.user_id", as: .invalidType)
                }
                out += ",\"user\":" + JSONString.quoted(user)
            }
        }
        // thinking
        var reasoning: Bool?
        if let value = d.member("thinking", of: root), value.kind != .null {
            guard value.kind == .object, let type = d.member("type", of: value).flatMap(d.string) else {
                throw .invalidRequest("thinking.type: Field required.", param: "thinking.type", as: .missingRequiredParameter)
            }
            for (key, _) in d.members(of: value) where key != "type" && key != "budget_tokens" {
                throw Self.untranslatable("thinking." + String(key.prefix(64)))
            }
            let budget = d.member("budget_tokens", of: value).flatMap { $0.kind == .null ? nil : $0 }
            if let budget, (d.int(budget) ?? 0) < 1 {
                throw .invalidRequest("thinking.budget_tokens: must be a positive integer.", param: "thinking.budget_tokens", as: .invalidValue)
            }
            switch type {
            case "enabled":
                guard budget != nil else {
                    throw .invalidRequest("thinking.budget_tokens: a positive integer is required when thinking is enabled.",
                                          param: "thinking.budget_tokens", as: .invalidValue)
                }
                reasoning = true
            case "disabled": reasoning = false
            default:
                throw .invalidRequest("thinking.type: must be 'enabled' or 'disabled'.", param: "thinking.type", as: .invalidValue)
            }
        }
        // tools
        var hasTools = false
        if let value = d.member("tools", of: root), value.kind != .null {
            guard value.kind == .array else { throw .invalidRequest("tools: must be an array.", param: "tools", as: .invalidType) }
            var tools: [String] = []
            for (i, tool) in d.elements(of: value).enumerated() {
                tools.append(try Self.tool(tool, at: "tools.\(i)", in: d))
            }
            guard tools.count <= 512 else { throw .invalidRequest("tools: at most 512 tools.", param: "tools", as: .invalidValue) }
            if !tools.isEmpty {
                hasTools = true
                out += ",\"tools\":[" + tools.joined(separator: ",") + "]"
            }
        }
        if let value = d.member("tool_choice", of: root), value.kind != .null {
            out += try Self.toolChoice(value, in: d, hasTools: hasTools)
        }
        // messages
        var messages: [String] = []
        if let value = d.member("system", of: root), value.kind != .null {
            let text: String
            if let s = d.string(value) {
                text = s
            } else if value.kind == .array {
                text = try Self.joinedText(value, at: "system", in: d)
            } else {
                throw .invalidRequest("system: must be a string or an array of text blocks.", param: "system", as: .invalidType)
            }
            if !text.isEmpty { messages.append("{\"role\":\"system\",\"content\":" + JSONString.quoted(text) + "}") }
        }
        guard let list = d.member("messages", of: root) else {
            throw .invalidRequest("messages: Field required.", param: "messages", as: .missingRequiredParameter)
        }
        guard list.kind == .array else { throw .invalidRequest("messages: must be an array.", param: "messages", as: .invalidType) }
        let elements = d.elements(of: list)
        guard !elements.isEmpty else {
            throw .invalidRequest("messages: at least one message is required.", param: "messages", as: .emptyArray)
        }
        for (i, message) in elements.enumerated() {
            messages.append(contentsOf: try Self.message(message, at: "messages.\(i)", in: d))
        }
        out += ",\"messages\":[" + messages.joined(separator: ",") + "]}"
        self.chatBody = Array(out.utf8)
        self.model = model
        self.stream = stream
        self.reasoning = reasoning
        self.stopSequences = stopSequences
    }

    /// A field (`detail`: its value, when that is what cannot be translated) the chat pipeline
    /// has no equivalent for.
    static func untranslatable(_ field: String, _ detail: String? = nil) -> OpenAIError {
        let what = detail.map { "\(field) \($0)" } ?? field
        return .invalidRequest("\(what): not supported by this gateway's Messages API (it cannot be translated for the upstream model).",
                               param: field, as: .invalidRequest)
    }

    private static func requireObject(_ value: JSONValue, at path: String) throws(OpenAIError) {
        guard value.kind == .object else { throw .invalidRequest("\(path): must be an object.", param: path, as: .invalidType) }
    }

    private static func blockType(_ block: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> String {
        try requireObject(block, at: path)
        guard let type = d.member("type", of: block).flatMap(d.string) else {
            throw .invalidRequest("\(path).type: Field required.", param: "\(path).type", as: .missingRequiredParameter)
        }
        return type
    }

    /// Refuses members of a block other than `allowed` (and `type`, `cache_control`).
    private static func onlyMembers(_ block: JSONValue, _ allowed: Set<String>, at path: String, in d: JSONDocument) throws(OpenAIError) {
        for (key, _) in d.members(of: block) where key != "type" && key != "cache_control" && !allowed.contains(key) {
            throw untranslatable("\(path).\(key.prefix(64))")
        }
    }

    private static func requiredString(_ key: String, of object: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> String {
        guard let value = d.member(key, of: object) else {
            throw .invalidRequest("\(path).\(key): Field required.", param: "\(path).\(key)", as: .missingRequiredParameter)
        }
        guard let s = d.string(value) else {
            throw .invalidRequest("\(path).\(key): must be a string.", param: "\(path).\(key)", as: .invalidType)
        }
        return s
    }

    /// The text of an array of `text` blocks, joined with newlines (`system`, tool results).
    private static func joinedText(_ blocks: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> String {
        var texts: [String] = []
        for (i, block) in d.elements(of: blocks).enumerated() {
            let blockPath = "\(path).\(i)"
            let type = try blockType(block, at: blockPath, in: d)
            guard type == "text" else { throw untranslatable("\(blockPath).type", "'\(type.prefix(64))'") }
            try onlyMembers(block, ["text", "citations"], at: blockPath, in: d)
            texts.append(try requiredString("text", of: block, at: blockPath, in: d))
        }
        return texts.joined(separator: "\n")
    }

    private static func tool(_ tool: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> String {
        try requireObject(tool, at: path)
        if let type = d.member("type", of: tool), type.kind != .null, d.string(type) != "custom" {
            throw untranslatable("\(path).type", "'\(d.string(type)?.prefix(64) ?? "")' (server tools)")
        }
        try onlyMembers(tool, ["name", "description", "input_schema"], at: path, in: d)
        let name = try requiredString("name", of: tool, at: path, in: d)
        guard !name.isEmpty, name.utf8.count <= 128 else {
            throw .invalidRequest("\(path).name: must be 1 to 128 bytes.", param: "\(path).name", as: .invalidValue)
        }
        guard let schema = d.member("input_schema", of: tool) else {
            throw .invalidRequest("\(path).input_schema: Field required.", param: "\(path).input_schema", as: .missingRequiredParameter)
        }
        try requireObject(schema, at: "\(path).input_schema")
        var function = "{\"name\":" + JSONString.quoted(name)
        if let description = d.member("description", of: tool), description.kind != .null {
            guard let text = d.string(description) else {
                throw .invalidRequest("\(path).description: must be a string.", param: "\(path).description", as: .invalidType)
            }
            function += ",\"description\":" + JSONString.quoted(text)
        }
        function += ",\"parameters\":" + String(decoding: d.raw(schema), as: UTF8.self) + "}"
        return "{\"type\":\"function\",\"function\":" + function + "}"
    }

    private static func toolChoice(_ choice: JSONValue, in d: JSONDocument, hasTools: Bool) throws(OpenAIError) -> String {
        let path = "tool_choice"
        let type = try blockType(choice, at: path, in: d)
        try onlyMembers(choice, ["name", "disable_parallel_tool_use"], at: path, in: d)
        if let name = d.member("name", of: choice), name.kind != .null, d.string(name) == nil {
            throw .invalidRequest("tool_choice.name: must be a string.", param: "tool_choice.name", as: .invalidType)
        }
        var out: String
        switch type {
        case "auto": out = ",\"tool_choice\":\"auto\""
        case "any": out = ",\"tool_choice\":\"required\""
        case "none": out = ",\"tool_choice\":\"none\""
        case "tool":
            let name = try requiredString("name", of: choice, at: path, in: d)
            out = ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":" + JSONString.quoted(name) + "}}"
        default:
            throw .invalidRequest("tool_choice.type: must be 'auto', 'any', 'tool' or 'none'.", param: "tool_choice.type", as: .invalidValue)
        }
        guard hasTools || type == "none" || type == "auto" else {
            throw .invalidRequest("tool_choice: '\(type)' needs at least one tool in 'tools'.", param: "tool_choice", as: .invalidValue)
        }
        if type == "none" && !hasTools { out = "" }  // Nothing to choose from: chat upstreams refuse a choice without tools.
        if type == "auto" && !hasTools { out = "" }
        if let flag = d.member("disable_parallel_tool_use", of: choice), flag.kind != .null {
            guard let disable = d.bool(flag) else {
                throw .invalidRequest("tool_choice.disable_parallel_tool_use: must be a boolean.", param: "tool_choice.disable_parallel_tool_use", as: .invalidType)
            }
            if disable && hasTools { out += ",\"parallel_tool_calls\":false" }
        }
        return out
    }

    /// One Messages message as one or more chat messages (tool results become `tool` messages).
    private static func message(_ message: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> [String] {
        try requireObject(message, at: path)
        for (key, _) in d.members(of: message) where key != "role" && key != "content" {
            throw untranslatable("\(path).\(key.prefix(64))")
        }
        let role = try requiredString("role", of: message, at: path, in: d)
        guard role == "user" || role == "assistant" else {
            throw .invalidRequest("\(path).role: must be 'user' or 'assistant'.", param: "\(path).role", as: .invalidValue)
        }
        guard let content = d.member("content", of: message) else {
            throw .invalidRequest("\(path).content: Field required.", param: "\(path).content", as: .missingRequiredParameter)
        }
        if let text = d.string(content) {
            return ["{\"role\":\"\(role)\",\"content\":" + JSONString.quoted(text) + "}"]
        }
        guard content.kind == .array else {
            throw .invalidRequest("\(path).content: must be a string or an array of content blocks.", param: "\(path).content", as: .invalidType)
        }
        return role == "user" ? try userBlocks(content, at: "\(path).content", in: d) : try assistantBlocks(content, at: "\(path).content", in: d)
    }

    private static func userBlocks(_ content: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> [String] {
        var toolMessages: [String] = []
        var parts: [String] = []
        for (i, block) in d.elements(of: content).enumerated() {
            let blockPath = "\(path).\(i)"
            switch try blockType(block, at: blockPath, in: d) {
            case "text":
                try onlyMembers(block, ["text", "citations"], at: blockPath, in: d)
                let text = try requiredString("text", of: block, at: blockPath, in: d)
                parts.append("{\"type\":\"text\",\"text\":" + JSONString.quoted(text) + "}")
            case "image":
                try onlyMembers(block, ["source"], at: blockPath, in: d)
                parts.append(try image(block, at: blockPath, in: d))
            case "tool_result":
                try onlyMembers(block, ["tool_use_id", "content", "is_error"], at: blockPath, in: d)
                let id = try requiredString("tool_use_id", of: block, at: blockPath, in: d)
                var text = ""
                if let value = d.member("content", of: block), value.kind != .null {
                    if let s = d.string(value) {
                        text = s
                    } else if value.kind == .array {
                        text = try joinedText(value, at: "\(blockPath).content", in: d)
                    } else {
                        throw .invalidRequest("\(blockPath).content: must be a string or an array of text blocks.",
                                              param: "\(blockPath).content", as: .invalidType)
                    }
                }
                if let flag = d.member("is_error", of: block), flag.kind != .null {
                    guard let isError = d.bool(flag) else {
                        throw .invalidRequest("\(blockPath).is_error: must be a boolean.", param: "\(blockPath).is_error", as: .invalidType)
                    }
                    if isError { text = "Error: " + text }
                }
                toolMessages.append("{\"role\":\"tool\",\"tool_call_id\":" + JSONString.quoted(id) + ",\"content\":" + JSONString.quoted(text) + "}")
            case let other:
                throw untranslatable("\(blockPath).type", "'\(other.prefix(64))'")
            }
        }
        if parts.isEmpty && toolMessages.isEmpty {
            throw .invalidRequest("\(path): at least one content block is required.", param: path, as: .emptyArray)
        }
        if !parts.isEmpty { toolMessages.append("{\"role\":\"user\",\"content\":[" + parts.joined(separator: ",") + "]}") }
        return toolMessages
    }

    private static let imageTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp"]

    private static func image(_ block: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> String {
        guard let source = d.member("source", of: block) else {
            throw .invalidRequest("\(path).source: Field required.", param: "\(path).source", as: .missingRequiredParameter)
        }
        let sourcePath = "\(path).source"
        let url: String
        switch try blockType(source, at: sourcePath, in: d) {
        case "base64":
            try onlyMembers(source, ["media_type", "data"], at: sourcePath, in: d)
            let mediaType = try requiredString("media_type", of: source, at: sourcePath, in: d)
            guard imageTypes.contains(mediaType) else {
                throw .invalidRequest("\(sourcePath).media_type: must be one of image/jpeg, image/png, image/gif, image/webp.",
                                      param: "\(sourcePath).media_type", as: .invalidValue)
            }
            let data = try requiredString("data", of: source, at: sourcePath, in: d)
            guard data.utf8.allSatisfy(isBase64) else {
                throw .invalidRequest("\(sourcePath).data: must be base64.", param: "\(sourcePath).data", as: .invalidValue)
            }
            url = "data:\(mediaType);base64,\(data)"
        case "url":
            try onlyMembers(source, ["url"], at: sourcePath, in: d)
            url = try requiredString("url", of: source, at: sourcePath, in: d)
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw .invalidRequest("\(sourcePath).url: must be an http(s) URL.", param: "\(sourcePath).url", as: .invalidValue)
            }
        case let other:
            throw untranslatable("\(sourcePath).type", "'\(other.prefix(64))'")
        }
        return "{\"type\":\"image_url\",\"image_url\":{\"url\":" + JSONString.quoted(url) + "}}"
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
    }

    private static func assistantBlocks(_ content: JSONValue, at path: String, in d: JSONDocument) throws(OpenAIError) -> [String] {
        var text = ""
        var calls: [String] = []
        for (i, block) in d.elements(of: content).enumerated() {
            let blockPath = "\(path).\(i)"
            switch try blockType(block, at: blockPath, in: d) {
            case "text":
                try onlyMembers(block, ["text", "citations"], at: blockPath, in: d)
                text += try requiredString("text", of: block, at: blockPath, in: d)
            case "tool_use":
                try onlyMembers(block, ["id", "name", "input", "caller", "toolset_name"], at: blockPath, in: d)
                // What the SDKs echo back from an answer: a direct call, no toolset.
                if let caller = d.member("caller", of: block), caller.kind != .null,
                   d.member("type", of: caller).flatMap(d.string) != "direct" {
                    throw untranslatable("\(blockPath).caller")
                }
                if let toolset = d.member("toolset_name", of: block), toolset.kind != .null {
                    throw untranslatable("\(blockPath).toolset_name")
                }
                let id = try requiredString("id", of: block, at: blockPath, in: d)
                let name = try requiredString("name", of: block, at: blockPath, in: d)
                guard let input = d.member("input", of: block) else {
                    throw .invalidRequest("\(blockPath).input: Field required.", param: "\(blockPath).input", as: .missingRequiredParameter)
                }
                try requireObject(input, at: "\(blockPath).input")
                let arguments = String(decoding: d.raw(input), as: UTF8.self)
                calls.append("{\"id\":" + JSONString.quoted(id) + ",\"type\":\"function\",\"function\":{\"name\":" + JSONString.quoted(name)
                             + ",\"arguments\":" + JSONString.quoted(arguments) + "}}")
            case "thinking", "redacted_thinking":
                continue  // Earlier turns' reasoning is not sent back (the Messages API drops it too).
            case let other:
                throw untranslatable("\(blockPath).type", "'\(other.prefix(64))'")
            }
        }
        guard d.firstElement(of: content) != nil else {
            throw .invalidRequest("\(path): at least one content block is required.", param: path, as: .emptyArray)
        }
        var message = "{\"role\":\"assistant\",\"content\":" + (text.isEmpty && !calls.isEmpty ? "null" : JSONString.quoted(text))
        if !calls.isEmpty { message += ",\"tool_calls\":[" + calls.joined(separator: ",") + "]" }
        return [message + "}"]
    }
}
