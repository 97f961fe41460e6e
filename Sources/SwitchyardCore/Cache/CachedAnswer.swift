import Foundation

/// A successful chat answer in a neutral form, whichever way it was first made: its content,
/// reasoning and tool calls, finish reason and usage, and how a stream cut it into chunks
/// (`pieces`). `CacheReplay` renders it as a whole chat completion or as the same chunks; the
/// Messages door translates either on its way out, as it does a live answer.
///
/// Text is kept as one UTF-8 buffer per kind, with the chunking as lengths into it: one
/// allocation per field however many chunks the stream had.
package struct CachedAnswer: Sendable, Hashable {
    package enum PieceKind: UInt8, Sendable, Hashable {
        case content, reasoning, tool
    }

    /// One chunk of the original stream: `length` bytes of content, reasoning, or the arguments
    /// of tool call `tool`.
    package struct Piece: Sendable, Hashable {
        package var kind: PieceKind
        package var tool: UInt16
        package var length: UInt32

        package init(_ kind: PieceKind, length: Int, tool: Int = 0) {
            self.kind = kind
            self.tool = UInt16(truncatingIfNeeded: tool)
            self.length = UInt32(truncatingIfNeeded: length)
        }
    }

    package struct ToolCall: Sendable, Hashable {
        package var id: String
        package var name: String
        package var arguments: [UInt8]

        package init(id: String, name: String, arguments: [UInt8]) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    package var id: String
    /// The `created` number as the upstream wrote it.
    package var created: String
    package var model: String
    package var content: [UInt8] = []
    /// The answer's `content` was `null` (a tool call without text).
    package var contentIsNull = false
    package var reasoning: [UInt8] = []
    package var toolCalls: [ToolCall] = []
    package var pieces: [Piece] = []
    package var finishReason: String?
    /// The stop sequence that ended the answer, where the upstream says (`stop_reason`).
    package var stopReason: String?
    package var usage: TokenUsage?
    /// What the answer cost when it was made: what each hit saves.
    package var costPicodollars: Int64?

    package init(id: String, created: String, model: String) {
        self.id = id
        self.created = created
        self.model = model
    }

    /// What the entry holds in memory, approximately: its buffers plus a fixed allowance for
    /// the structures around them. The cache's byte bound counts this.
    package var byteCount: Int {
        var total = Self.overhead + id.utf8.count + created.utf8.count + model.utf8.count + content.count + reasoning.count
        total += (finishReason?.utf8.count ?? 0) + (stopReason?.utf8.count ?? 0)
        total += pieces.count * MemoryLayout<Piece>.stride
        for call in toolCalls { total += 64 + call.id.utf8.count + call.name.utf8.count + call.arguments.count }
        return total
    }

    /// The allowance per entry for the index, the list node and the object headers.
    package static let overhead = 256

    /// The answer of a whole (non-streamed) chat completion, or nil when it cannot be replayed
    /// faithfully: not one choice, log probabilities, or not a chat completion at all. A
    /// streamed replay sends each of its parts (reasoning, content, each tool call) as one chunk.
    package init?(completion body: [UInt8]) {
        guard let d = try? JSONDocument(bytes: body), d.root.kind == .object,
              let choices = d.member("choices", of: d.root), d.elements(of: choices).count == 1,
              let choice = d.firstElement(of: choices), let message = d.member("message", of: choice), message.kind == .object else { return nil }
        if let logprobs = d.member("logprobs", of: choice), logprobs.kind != .null { return nil }
        self.init(id: d.member("id", of: d.root).flatMap(d.string) ?? "",
                  created: d.member("created", of: d.root).flatMap { $0.kind == .number ? String(decoding: d.raw($0), as: UTF8.self) : nil } ?? "0",
                  model: d.member("model", of: d.root).flatMap(d.string) ?? "")
        if let reasoning = d.member("reasoning_content", of: message).flatMap(d.string), !reasoning.isEmpty {
            self.reasoning = Array(reasoning.utf8)
            pieces.append(Piece(.reasoning, length: self.reasoning.count))
        }
        switch d.member("content", of: message) {
        case let value? where value.kind == .string:
            content = Array((d.string(value) ?? "").utf8)
            if !content.isEmpty { pieces.append(Piece(.content, length: content.count)) }
        case let value? where value.kind != .null:
            return nil  // content parts or anything else: not replayed
        default:
            contentIsNull = true
        }
        if let calls = d.member("tool_calls", of: message), calls.kind != .null {
            guard calls.kind == .array else { return nil }
            for (index, call) in d.elements(of: calls).enumerated() {
                guard index < Int(UInt16.max), let function = d.member("function", of: call) else { return nil }
                let arguments = Array((d.member("arguments", of: function).flatMap(d.string) ?? "").utf8)
                toolCalls.append(ToolCall(id: d.member("id", of: call).flatMap(d.string) ?? "",
                                          name: d.member("name", of: function).flatMap(d.string) ?? "", arguments: arguments))
                pieces.append(Piece(.tool, length: arguments.count, tool: index))
            }
        }
        finishReason = d.member("finish_reason", of: choice).flatMap(d.string)
        stopReason = d.member("stop_reason", of: choice).flatMap(d.string)
        usage = UsageReader.usage(in: d, object: d.root)?.normalized
    }

    /// Calls `body` with each piece and its text, in order; `firstOfTool` marks the first piece
    /// of a tool call (the chunk that carries its ID and name).
    func forEachPiece(_ body: (Piece, ArraySlice<UInt8>, _ firstOfTool: Bool) -> Void) {
        var contentAt = 0, reasoningAt = 0
        var toolAt = [Int](repeating: 0, count: toolCalls.count)
        var toolStarted = [Bool](repeating: false, count: toolCalls.count)
        for piece in pieces {
            let length = Int(piece.length)
            switch piece.kind {
            case .content:
                let end = min(content.count, contentAt + length)
                body(piece, content[contentAt..<end], false)
                contentAt = end
            case .reasoning:
                let end = min(reasoning.count, reasoningAt + length)
                body(piece, reasoning[reasoningAt..<end], false)
                reasoningAt = end
            case .tool:
                let index = Int(piece.tool)
                guard index < toolCalls.count else { continue }
                let start = toolAt[index]
                let end = min(toolCalls[index].arguments.count, start + length)
                body(piece, toolCalls[index].arguments[start..<end], !toolStarted[index])
                toolStarted[index] = true
                toolAt[index] = end
            }
        }
    }
}
