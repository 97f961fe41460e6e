import Foundation
import SwitchyardCore

/// The parts of an incoming chat request the simulator honours. Fields of the wrong type are
/// not ignored: the first one found is kept in `problem` and answered with a 400.
struct SimulatedRequest {
    enum ToolChoice: Equatable {
        case auto, none, required
        case named(String)
    }

    enum ResponseFormat: Equatable {
        case text, jsonObject
        /// `json_schema.schema` (nil: any object).
        case jsonSchema(JSONValue?)
    }

    struct Tool {
        var name: String
        var parameters: JSONValue?
    }

    var document: JSONDocument
    var model: String
    var stream: Bool
    var includeUsage: Bool
    var maxTokens: Int?
    var directives: SimDirectives
    var promptTokens: Int
    /// What the request says about thinking; nil leaves it to the model (`Thinking`).
    var thinking: Bool?
    var tools: [Tool] = []
    var toolChoice: ToolChoice = .auto
    var toolChoiceGiven = false
    var parallelToolCalls: Bool?
    /// GLM's `tool_stream: true`: stream tool calls in fragments.
    var toolStream = false
    var responseFormat: ResponseFormat = .text
    var n = 1
    var stop: [String] = []
    var logprobs = false
    var topLogprobs: Int?
    /// The raw `seed` text, when given: same seed and same request, same answer.
    var seed: String?
    var lastRole: String?
    var lastUserText = ""
    /// The last message when it is a tool result: its text and the name of the tool that ran.
    var toolResult: (name: String, text: String)?
    /// Some message mentions "json" (Qwen's condition for `json_object`).
    var mentionsJSON = false
    var hasToolTurnWithoutReasoning = false
    var problem: RequestProblem?

