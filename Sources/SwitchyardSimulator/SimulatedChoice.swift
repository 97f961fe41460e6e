/// One generated answer (a `choices[]` entry): reasoning, content or tool calls, each as the
/// fragments it streams in. One fragment is one token, so usage counts exactly what was sent.
struct SimulatedChoice: Hashable {
    struct ToolCall: Hashable {
        var id: String
        var name: String
        /// The arguments' JSON text in the fragments it streams in.
        var fragments: [String]
        var arguments: String { fragments.joined() }
    }

    var reasoning: [String] = []
    var content: [String] = []
    var toolCalls: [ToolCall] = []
    var finishReason = "stop"
    /// One rendered `logprobs.content[]` entry per content fragment, when asked for.
    var logprobs: [String]?

    /// Completion tokens: every fragment of reasoning, content and arguments, plus one per
    /// tool call for its name.
    var tokenCount: Int {
        reasoning.count + content.count + toolCalls.reduce(0) { $0 + 1 + $1.fragments.count }
    }
}
