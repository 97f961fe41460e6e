/// One server-sent event.
package enum SSEEvent: Sendable, Equatable {
    /// The joined `data:` lines of an event (without the field names).
    case data([UInt8])
    /// A comment line (`: keep-alive`), without the colon.
    case comment([UInt8])
}

/// An incremental server-sent-events parser (WHATWG rules, as providers use them).
///
/// Feed it bytes as they arrive, in chunks of any size; it returns every event completed so far.
/// It tolerates `\n`, `\r\n` and `\r` line ends, comments, blank keep-alive lines, fields other than
/// `data` (ignored), frames split anywhere — including inside a UTF-8 sequence — and caps the
/// size of one event so that a broken upstream cannot exhaust memory.
package struct SSEParser: Sendable {
    package struct EventTooLarge: Error, Sendable {}

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false
    private let maxEventBytes: Int

    package init(maxEventBytes: Int = 8 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    package mutating func feed(_ bytes: some Sequence<UInt8>) throws(EventTooLarge) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }
            }
            if byte == 0x0A || byte == 0x0D {
                lastWasCR = byte == 0x0D
                if let event = endLine() { events.append(event) }
                continue
            }
            line.append(byte)
            if line.count + data.count > maxEventBytes { throw EventTooLarge() }
        }
        return events
    }

    /// Call at end of stream: an event not closed by a blank line is still delivered.
    package mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !line.isEmpty, let event = endLine() { events.append(event) }
        if hasData { events.append(.data(data)); data = []; hasData = false }
        return events
    }

    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else { return nil }
            let event = SSEEvent.data(data)
            data = []
            hasData = false
            return event
        }
        if line[0] == UInt8(ascii: ":") {
            var text = Array(line.dropFirst())
            if text.first == 0x20 { text.removeFirst() }
            return .comment(text)
        }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return nil }
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex && line[valueStart] == 0x20 { valueStart += 1 }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: line[valueStart...])
        hasData = true
        return nil
    }
}

/// Writes server-sent events.
package enum SSEWriter {
    package static func data(_ payload: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(payload.count + 8)
        out.append(contentsOf: "data: ".utf8)
        out.append(contentsOf: payload)
        out.append(contentsOf: "\n\n".utf8)
        return out
    }

    package static func comment(_ text: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = Array(": ".utf8)
        out.append(contentsOf: text)
        out.append(contentsOf: "\n\n".utf8)
        return out
    }

    package static let done: [UInt8] = Array("data: [DONE]\n\n".utf8)
}
