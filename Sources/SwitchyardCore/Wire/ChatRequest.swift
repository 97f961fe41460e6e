import Foundation

/// The few fields of a chat completion request the gateway reads; everything else in the body
/// is passed to the upstream byte for byte.
package struct ChatRequest: Sendable {
    package let document: JSONDocument
    /// The `model` the client asked for (an ID or alias).
    package let model: String
    package let stream: Bool
    /// Whether the client itself asked for the usage chunk (`stream_options.include_usage`).
    package let clientWantsUsage: Bool
    /// `max_completion_tokens` or `max_tokens`, when given.
    package let maxOutputTokens: Int?
    /// Models to fall back to, in order (the OpenRouter-style `models` extension field). The
    /// field is removed before the request goes upstream.
    package let fallbackModels: [String]
    /// A family-neutral reasoning switch (the Messages API's `thinking`), written into the
    /// upstream body as the served family's own field: `thinking: {type}` (DeepSeek, GLM,
    /// Kimi), `enable_thinking` (Qwen), `reasoning_effort: medium` when on (OpenAI). Nil: the
    /// body says nothing.
    package var reasoning: Bool?
    /// Set for a call the response cache may store: its stream is recorded (`AnswerRecorder`),
    /// up to this many bytes. Nil: nothing is recorded.
    package var recordAnswerLimit: Int?

    private let modelValue: JSONValue
    private let streamOptions: JSONValue?
    private let includeUsageValue: JSONValue?

    /// Parses and checks a request body. Errors name the offending field.
    package init(body: [UInt8]) throws(OpenAIError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body, strict: true)
        } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)).", as: .invalidJSON)
        }
        guard document.root.kind == .object else {
            throw .invalidRequest("The request body must be a JSON object.", as: .invalidJSON)
        }
        guard let modelValue = document.member("model", of: document.root) else {
            throw .invalidRequest("You must provide a model parameter.", param: "model", as: .missingRequiredParameter)
        }
        guard let model = document.string(modelValue), !model.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw .invalidRequest("'model' must be a non-empty string.", param: "model", as: .invalidType)
        }
        guard model.utf8.count <= 256 else {
            throw .invalidRequest("'model' is longer than 256 bytes.", param: "model", as: .invalidValue)
        }
        guard let messages = document.member("messages", of: document.root) else {
            throw .invalidRequest("Missing required parameter: 'messages'.", param: "messages", as: .missingRequiredParameter)
        }
        guard messages.kind == .array else {
            throw .invalidRequest("'messages' must be an array.", param: "messages", as: .invalidType)
        }
        guard document.firstElement(of: messages) != nil else {
            throw .invalidRequest("'messages' must contain at least one message.", param: "messages", as: .emptyArray)
        }
        for (index, message) in document.elements(of: messages).enumerated() {
            guard message.kind == .object else {
                throw .invalidRequest("'messages[\(index)]' must be an object.", param: "messages[\(index)]", as: .invalidType)
            }
            guard let role = document.member("role", of: message), document.string(role) != nil else {
                throw .invalidRequest("'messages[\(index)].role' is required and must be a string.", param: "messages[\(index)].role", as: .invalidType)
            }
        }
        var stream = false
        if let value = document.member("stream", of: document.root), value.kind != .null {
            guard let flag = document.bool(value) else {
                throw .invalidRequest("'stream' must be a boolean.", param: "stream", as: .invalidType)
            }
            stream = flag
        }
        var streamOptions: JSONValue?
        var includeUsageValue: JSONValue?
        var clientWantsUsage = false
        if let options = document.member("stream_options", of: document.root), options.kind != .null {
            guard options.kind == .object else {
                throw .invalidRequest("'stream_options' must be an object.", param: "stream_options", as: .invalidType)
            }
            streamOptions = options
            if let include = document.member("include_usage", of: options), include.kind != .null {
                guard let flag = document.bool(include) else {
                    throw .invalidRequest("'stream_options.include_usage' must be a boolean.", param: "stream_options.include_usage", as: .invalidType)
                }
                includeUsageValue = include
                clientWantsUsage = flag
            }
        }
        var maxOutputTokens: Int?
        for key in ["max_completion_tokens", "max_tokens"] {
            if let value = document.member(key, of: document.root), value.kind != .null {
                guard let n = document.int(value), n >= 0 else {
                    throw .invalidRequest("'\(key)' must be a non-negative integer.", param: key, as: .invalidType)
                }
                guard n <= 100_000_000 else {
                    throw .invalidRequest("'\(key)' must be at most 100000000.", param: key, as: .invalidValue)
                }
                maxOutputTokens = maxOutputTokens ?? n
            }
        }
        var fallbackModels: [String] = []
        if let list = document.member("models", of: document.root), list.kind != .null {
            guard list.kind == .array else {
                throw .invalidRequest("'models' must be an array of model IDs.", param: "models", as: .invalidType)
            }
            for (index, item) in document.elements(of: list).enumerated() {
                guard let name = document.string(item), !name.isEmpty, name.utf8.count <= 256 else {
                    throw .invalidRequest("'models[\(index)]' must be a model ID.", param: "models[\(index)]", as: .invalidType)
                }
                fallbackModels.append(name)
            }
            guard fallbackModels.count <= 16 else {
                throw .invalidRequest("'models' may list at most 16 models.", param: "models", as: .invalidValue)
            }
        }
        self.fallbackModels = fallbackModels
        self.document = document
        self.model = model
        self.stream = stream
        self.clientWantsUsage = clientWantsUsage
        self.maxOutputTokens = maxOutputTokens
        self.modelValue = modelValue
        self.streamOptions = streamOptions
        self.includeUsageValue = includeUsageValue
    }

    /// The body to send upstream: `model` replaced with the deployment's own model ID and, for
    /// streams, `stream_options.include_usage` forced on so that every stream can be billed.
    /// All other bytes are the client's, unchanged.
    package func upstreamBody(model upstreamModel: String, family: ModelFamily? = nil) -> [UInt8] {
        var edits = ByteEdits()
        if let reasoning, let family, let field = Self.reasoningField(reasoning, family: family) {
            edits.insert("," + field, at: document.root.range.upperBound - 1)
        }
        if let models = document.memberRemovalRange("models", of: document.root) { edits.replace(models, with: "") }
        if upstreamModel != model || document.string(modelValue) != upstreamModel {
            edits.replace(modelValue.range, with: JSONString.quoted(upstreamModel))
        }
        if stream && !clientWantsUsage {
            if let includeUsageValue {
                edits.replace(includeUsageValue.range, with: "true")
            } else if let streamOptions {
                let isEmpty = document.members(of: streamOptions).isEmpty
                edits.replace((streamOptions.range.lowerBound + 1)..<(streamOptions.range.lowerBound + 1),
                              with: isEmpty ? "\"include_usage\":true" : "\"include_usage\":true,")
            } else {
                edits.insert(",\"stream_options\":{\"include_usage\":true}", at: document.root.range.upperBound - 1)
            }
        }
        return edits.applied(to: document.bytes)
    }

    /// The family's reasoning switch as a JSON member, or nil when it has none to send.
    static func reasoningField(_ on: Bool, family: ModelFamily) -> String? {
        switch family {
        case .deepseek, .glm, .kimi: return "\"thinking\":{\"type\":\"" + (on ? "enabled" : "disabled") + "\"}"
        case .qwen: return "\"enable_thinking\":" + (on ? "true" : "false")
        case .openai: return on ? "\"reasoning_effort\":\"medium\"" : nil
        }
    }
}
