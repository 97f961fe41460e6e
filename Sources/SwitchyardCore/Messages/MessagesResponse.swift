/// Chat completion answers rendered as Messages API answers: a whole `message`, and the error
/// shape. Pure: bytes in, bytes out.
package enum MessagesResponse {
    /// A chat completion body as a Messages `message`. Nil when the body is not a chat
    /// completion (the caller answers 502).
    ///
    /// - content: `reasoning_content` → a `thinking` block, `content` → a `text` block,
    ///   each tool call → a `tool_use` block with its arguments parsed as `input` (arguments
    ///   that are not a JSON object arrive as `{"_unparsed_arguments": "…"}`);
    /// - `finish_reason`: `stop` → `end_turn` (or `stop_sequence` when the upstream says which
    ///   sequence matched), `length` → `max_tokens`, `tool_calls` → `tool_use`,
    ///   `content_filter` / `sensitive` → `refusal`;
    /// - usage: `input_tokens` is the prompt without its cached part, which is
    ///   `cache_read_input_tokens`.
    package static func message(fromChatCompletion body: [UInt8], stopSequences: [String] = []) -> [UInt8]? {
        guard let d = try? JSONDocument(bytes: body), d.root.kind == .object,
              let choices = d.member("choices", of: d.root), let choice = d.firstElement(of: choices),
              let message = d.member("message", of: choice), message.kind == .object else { return nil }
        var blocks: [String] = []
        if let reasoning = d.member("reasoning_content", of: message).flatMap(d.string), !reasoning.isEmpty {
            blocks.append("{\"type\":\"thinking\",\"thinking\":" + JSONString.quoted(reasoning) + ",\"signature\":\"\"}")
        }
        if let text = d.member("content", of: message).flatMap(d.string), !text.isEmpty {
            blocks.append("{\"type\":\"text\",\"text\":" + JSONString.quoted(text) + "}")
        }
        if let calls = d.member("tool_calls", of: message) {
            for call in d.elements(of: calls) {
                let id = d.member("id", of: call).flatMap(d.string) ?? RandomID.hex(prefix: "toolu_")
                let name = d.value(at: "function", "name", from: call).flatMap(d.string) ?? ""
                let arguments = d.value(at: "function", "arguments", from: call).flatMap(d.string) ?? ""
                blocks.append("{\"type\":\"tool_use\",\"id\":" + JSONString.quoted(id) + ",\"name\":" + JSONString.quoted(name)
                              + ",\"input\":" + toolInput(arguments) + "}")
            }
        }
        let finish = d.member("finish_reason", of: choice).flatMap(d.string)
        let matched = d.member("stop_reason", of: choice).flatMap(d.string).flatMap { stopSequences.contains($0) ? $0 : nil }
        let (reason, sequence) = Self.stopReason(finish: finish, matchedStop: matched)
        let usage = UsageReader.usage(in: d, object: d.root) ?? TokenUsage()
        let id = d.member("id", of: d.root).flatMap(d.string) ?? ""
        let model = d.member("model", of: d.root).flatMap(d.string) ?? ""
        var out = "{\"id\":" + JSONString.quoted(messageID(id)) + ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + JSONString.quoted(model)
        out += ",\"content\":[" + blocks.joined(separator: ",") + "]"
        let reasonJSON = reason.map(JSONString.quoted) ?? "null"
        let sequenceJSON = sequence.map(JSONString.quoted) ?? "null"
        out += ",\"stop_reason\":" + reasonJSON
        out += ",\"stop_sequence\":" + sequenceJSON
        out += ",\"usage\":" + usageJSON(usage) + "}"
        return Array(out.utf8)
    }

    /// `msg_…` from the upstream's completion ID (a fresh one when it has none usable).
    static func messageID(_ upstream: String) -> String {
        let safe = upstream.utf8.count <= 128 && !upstream.isEmpty && upstream.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
        guard safe else { return RandomID.hex(prefix: "msg_") }
        return upstream.hasPrefix("msg_") ? upstream : "msg_" + upstream
    }

    /// The Messages `stop_reason` (and `stop_sequence`) for a chat `finish_reason`.
    package static func stopReason(finish: String?, matchedStop: String? = nil) -> (String?, String?) {
        switch finish {
        case nil: return (nil, nil)
        case "stop", "eos": return matchedStop.map { ("stop_sequence", $0) } ?? ("end_turn", nil)
        case "length": return ("max_tokens", nil)
        case "tool_calls", "function_call": return ("tool_use", nil)
        case "content_filter", "sensitive": return ("refusal", nil)
        default: return ("end_turn", nil)
        }
    }

    /// Tool-call arguments as a JSON object: parsed, `{}` when empty, else wrapped.
    static func toolInput(_ arguments: String) -> String {
        let bytes = Array(arguments.utf8)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return "{}" }
        if let d = try? JSONDocument(bytes: bytes), d.root.kind == .object { return String(decoding: d.raw(d.root), as: UTF8.self) }
        return "{\"_unparsed_arguments\":" + JSONString.quoted(arguments) + "}"
    }

    static func usageJSON(_ usage: TokenUsage) -> String {
        let cached = min(max(0, usage.cachedPromptTokens), max(0, usage.promptTokens))
        return "{\"input_tokens\":\(max(0, usage.promptTokens) - cached),\"output_tokens\":\(max(0, usage.completionTokens))"
            + ",\"cache_read_input_tokens\":\(cached),\"cache_creation_input_tokens\":0}"
    }

    // MARK: Errors

    /// An error in the Messages API's shape and status:
    /// `{"type":"error","error":{"type":…,"message":…}}`.
    package static func error(_ error: OpenAIError) -> (status: Int, body: String) {
        let (status, type) = errorKind(status: error.status)
        return (status, errorBody(type: type, message: error.message))
    }

    /// The Messages error type and status for the gateway's status: 400, 408 and 413 →
    /// `invalid_request_error` (status kept), 401 → `authentication_error`, 403 →
    /// `permission_error`, 404 → `not_found_error`, 429 → `rate_limit_error`, 503 →
    /// `overloaded_error` with the Messages API's 529, any other 5xx → `api_error`.
    package static func errorKind(status: Int) -> (status: Int, type: String) {
        switch status {
        case 401: return (401, "authentication_error")
        case 403: return (403, "permission_error")
        case 404: return (404, "not_found_error")
        case 429: return (429, "rate_limit_error")
        case 503, 529: return (529, "overloaded_error")
        case 500...599: return (status, "api_error")
        default: return (status, "invalid_request_error")
        }
    }

    package static func errorBody(type: String, message: String) -> String {
        "{\"type\":\"error\",\"error\":{\"type\":" + JSONString.quoted(type) + ",\"message\":" + JSONString.quoted(message) + "}}"
    }

    /// An OpenAI-shaped error body (`{"error":{"message","type","code",…}}`) as the Messages
    /// error for `status`. Nil when the body is not one.
    package static func error(fromOpenAIBody body: [UInt8], status: Int) -> (status: Int, body: String)? {
        guard let d = try? JSONDocument(bytes: body), let error = d.member("error", of: d.root), error.kind == .object else { return nil }
        let message = d.member("message", of: error).flatMap(d.string) ?? "The request failed."
        let kind = errorKind(status: status)
        return (kind.status, errorBody(type: kind.type, message: message))
    }

    /// The status of an OpenAI-shaped error object the gateway wrote (inside a stream, where no
    /// HTTP status carries it): its catalogue entry's, else 500.
    static func status(ofOpenAIError error: JSONValue, in d: JSONDocument) -> Int {
        let type = d.member("type", of: error).flatMap(d.string)
        let code = d.member("code", of: error).flatMap(d.string)
        return APIError.all.first { $0.type == type && $0.code == code }?.status ?? 500
    }

    /// `POST /v1/messages/count_tokens`'s answer.
    package static func tokenCount(_ tokens: Int) -> [UInt8] {
        Array("{\"input_tokens\":\(max(0, tokens))}".utf8)
    }
}
