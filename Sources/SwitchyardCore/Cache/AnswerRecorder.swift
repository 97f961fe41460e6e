import Foundation

/// Builds a `CachedAnswer` from a chat stream as it is relayed (`StreamRelay` feeds it each
/// chunk it parsed): each chunk's reasoning, content and tool-call arguments become pieces, in
/// that order within a chunk (a chunk with nothing but `"content": ""` is an empty content
/// piece). It gives up — and the answer is not cached — on anything it
/// could not replay faithfully (more than one choice, log probabilities) and once the answer
/// outgrows `limit` bytes (it could not be stored anyway), so recording never holds more.
package struct AnswerRecorder: Sendable {
    private var answer: CachedAnswer?
    private let limit: Int
    private var bytes = CachedAnswer.overhead

    package init(limit: Int) {
        self.limit = limit
        answer = CachedAnswer(id: "", created: "0", model: "")
    }

    /// Whether the recording is still going (nothing made it unusable).
    package var isRecording: Bool { answer != nil }

    package mutating func record(_ chunk: StreamChunk) {
        guard var current = answer else { return }
        answer = nil  // Modified in place below; put back unless the chunk is unusable.
        let d = chunk.document
        if current.id.isEmpty, let id = d.member("id", of: d.root).flatMap(d.string) {
            current.id = id
            current.model = d.member("model", of: d.root).flatMap(d.string) ?? ""
            if let created = d.member("created", of: d.root), created.kind == .number {
                current.created = String(decoding: d.raw(created), as: UTF8.self)
            }
            bytes += current.id.utf8.count + current.model.utf8.count + current.created.utf8.count
        }
        if let choices = d.member("choices", of: d.root), choices.kind == .array {
            let list = d.elements(of: choices)
            guard list.count <= 1 else { return }
            if let choice = list.first {
                if let index = d.member("index", of: choice), d.int(index) != 0 { return }
                if let logprobs = d.member("logprobs", of: choice), logprobs.kind != .null { return }
                if let delta = d.member("delta", of: choice), delta.kind == .object {
                    guard add(delta, of: d, to: &current) else { return }
                }
                if let reason = d.member("finish_reason", of: choice).flatMap(d.string) { current.finishReason = reason }
                if let stop = d.member("stop_reason", of: choice).flatMap(d.string) { current.stopReason = stop }
            }
        }
        guard bytes <= limit else { return }
        answer = current
    }

    private mutating func add(_ delta: JSONValue, of d: JSONDocument, to current: inout CachedAnswer) -> Bool {
        if let text = d.member("reasoning_content", of: delta).flatMap(d.string), !text.isEmpty {
            current.reasoning += text.utf8
            current.pieces.append(.init(.reasoning, length: text.utf8.count))
            bytes += text.utf8.count + MemoryLayout<CachedAnswer.Piece>.stride
        }
        let piecesBefore = current.pieces.count
        if let text = d.member("content", of: delta).flatMap(d.string), !text.isEmpty {
            current.content += text.utf8
            current.pieces.append(.init(.content, length: text.utf8.count))
            bytes += text.utf8.count + MemoryLayout<CachedAnswer.Piece>.stride
        }
        for key in ["refusal", "audio", "function_call"] {
            if let value = d.member(key, of: delta), value.kind != .null { return false }
        }
        if let calls = d.member("tool_calls", of: delta), calls.kind != .null {
            guard calls.kind == .array else { return false }
            for call in d.elements(of: calls) {
                let index = d.member("index", of: call).flatMap(d.int) ?? current.toolCalls.count - 1
                guard index >= 0, index <= current.toolCalls.count, index < Int(UInt16.max) else { return false }
                let function = d.member("function", of: call)
                if index == current.toolCalls.count {
                    let id = d.member("id", of: call).flatMap(d.string) ?? ""
                    let name = function.flatMap { d.member("name", of: $0) }.flatMap(d.string) ?? ""
                    current.toolCalls.append(.init(id: id, name: name, arguments: []))
                    bytes += 64 + id.utf8.count + name.utf8.count
                }
                let arguments = function.flatMap { d.member("arguments", of: $0) }.flatMap(d.string) ?? ""
                current.toolCalls[index].arguments += arguments.utf8
                current.pieces.append(.init(.tool, length: arguments.utf8.count, tool: index))
                bytes += arguments.utf8.count + MemoryLayout<CachedAnswer.Piece>.stride
            }
        }
        // A chunk whose only text is `"content": ""` (the usual first chunk, with the role) is
        // a chunk of its own in the replay too.
        if current.pieces.count == piecesBefore, d.member("content", of: delta).flatMap(d.string) == "" {
            current.pieces.append(.init(.content, length: 0))
            bytes += MemoryLayout<CachedAnswer.Piece>.stride
        }
        return true
    }

    /// The recorded answer, once the stream completed with `usage` (nil if recording gave up).
    package func finish(usage: TokenUsage?, costPicodollars: Int64?) -> CachedAnswer? {
        guard var answer else { return nil }
        answer.usage = usage
        answer.costPicodollars = costPicodollars
        if answer.content.isEmpty && !answer.toolCalls.isEmpty { answer.contentIsNull = true }
        return answer
    }
}
