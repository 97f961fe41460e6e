/// How a chat request turns a model's reasoning on or off, whatever the family's switch is
/// called (provider-apis.md §6.3, §7.4): `thinking.type` (DeepSeek, Kimi, GLM),
/// `enable_thinking` (Qwen), `reasoning_effort` (DeepSeek, newer GLM, OpenAI).
package enum ThinkingSwitch {
    /// true or false when the request says, nil when it leaves it to the model's default.
    package static func requested(in document: JSONDocument) -> Bool? {
        let root = document.root
        if let type = document.value(at: "thinking", "type").flatMap(document.string) { return type != "disabled" }
        if let enable = document.member("enable_thinking", of: root).flatMap(document.bool) { return enable }
        if let effort = document.member("reasoning_effort", of: root).flatMap(document.string) { return effort != "none" }
        return nil
    }

    /// Whether an assistant message in the history has `tool_calls` but no `reasoning_content`
    /// (DeepSeek and Kimi in thinking mode answer 400 to that, provider-apis.md §7.1).
    package static func hasToolTurnWithoutReasoning(in document: JSONDocument) -> Bool {
        guard let messages = document.member("messages", of: document.root) else { return false }
        for message in document.elements(of: messages) where message.kind == .object {
            guard document.member("role", of: message).flatMap(document.string) == "assistant",
                  let calls = document.member("tool_calls", of: message), calls.kind == .array,
                  document.firstElement(of: calls) != nil else { continue }
            let reasoning = document.member("reasoning_content", of: message)
            if reasoning == nil || reasoning?.kind == .null { return true }
        }
        return false
    }
}

/// What an adapter makes of a request body before it goes upstream.
package enum PreparedBody: Sendable, Hashable {
    /// Send these bytes (the client's, or with a documented normalisation applied).
    case send([UInt8])
    /// The family would reject the request and the adapter cannot safely fix it: the message
    /// says exactly what to send instead.
    case reject(String)
}

/// DeepSeek and Kimi in thinking mode reject a tool turn whose assistant message lacks its
/// `reasoning_content` (plain OpenAI clients and LangChain never send it back). When the client
/// left thinking to the model's default, the request goes with thinking turned off, which those
/// families accept; when the client turned thinking on itself, the answer says what to send.
enum ThinkingToolTurnRule {
    static func prepare(_ body: [UInt8], for model: CatalogModel, family: String) -> PreparedBody {
        guard model.thinking != .none, let document = try? JSONDocument(bytes: body), document.root.kind == .object,
              ThinkingSwitch.hasToolTurnWithoutReasoning(in: document) else { return .send(body) }
        let requested = ThinkingSwitch.requested(in: document)
        guard model.thinking.isOn(requested: requested) else { return .send(body) }
        if requested == nil, model.thinking == .onByDefault {
            var edits = ByteEdits()
            edits.insert(",\"thinking\":{\"type\":\"disabled\"}", at: document.root.range.upperBound - 1)
            return .send(edits.applied(to: document.bytes))
        }
        return .reject("\(family) in thinking mode needs every assistant message that has tool_calls to carry its reasoning_content: "
            + "send back the reasoning_content you received with that message, or set \"thinking\": {\"type\": \"disabled\"}.")
    }
}
