import Foundation

/// A `multipart/form-data` body read as it arrives (RFC 7578): bytes in, part events out, so a
/// 200 MB upload streams to disk instead of sitting in memory. A pure state machine: no I/O.
package struct MultipartReader: Sendable {
    package enum Event: Sendable, Equatable {
        /// A part begins: its form field name and, for a file, its file name.
        case partStart(name: String, filename: String?)
        /// Bytes of the current part's content.
        case data([UInt8])
        case partEnd
    }

    package struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
    }

    private enum State {
        /// Before the first boundary (a preamble is allowed and ignored).
        case preamble
        /// After a boundary line: reading the part's header lines.
        case headers
        /// Inside a part's content.
        case body
        /// After the closing boundary.
        case done
    }

    private let delimiter: [UInt8]
    private var state = State.preamble
    private var buffer: [UInt8] = []
    private var headerBytes = 0
    static let maxHeaderBytes = 16 << 10

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` value; nil when the
    /// type is not multipart/form-data or has no usable boundary.
    package static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = parts.first, type.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard !value.isEmpty, value.utf8.count <= 70 else { return nil }
            return value
        }
        return nil
    }

    package init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may start the body without a preceding CRLF.
        buffer = [0x0D, 0x0A]
    }

    package var isDone: Bool { if case .done = state { return true } else { return false } }

    package mutating func consume(_ bytes: some Sequence<UInt8>) throws(Failure) -> [Event] {
        if case .done = state { return [] }
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        while try step(&events) {}
        return events
    }

    /// The body ended: an unfinished part is an error.
    package func finish() throws(Failure) {
        guard isDone else { throw Failure(description: "the multipart body ended before its closing boundary") }
    }

    /// One step; true when it made progress and more may follow.
    private mutating func step(_ events: inout [Event]) throws(Failure) -> Bool {
        switch state {
        case .done:
            buffer.removeAll()
            return false
        case .preamble, .body:
            if let at = find(delimiter, in: buffer) {
                if case .body = state {
                    if at > 0 { events.append(.data(Array(buffer[..<at]))) }
                    events.append(.partEnd)
                }
                // After the delimiter: "--" closes the body, else CRLF starts a part's headers.
                let after = at + delimiter.count
                guard buffer.count >= after + 2 else {
                    buffer.removeFirst(at)
                    if case .body = state { state = .preamble }  // the part ended; wait for the two bytes
                    return false
                }
                if buffer[after] == UInt8(ascii: "-") && buffer[after + 1] == UInt8(ascii: "-") {
                    state = .done
                    buffer.removeAll()
                    return false
                }
                var next = after
                while next < buffer.count, buffer[next] == 0x20 || buffer[next] == 0x09 { next += 1 }
                guard buffer.count >= next + 2 else { buffer.removeFirst(at); state = .preamble; return false }
                guard buffer[next] == 0x0D, buffer[next + 1] == 0x0A else {
                    throw Failure(description: "a multipart boundary is not followed by a line break")
                }
                buffer.removeFirst(next + 2)
                state = .headers
                headerBytes = 0
                return true
            }
            // No delimiter yet: keep what could be its start, hand over the rest.
            let keep = delimiter.count - 1
            if buffer.count > keep {
                let cut = buffer.count - keep
                if case .body = state { events.append(.data(Array(buffer[..<cut]))) }
                buffer.removeFirst(cut)
            }
            return false
        case .headers:
            guard let end = find([0x0D, 0x0A, 0x0D, 0x0A], in: buffer) else {
                if buffer.count > Self.maxHeaderBytes { throw Failure(description: "a multipart part's headers are longer than 16 KB") }
                return false
            }
            let text = String(decoding: buffer[..<end], as: UTF8.self)
            buffer.removeFirst(end + 4)
            var name: String?
            var filename: String?
            for line in text.split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
                for parameter in pair[1].split(separator: ";").dropFirst() {
                    let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2 else { continue }
                    var value = kv[1]
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                    switch kv[0].lowercased() {
                    case "name": name = value
                    case "filename": filename = value
                    default: break
                    }
                }
            }
            guard let name else { throw Failure(description: "a multipart part has no Content-Disposition name") }
            events.append(.partStart(name: name, filename: filename))
            state = .body
            return true
        }
    }

    /// The first position of `needle` in `haystack` (memchr for its first byte, memcmp for the
    /// rest: a body passes here once, and a byte loop is slow in debug builds).
    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count, !needle.isEmpty else { return nil }
        return haystack.withUnsafeBufferPointer { hay -> Int? in
            needle.withUnsafeBufferPointer { pin -> Int? in
                guard let base = hay.baseAddress, let first = pin.baseAddress else { return nil }
                var i = 0
                let last = hay.count - pin.count
                while i <= last {
                    guard let raw = memchr(base + i, Int32(pin[0]), last - i + 1) else { return nil }
                    let hit = base.distance(to: raw.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + hit, first, pin.count) == 0 { return hit }
                    i = hit + 1
                }
                return nil
            }
        }
    }
}
