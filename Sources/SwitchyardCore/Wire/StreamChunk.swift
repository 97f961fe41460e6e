/// What the gateway needs to know about one `data:` payload of a chat completion stream.
package struct StreamChunk: Sendable {
    package let document: JSONDocument
    /// A chunk that carries usage and no choices: the `include_usage` chunk.
    package let isUsageOnly: Bool
    package let usage: TokenUsage?
    /// The usage object itself (where a cost field can be added).
    package let usageObject: JSONValue?
    /// Non-empty `delta.content`, tool calls, audio or refusal: the first such chunk is TTFT.
    package let hasContent: Bool
    /// Non-empty `delta.reasoning_content` (counts for "first any token", not for TTFT).
    package let hasReasoning: Bool
    package let finishReason: String?
    /// A mid-stream `{"error": …}` object.
    package let error: JSONValue?

    /// Nil when the payload is not a JSON object.
    package init?(payload: [UInt8]) {
        guard let document = try? JSONDocument(bytes: payload), document.root.kind == .object else { return nil }
        self.document = document
        let root = document.root
        error = document.member("error", of: root).flatMap { $0.kind == .object || $0.kind == .string ? $0 : nil }
        let usageObject = UsageReader.usageObject(in: document, object: root)
        self.usageObject = usageObject
        usage = usageObject.map { UsageReader.read($0, in: document) }
        var hasContent = false
        var hasReasoning = false
        var finishReason: String?
        let choices = document.member("choices", of: root)
        let choiceList = choices.map { document.elements(of: $0) } ?? []
        for choice in choiceList {
            if let reason = document.member("finish_reason", of: choice), let text = document.string(reason) {
                finishReason = text
            }
            guard let delta = document.member("delta", of: choice) ?? document.member("message", of: choice) else { continue }
            for key in ["content", "refusal"] {
                if let v = document.member(key, of: delta), v.kind == .string, v.range.count > 2 { hasContent = true }
            }
            for key in ["tool_calls", "function_call", "audio"] {
                if let v = document.member(key, of: delta), v.kind == .array || v.kind == .object { hasContent = true }
            }
            if let v = document.member("reasoning_content", of: delta), v.kind == .string, v.range.count > 2 { hasReasoning = true }
        }
        self.hasContent = hasContent
        self.hasReasoning = hasReasoning
        self.finishReason = finishReason
        isUsageOnly = usageObject != nil && choiceList.isEmpty && choices != nil
    }

    /// The payload with `"<key>":<json>` added to the usage object (e.g. the call's cost).
    package func addingToUsage(key: String, json: String) -> [UInt8]? {
        guard let usageObject else { return nil }
        var edits = ByteEdits()
        let empty = document.members(of: usageObject).isEmpty
        edits.insert((empty ? "" : ",") + JSONString.quoted(key) + ":" + json, at: usageObject.range.upperBound - 1)
        return edits.applied(to: document.bytes)
    }
}
