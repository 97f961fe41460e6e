import Foundation
import SwitchyardCore

/// Writes the answers (`choices`) to one request the way a model honouring its contract would:
/// tool calls whose arguments fit each tool's schema when a call is due, JSON for
/// `response_format`, a follow-up after a tool result, otherwise text; then `stop`, the token
/// cap, a forced finish reason and log probabilities.
struct AnswerGenerator {
    var request: SimulatedRequest
    var family: ModelFamily
    var thinking: Bool

    func choice(length: Int, echoText: String?, rng: inout SeededRandom) -> SimulatedChoice {
        var choice = SimulatedChoice()
        if thinking {
            // Reasoning takes at most a quarter of a `max_tokens` cap, so an answer still follows.
            let count = min(16, max(1, length / 4), request.maxTokens.map { $0 / 4 } ?? .max)
            choice.reasoning = TextGenerator.tokens(count: count, rng: &rng)
        }
        if let echoText {
            choice.content = [echoText]
        } else if let calls = toolCalls(rng: &rng) {
            choice.toolCalls = calls
            choice.finishReason = "tool_calls"
        } else if let json = jsonAnswer(rng: &rng) {
            choice.content = Self.fragments(json, rng: &rng)
        } else if let result = request.toolResult {
            choice.content = Self.followUp(toolName: result.name, result: result.text)
        } else {
            choice.content = TextGenerator.tokens(count: length, rng: &rng)
        }
        applyStop(&choice)
        applyCap(&choice)
        if let finish = request.directives.finish, FamilyRules.finishReasons(family: family).contains(finish), finish != choice.finishReason {
            // A forced ending cuts the answer where it happened (half-way).
            choice.content = Array(choice.content.prefix(choice.content.count / 2))
            choice.finishReason = finish
        }
        if request.logprobs {
            choice.logprobs = choice.content.map { Self.logprob($0, top: request.topLogprobs ?? 0, rng: &rng) }
        }
        return choice
    }

    // MARK: Tool calls

    private func toolCalls(rng: inout SeededRandom) -> [SimulatedChoice.ToolCall]? {
        guard !request.tools.isEmpty else { return nil }
        let mentioned = request.lastRole == "user" ? request.tools.firstIndex { request.lastUserText.contains($0.name) } : nil
        switch request.toolChoice {
        case .none: return nil
        case .auto:
            // A model answers a tool result rather than calling again; otherwise it calls when
            // told to (`[sim tool_call]`) or when the user names a tool.
            guard request.lastRole != "tool", request.directives.toolCall || mentioned != nil else { return nil }
        case .required, .named: break
        }
        let count = FamilyRules.parallelToolCalls(request, family: family) ? (request.directives.toolCalls ?? 1) : 1
        let start = mentioned ?? 0
        return (0..<count).map { j in
            var tool = request.tools[(start + j) % request.tools.count]
            if case .named(let name) = request.toolChoice, let named = request.tools.first(where: { $0.name == name }) { tool = named }
            let arguments = tool.parameters.map { SchemaValueGenerator.value(for: $0, in: request.document, rng: &rng) } ?? "{}"
            let id = "call_" + (0..<24).map { _ in String(rng.next() % 16, radix: 16) }.joined()
            return SimulatedChoice.ToolCall(id: id, name: tool.name, fragments: Self.fragments(arguments, rng: &rng))
        }
    }

    // MARK: Structured output

    private func jsonAnswer(rng: inout SeededRandom) -> String? {
        switch request.responseFormat {
        case .text: return nil
        case .jsonSchema(let schema?): return SchemaValueGenerator.value(for: schema, in: request.document, rng: &rng)
        case .jsonObject, .jsonSchema(nil):
            let words = TextGenerator.tokens(count: 6, rng: &rng).joined()
            return "{\"answer\":\(JSONString.quoted(words)),\"confidence\":0.\(10 + rng.next() % 90)}"
        }
    }

    /// A short answer that uses the tool's result, as a model's turn after a tool call does.
    static func followUp(toolName: String, result: String) -> [String] {
        let snippet = result.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).prefix(40).joined(separator: " ")
        let text = "According to \(toolName): \(snippet.isEmpty ? "no result" : snippet)"
        return text.split(separator: " ").enumerated().map { $0.offset == 0 ? String($0.element) : " " + $0.element }
    }

    // MARK: Stop, cap, log probabilities

    /// Ends the content just before the first stop sequence, as providers do.
    private func applyStop(_ choice: inout SimulatedChoice) {
        let text = choice.content.joined()
        let cut = request.stop.filter { !$0.isEmpty }.compactMap { text.range(of: $0)?.lowerBound }.min()
        guard let cut else { return }
        var left = text.distance(from: text.startIndex, to: cut)
        var kept: [String] = []
        for token in choice.content {
            guard left > 0 else { break }
            kept.append(String(token.prefix(left)))
            left -= token.count
        }
        choice.content = kept
        choice.finishReason = "stop"
    }

    /// `max_tokens` / `max_completion_tokens` caps everything generated, reasoning first (as the
    /// thinking providers count it), so the cap admission reserves is never exceeded.
    private func applyCap(_ choice: inout SimulatedChoice) {
        guard var left = request.maxTokens else { return }
        if choice.reasoning.count > left {
            choice.reasoning = Array(choice.reasoning.prefix(left))
            choice.finishReason = "length"
        }
        left -= choice.reasoning.count
        if choice.content.count > left {
            choice.content = Array(choice.content.prefix(left))
            choice.finishReason = "length"
        }
        left -= choice.content.count
        var calls: [SimulatedChoice.ToolCall] = []
        for var call in choice.toolCalls {
            guard left > 0 else { choice.finishReason = "length"; break }
            left -= 1
            if call.fragments.count > left {
                call.fragments = Array(call.fragments.prefix(left))
                choice.finishReason = "length"
            }
            left -= call.fragments.count
            calls.append(call)
        }
        choice.toolCalls = calls
    }

    /// A `logprobs.content[]` entry: the token, its log probability and, when asked, the
    /// `top` most likely tokens (the chosen one first).
    static func logprob(_ token: String, top: Int, rng: inout SeededRandom) -> String {
        let chosen = Int(rng.next() % 20_000)
        func entry(_ text: String, _ milli: Int) -> String {
            let value = milli == 0 ? "0.0" : "-\(milli / 10_000).\(String(String(milli % 10_000 + 10_000).dropFirst()))"
            return "{\"token\":\(JSONString.quoted(text)),\"logprob\":\(value),\"bytes\":[\(text.utf8.map(String.init).joined(separator: ","))]"
        }
        var alternatives = [entry(token, chosen) + "}"]
        let others = TextGenerator.tokens(count: max(0, top - 1), rng: &rng)
        for (i, other) in others.enumerated() { alternatives.append(entry(other, chosen + 5_000 * (i + 1)) + "}") }
        return entry(token, chosen) + ",\"top_logprobs\":[" + alternatives.prefix(top).joined(separator: ",") + "]}"
    }

    /// Splits text into the pieces it streams in: 3 to 6 characters each.
    static func fragments(_ text: String, rng: inout SeededRandom) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let size = 3 + Int(rng.next() % 4)
            out.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return out
    }
}
