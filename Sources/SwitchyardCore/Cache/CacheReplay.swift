import Foundation

/// Renders a `CachedAnswer` in the form a hit asks for: a whole chat completion, or a chat
/// stream with one chunk per piece of the original — the same chunking the first client saw —
/// then the finish chunk, the usage (as a usage-only chunk with `cost_usd` when the client
/// asked for it, else as the cost comment) and `[DONE]`. A hit costs nothing, so the cost it
/// shows is 0; the token counts are the original answer's.
package enum CacheReplay {
    /// The whole chat completion.
    package static func completion(_ answer: CachedAnswer) -> [UInt8] {
        var out = header(answer, object: "chat.completion")
        out += ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        out += answer.contentIsNull && answer.content.isEmpty ? "null" : quoted(answer.content[...])
        if !answer.reasoning.isEmpty { out += ",\"reasoning_content\":" + quoted(answer.reasoning[...]) }
        if !answer.toolCalls.isEmpty {
            out += ",\"tool_calls\":["
            for (index, call) in answer.toolCalls.enumerated() {
                if index > 0 { out += "," }
                out += "{\"id\":" + JSONString.quoted(call.id) + ",\"type\":\"function\",\"function\":{\"name\":" + JSONString.quoted(call.name)
                out += ",\"arguments\":" + quoted(call.arguments[...]) + "}}"
            }
            out += "]"
        }
        out += "},\"finish_reason\":" + (answer.finishReason.map(JSONString.quoted) ?? "null")
        if let stop = answer.stopReason { out += ",\"stop_reason\":" + JSONString.quoted(stop) }
        out += "}]"
        if let usage = answer.usage { out += ",\"usage\":" + usageJSON(usage, cost: nil) }
        out += "}"
        return Array(out.utf8)
    }

    /// The chat stream, as SSE bytes: one `data:` event per original chunk.
    package static func stream(_ answer: CachedAnswer, includeUsage: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(answer.content.count + answer.reasoning.count + answer.pieces.count * 160 + 512)
        let head = header(answer, object: "chat.completion.chunk")
        var first = true
        func chunk(_ delta: String, finish: String = "null") {
            var json = head + ",\"choices\":[{\"index\":0,\"delta\":{"
            if first { json += "\"role\":\"assistant\"" + (delta.isEmpty ? "" : ",") }
            first = false
            json += delta + "},\"finish_reason\":" + finish
            if finish != "null", let stop = answer.stopReason { json += ",\"stop_reason\":" + JSONString.quoted(stop) }
            json += "}]}"
            out += SSEWriter.data(Array(json.utf8))
        }
        answer.forEachPiece { piece, text, firstOfTool in
            switch piece.kind {
            case .content: chunk("\"content\":" + quoted(text))
            case .reasoning: chunk("\"reasoning_content\":" + quoted(text))
            case .tool:
                let call = answer.toolCalls[Int(piece.tool)]
                var delta = "\"tool_calls\":[{\"index\":\(piece.tool)"
                if firstOfTool {
                    delta += ",\"id\":" + JSONString.quoted(call.id) + ",\"type\":\"function\",\"function\":{\"name\":"
                        + JSONString.quoted(call.name) + ",\"arguments\":" + quoted(text) + "}}]"
                } else {
                    delta += ",\"function\":{\"arguments\":" + quoted(text) + "}}]"
                }
                chunk(delta)
            }
        }
        if first { chunk("\"content\":\"\"") }
        chunk("", finish: answer.finishReason.map(JSONString.quoted) ?? "\"stop\"")
        if let usage = answer.usage {
            if includeUsage {
                let json = head + ",\"choices\":[],\"usage\":" + usageJSON(usage, cost: "0") + "}"
                out += SSEWriter.data(Array(json.utf8))
            } else {
                out += SSEWriter.comment(Array("x-switchyard-cost-usd=0".utf8))
            }
        }
        out += SSEWriter.done
        return out
    }

    private static func header(_ answer: CachedAnswer, object: String) -> String {
        let created = answer.created.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 || $0 == 0x2B }
            && !answer.created.isEmpty ? answer.created : "0"
        return "{\"id\":" + JSONString.quoted(answer.id) + ",\"object\":\"" + object + "\",\"created\":" + created
            + ",\"model\":" + JSONString.quoted(answer.model)
    }

    private static func quoted(_ text: ArraySlice<UInt8>) -> String {
        JSONString.quoted(String(decoding: text, as: UTF8.self))
    }

    static func usageJSON(_ usage: TokenUsage, cost: String?) -> String {
        var json = "{\"prompt_tokens\":\(usage.promptTokens),\"completion_tokens\":\(usage.completionTokens),\"total_tokens\":\(usage.totalTokens)"
        json += ",\"prompt_tokens_details\":{\"cached_tokens\":\(usage.cachedPromptTokens)}"
        json += ",\"completion_tokens_details\":{\"reasoning_tokens\":\(usage.reasoningTokens)}"
        if let cost { json += ",\"cost_usd\":" + JSONString.quoted(cost) }
        return json + "}"
    }
}
