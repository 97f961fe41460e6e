import Foundation

/// Checks a batch input file line by line as it arrives: each line a JSON object
/// `{"custom_id", "method": "POST", "url", "body"}` (OpenAI's Batch API input format), the
/// `url` an endpoint batches run, the `custom_id` unique in the file, at most `maxLines` lines
/// and `maxBytes` bytes. Errors name the line, counted from 1 as OpenAI does.
package struct BatchInputValidator: Sendable {
    package static let endpoints: Set<String> = ["/v1/chat/completions", "/v1/embeddings"]
    package static let defaultMaxBytes = 200 << 20
    package static let defaultMaxLines = 50_000
    /// A `custom_id` longer than this is refused (OpenAI's own limit is 512 characters).
    package static let maxCustomIDBytes = 512

    package let maxBytes: Int
    package let maxLines: Int
    /// The longest line (one request): a line is held in memory while it is checked.
    package let maxLineBytes: Int
    package private(set) var bytes = 0
    package private(set) var lines = 0
    /// Each line's `url`, counted (a batch's `endpoint` must match every line).
    package private(set) var urls: [String: Int] = [:]
    private var line: [UInt8] = []
    private var seen: [String: Int] = [:]
    private var lineNumber = 0

    package init(maxBytes: Int = defaultMaxBytes, maxLines: Int = defaultMaxLines, maxLineBytes: Int = 16 << 20) {
        self.maxBytes = maxBytes
        self.maxLines = maxLines
        self.maxLineBytes = maxLineBytes
    }

    package mutating func consume(_ chunk: [UInt8]) throws(OpenAIError) {
        bytes += chunk.count
        guard bytes <= maxBytes else {
            throw OpenAIError(.requestTooLarge, "The file is larger than the limit of \(maxBytes) bytes.", param: "file")
        }
        var start = 0
        while start < chunk.count {
            // memchr: the file's bytes pass here once, and a byte loop is slow in debug builds.
            let newline = chunk.withUnsafeBufferPointer { buffer -> Int? in
                guard let base = buffer.baseAddress, let hit = memchr(base + start, 0x0A, buffer.count - start) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            let end = newline ?? chunk.count
            guard line.count + (end - start) <= maxLineBytes else {
                throw OpenAIError(.invalidValue, "Line \(lineNumber + 1): longer than \(maxLineBytes) bytes.", param: "file")
            }
            line.append(contentsOf: chunk[start..<end])
            guard let newline else { break }
            try endLine()
            start = newline + 1
        }
    }

    /// The end of the file: checks a last line without a newline, and that there was one.
    package mutating func finish() throws(OpenAIError) {
        if !line.isEmpty { try endLine() }
        guard lines > 0 else { throw OpenAIError(.invalidValue, "The file has no requests: it must hold one JSON request per line.", param: "file") }
    }

    private mutating func endLine() throws(OpenAIError) {
        lineNumber += 1
        defer { line.removeAll(keepingCapacity: true) }
        if line.last == 0x0D { line.removeLast() }
        // Blank lines (a trailing newline, an empty last line) are not requests.
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        lines += 1
        guard lines <= maxLines else {
            throw OpenAIError(.invalidValue, "The file has more than \(maxLines) requests (line \(lineNumber)).", param: "file")
        }
        let url = try Self.check(line, number: lineNumber, seen: &seen)
        urls[url, default: 0] += 1
    }

    /// One line's checks; returns its `url`.
    static func check(_ line: [UInt8], number: Int, seen: inout [String: Int]) throws(OpenAIError) -> String {
        func refuse(_ why: String) -> OpenAIError {
            OpenAIError(.invalidValue, "Line \(number): \(why)", param: "file")
        }
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: line, strict: true)
        } catch {
            throw refuse("not valid JSON (\(error)).")
        }
        guard document.root.kind == .object else { throw refuse("must be a JSON object.") }
        // One pass over the members: each lookup by name would scan the line again.
        var idValue: JSONValue?, methodValue: JSONValue?, urlValue: JSONValue?, bodyValue: JSONValue?
        for (key, value) in document.members(of: document.root) {
            switch key {
            case "custom_id": idValue = value
            case "method": methodValue = value
            case "url": urlValue = value
            case "body": bodyValue = value
            default: throw refuse("unknown field '\(key.prefix(64))' (a line has custom_id, method, url and body).")
            }
        }
        guard let idValue else { throw refuse("'custom_id' is missing.") }
        guard let id = document.string(idValue), !id.isEmpty else { throw refuse("'custom_id' must be a non-empty string.") }
        guard id.utf8.count <= maxCustomIDBytes else { throw refuse("'custom_id' is longer than \(maxCustomIDBytes) bytes.") }
        if let first = seen[id] {
            throw refuse("the custom_id '\(id.prefix(64))' is also on line \(first); each custom_id must be unique in the file.")
        }
        seen[id] = number
        guard let method = methodValue.flatMap({ document.string($0) }) else {
            throw refuse("'method' is missing or not a string; it must be \"POST\".")
        }
        guard method == "POST" else { throw refuse("'method' must be \"POST\", not '\(method.prefix(16))'.") }
        guard let url = urlValue.flatMap({ document.string($0) }) else {
            throw refuse("'url' is missing or not a string.")
        }
        guard endpoints.contains(url) else {
            throw refuse("'url' must be /v1/chat/completions or /v1/embeddings, not '\(url.prefix(64))'.")
        }
        guard let body = bodyValue else { throw refuse("'body' is missing.") }
        guard body.kind == .object else { throw refuse("'body' must be a JSON object.") }
        guard let model = document.member("model", of: body).flatMap({ document.string($0) }), !model.isEmpty else {
            throw refuse("'body.model' is missing or not a string.")
        }
        return url
    }
}