    /// The raw `messages` text (seed material for a request with a `seed`).
    var messagesText: String {
        document.member("messages", of: document.root).map { String(decoding: document.raw($0), as: UTF8.self) } ?? ""
    }

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
        directives = SimDirectives()
        promptTokens = 1
        readMessages(messages)
        thinking = ThinkingSwitch.requested(in: document)
        hasToolTurnWithoutReasoning = ThinkingSwitch.hasToolTurnWithoutReasoning(in: document)
        readSampling()
        readTools()
        readResponseFormat()
    }

    private mutating func fail(_ message: String, param: String) {
        if problem == nil { problem = RequestProblem(message: message, param: param) }
    }

    private mutating func readMessages(_ messages: JSONValue) {
        var textBytes = 0
        var toolNames: [String: String] = [:]
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
            if let calls = document.member("tool_calls", of: message), calls.kind == .array {
                for call in document.elements(of: calls) {
                    if let id = document.member("id", of: call).flatMap(document.string),
                       let name = document.value(at: "function", "name", from: call).flatMap(document.string) { toolNames[id] = name }
                    textBytes += document.raw(call).count
                }
            }
            textBytes += text.utf8.count
            if !mentionsJSON, text.range(of: "json", options: .caseInsensitive) != nil { mentionsJSON = true }
            if role == "user" { lastUserText = text }
            lastRole = role
            if role == "tool" {
                let id = document.member("tool_call_id", of: message).flatMap(document.string) ?? ""
                toolResult = (toolNames[id] ?? "tool", text)
            } else {
                toolResult = nil
            }
        }
        directives = SimDirectives(text: lastUserText)
        promptTokens = TextGenerator.estimatePromptTokens(textBytes: textBytes, messages: list.count)
    }

    private mutating func readSampling() {
        let root = document.root
        if let value = document.member("n", of: root), value.kind != .null {
            if let count = document.int(value), (1...128).contains(count) { n = count } else { fail("Invalid 'n': must be an integer from 1 to 128.", param: "n") }
        }
        if let value = document.member("stop", of: root), value.kind != .null {
            if let one = document.string(value) {
                stop = [one]
            } else if value.kind == .array {
                let items = document.elements(of: value)
                stop = items.compactMap(document.string)
                if stop.count != items.count { fail("Invalid 'stop': must be a string or an array of strings.", param: "stop") }
            } else {
                fail("Invalid 'stop': must be a string or an array of strings.", param: "stop")
            }
        }
        if let value = document.member("logprobs", of: root), value.kind != .null {
            if let flag = document.bool(value) { logprobs = flag } else { fail("Invalid 'logprobs': must be a boolean.", param: "logprobs") }
        }
        if let value = document.member("top_logprobs", of: root), value.kind != .null {
            if let count = document.int(value), (0...20).contains(count) { topLogprobs = count }
            else { fail("Invalid 'top_logprobs': must be an integer from 0 to 20.", param: "top_logprobs") }
            if !logprobs { fail("Invalid 'top_logprobs': 'logprobs' must be set to true to use 'top_logprobs'.", param: "top_logprobs") }
        }
        if let value = document.member("seed", of: root), value.kind != .null {
            if value.kind == .number { seed = String(decoding: document.raw(value), as: UTF8.self) } else { fail("Invalid 'seed': must be an integer.", param: "seed") }
        }
        if let value = document.member("max_completion_tokens", of: root) ?? document.member("max_tokens", of: root), value.kind != .null {
            if maxTokens == nil || maxTokens! < 0 { fail("Invalid 'max_tokens': must be a non-negative integer.", param: "max_tokens") }
        }
    }

    private mutating func readTools() {
        let root = document.root
        if let list = document.member("tools", of: root), list.kind != .null {
            guard list.kind == .array else { return fail("Invalid 'tools': must be an array.", param: "tools") }
            for (index, tool) in document.elements(of: list).enumerated() {
                guard let name = document.value(at: "function", "name", from: tool).flatMap(document.string), !name.isEmpty else {
                    return fail("Invalid 'tools[\(index)]': a function tool needs 'function.name'.", param: "tools[\(index)].function.name")
                }
                let parameters = document.value(at: "function", "parameters", from: tool)
                if let parameters, parameters.kind != .object, parameters.kind != .null {
                    return fail("Invalid 'tools[\(index)].function.parameters': must be a JSON Schema object.", param: "tools[\(index)].function.parameters")
                }
                tools.append(Tool(name: name, parameters: parameters?.kind == .object ? parameters : nil))
            }
            if tools.count > 128 { fail("Invalid 'tools': at most 128 functions are allowed.", param: "tools") }
        }
        if let choice = document.member("tool_choice", of: root), choice.kind != .null {
            toolChoiceGiven = true
            switch document.string(choice) {
            case "auto": toolChoice = .auto
            case "none": toolChoice = .none
            case "required": toolChoice = .required
            default:
                if let name = document.value(at: "function", "name", from: choice).flatMap(document.string) {
                    toolChoice = .named(name)
                } else {
                    fail("Invalid 'tool_choice': expected 'none', 'auto', 'required' or {\"type\": \"function\", \"function\": {\"name\": …}}.", param: "tool_choice")
                }
            }
            if toolChoice != .auto, toolChoice != .none, tools.isEmpty {
                fail("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", param: "tool_choice")
            }
            if case .named(let name) = toolChoice, !tools.isEmpty, !tools.contains(where: { $0.name == name }) {
                fail("Invalid 'tool_choice': function '\(name)' is not one of the 'tools'.", param: "tool_choice")
            }
        }
        if let value = document.member("parallel_tool_calls", of: root), value.kind != .null {
            if let flag = document.bool(value) { parallelToolCalls = flag } else { fail("Invalid 'parallel_tool_calls': must be a boolean.", param: "parallel_tool_calls") }
        }
        toolStream = document.member("tool_stream", of: root).flatMap(document.bool) ?? false
    }

    private mutating func readResponseFormat() {
        guard let format = document.member("response_format", of: document.root), format.kind != .null else { return }
        switch document.member("type", of: format).flatMap(document.string) {
        case "text": responseFormat = .text
        case "json_object": responseFormat = .jsonObject
        case "json_schema":
            let schema = document.value(at: "json_schema", "schema", from: format)
            if let schema, schema.kind != .object, schema.kind != .true {
                return fail("Invalid 'response_format.json_schema.schema': must be a JSON Schema object.", param: "response_format.json_schema.schema")
            }
            responseFormat = .jsonSchema(schema)
        default:
            fail("Invalid 'response_format.type': expected 'text', 'json_object' or 'json_schema'.", param: "response_format.type")
        }
    }
}

/// A request the simulated provider refuses (HTTP 400), rendered in the family's error dialect.
struct RequestProblem: Error, Hashable {
    var message: String
    var param: String?
    /// The error `code` where the family has a specific one (GLM's business codes, Qwen's).
    var code: String?
}
