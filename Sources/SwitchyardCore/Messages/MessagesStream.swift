/// Rewrites the chat completion stream the gateway relays (OpenAI `chat.completion.chunk`
/// events) into the Messages API's events, as bytes arrive. Pure: no I/O, no clock.
///
/// - the first chunk opens the message: `message_start` (its `usage.input_tokens` is the
///   gateway's prompt estimate until the upstream's usage arrives), then `ping`;
/// - `reasoning_content` → a `thinking` block of `thinking_delta`s, `content` → a `text` block
///   of `text_delta`s, each tool call → a `tool_use` block (`id`, `name`) of
///   `input_json_delta`s; a block is closed (`content_block_stop`) when the next one opens;
/// - the finish reason and the usage are held until the end, which closes the open block and
///   sends `message_delta` (`stop_reason`, `usage`) and `message_stop`; `[DONE]` sends nothing;
/// - `data: {"error": …}` (a failure after the start) becomes one `error` event in the
///   Messages shape, and the stream then ends without `message_stop`, as the Messages API's do;
/// - keep-alive comments become `ping` events; the gateway's cost (`usage.cost_usd` of the
///   usage chunk) becomes the comment `: x-switchyard-cost-usd=…` before `message_delta`, and
///   the gateway's own `: x-switchyard-…` comments pass through.
package struct MessagesStreamTranslator: Sendable {
    private enum Block: Equatable {
        case text
        case thinking
        case tool(Int)
    }

    private var parser = SSEParser()
    private let fallbackModel: String
    private let stopSequences: [String]
    private let promptEstimate: Int
    private var started = false
    private var ended = false
    private var nextIndex = 0
    private var current: (block: Block, index: Int)?
    /// The Messages block index of each chat tool call (by its `index`).
    private var toolBlocks: [Int: Int] = [:]
    private var finishReason: String?
    private var matchedStop: String?
    private var usage: TokenUsage?
    /// The gateway's `cost_usd` from the usage chunk.
    private var cost: String?

    package init(model: String, promptEstimate: Int, stopSequences: [String] = []) {
        self.fallbackModel = model
        self.promptEstimate = promptEstimate
        self.stopSequences = stopSequences
    }

    /// Chat SSE bytes in; Messages SSE bytes out.
    package mutating func consume(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        guard !ended else { return [] }
        let events: [SSEEvent]
        do {
            events = try parser.feed(bytes)
        } catch {
            return fail("The upstream sent an event larger than the gateway accepts.")
        }
        var out: [UInt8] = []
        for event in events where !ended { handle(event, into: &out) }
        return out
    }

    /// The end of the relayed stream: closes the message (unless it failed).
    package mutating func finish() -> [UInt8] {
        guard !ended else { return [] }
        var out: [UInt8] = []
        for event in parser.finish() where !ended { handle(event, into: &out) }
        guard !ended else { return out }
        ended = true
        if !started { start(id: "", model: fallbackModel, into: &out) }
        closeCurrent(into: &out)
        if let cost { out.append(contentsOf: SSEWriter.comment(Array("x-switchyard-cost-usd=\(cost)".utf8))) }
        let (reason, sequence) = MessagesResponse.stopReason(finish: finishReason ?? "stop", matchedStop: matchedStop)
        let usageJSON = usage.map(MessagesResponse.usageJSON) ?? "{\"output_tokens\":0}"
        let reasonJSON = reason.map(JSONString.quoted) ?? "null"
        let sequenceJSON = sequence.map(JSONString.quoted) ?? "null"
        var delta = "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":" + reasonJSON
        delta += ",\"stop_sequence\":" + sequenceJSON + "},\"usage\":" + usageJSON + "}"
        emit("message_delta", delta, into: &out)
        emit("message_stop", "{\"type\":\"message_stop\"}", into: &out)
        return out
    }

    private mutating func handle(_ event: SSEEvent, into out: inout [UInt8]) {
        switch event {
        case .comment(let text):
            if text.starts(with: "x-switchyard-".utf8) {
                out.append(contentsOf: SSEWriter.comment(text))
            } else if started {
                emit("ping", "{\"type\":\"ping\"}", into: &out)
            }
        case .data(let payload):
            if payload.elementsEqual("[DONE]".utf8) { return }
            guard let d = try? JSONDocument(bytes: payload), d.root.kind == .object else { return }
            if let error = d.member("error", of: d.root) {
                let message = d.member("message", of: error).flatMap(d.string) ?? d.string(error) ?? "The upstream failed during the stream."
                out += fail(message, status: MessagesResponse.status(ofOpenAIError: error, in: d))
                return
            }
            chunk(d, into: &out)
        }
    }

    private mutating func chunk(_ d: JSONDocument, into out: inout [UInt8]) {
        if !started {
            let id = d.member("id", of: d.root).flatMap(d.string) ?? ""
            let model = d.member("model", of: d.root).flatMap(d.string) ?? fallbackModel
            start(id: id, model: model, into: &out)
        }
        if let object = UsageReader.usageObject(in: d, object: d.root) {
            usage = UsageReader.read(object, in: d)
            if let text = d.member("cost_usd", of: object).flatMap(d.string), text.utf8.count <= 64 { cost = text }
        }
        guard let choices = d.member("choices", of: d.root), let choice = d.firstElement(of: choices) else { return }
        if let delta = d.member("delta", of: choice), delta.kind == .object {
            if let text = d.member("reasoning_content", of: delta).flatMap(d.string), !text.isEmpty {
                openBlock(.thinking, into: &out)
                emitDelta(["type": "thinking_delta", "thinking": text], into: &out)
            }
            if let text = d.member("content", of: delta).flatMap(d.string), !text.isEmpty {
                openBlock(.text, into: &out)
                emitDelta(["type": "text_delta", "text": text], into: &out)
            }
            if let calls = d.member("tool_calls", of: delta) {
                for (position, call) in d.elements(of: calls).enumerated() {
                    let toolIndex = d.member("index", of: call).flatMap(d.int) ?? position
                    var blockIndex = toolBlocks[toolIndex]
                    if blockIndex == nil {
                        closeCurrent(into: &out)
                        let id = d.member("id", of: call).flatMap(d.string) ?? RandomID.hex(prefix: "toolu_")
                        let name = d.value(at: "function", "name", from: call).flatMap(d.string) ?? ""
                        blockIndex = nextIndex
                        toolBlocks[toolIndex] = nextIndex
                        current = (.tool(toolIndex), nextIndex)
                        nextIndex += 1
                        var opening = "{\"type\":\"content_block_start\",\"index\":\(nextIndex - 1),\"content_block\":{\"type\":\"tool_use\",\"id\":"
                        opening += JSONString.quoted(id) + ",\"name\":" + JSONString.quoted(name) + ",\"input\":{}}}"
                        emit("content_block_start", opening, into: &out)
                    }
                    if let index = blockIndex, let arguments = d.value(at: "function", "arguments", from: call).flatMap(d.string), !arguments.isEmpty {
                        let json = "{\"type\":\"content_block_delta\",\"index\":\(index),\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
                        emit("content_block_delta", json + JSONString.quoted(arguments) + "}}", into: &out)
                    }
                }
            }
        }
        if let finish = d.member("finish_reason", of: choice).flatMap(d.string) {
            finishReason = finish
            if let matched = d.member("stop_reason", of: choice).flatMap(d.string), stopSequences.contains(matched) { matchedStop = matched }
        }
    }

    private mutating func start(id: String, model: String, into out: inout [UInt8]) {
        started = true
        var message = "{\"type\":\"message_start\",\"message\":{\"id\":" + JSONString.quoted(MessagesResponse.messageID(id))
        message += ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + JSONString.quoted(model)
        message += ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":\(max(0, promptEstimate)),\"output_tokens\":0}}}"
        emit("message_start", message, into: &out)
        emit("ping", "{\"type\":\"ping\"}", into: &out)
    }

    /// Makes `block` the open one (a text or thinking block; tool blocks open by ID).
    private mutating func openBlock(_ block: Block, into out: inout [UInt8]) {
        if let current, current.block == block { return }
        closeCurrent(into: &out)
        let start = block == .text ? "{\"type\":\"text\",\"text\":\"\"}" : "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"
        current = (block, nextIndex)
        emit("content_block_start", "{\"type\":\"content_block_start\",\"index\":\(nextIndex),\"content_block\":" + start + "}", into: &out)
        nextIndex += 1
    }

    private func emitDelta(_ fields: KeyValuePairs<String, String>, into out: inout [UInt8]) {
        guard let current else { return }
        let body = fields.map { JSONString.quoted($0.key) + ":" + JSONString.quoted($0.value) }.joined(separator: ",")
        emit("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":\(current.index),\"delta\":{" + body + "}}", into: &out)
    }

    private mutating func closeCurrent(into out: inout [UInt8]) {
        guard let open = current else { return }
        current = nil
        emit("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":\(open.index)}", into: &out)
    }

    private mutating func fail(_ message: String, status: Int = 500) -> [UInt8] {
        ended = true
        var out: [UInt8] = []
        let (_, type) = MessagesResponse.errorKind(status: status)
        emit("error", MessagesResponse.errorBody(type: type, message: message), into: &out)
        return out
    }

    private func emit(_ name: String, _ json: String, into out: inout [UInt8]) {
        out.append(contentsOf: "event: ".utf8)
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: "\ndata: ".utf8)
        out.append(contentsOf: json.utf8)
        out.append(contentsOf: "\n\n".utf8)
    }
}
