import Foundation

/// A batch input file read for running: one entry per request line, with its `custom_id` and
/// the byte range of its `body` in the file. The file was checked line by line at upload
/// (`BatchInputValidator`); here every line's `url` must also be the batch's endpoint, and a
/// chat body may not ask for a stream (a batch line's answer is one JSON object). Errors name
/// the line, counted from 1.
package struct BatchInput: Sendable {
    package struct Line: Sendable, Hashable {
        /// The line's number in the file, from 1 (blank lines count, as in the upload's errors).
        package var number: Int
        package var customID: String
        package var body: Range<Int>
    }

    package let bytes: [UInt8]
    package let lines: [Line]

    package init(bytes: [UInt8], endpoint: String) throws(OpenAIError) {
        self.bytes = bytes
        var lines: [Line] = []
        var seen: [String: Int] = [:]
        var start = 0
        var number = 0
        while start < bytes.count {
            let newline = bytes.withUnsafeBufferPointer { buffer -> Int? in
                guard let base = buffer.baseAddress, let hit = memchr(base + start, 0x0A, buffer.count - start) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            let lineEnd = newline ?? bytes.count
            number += 1
            var end = lineEnd
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            if !bytes[start..<end].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                lines.append(try Self.line(bytes, start..<end, number: number, endpoint: endpoint, seen: &seen))
            }
            start = lineEnd + 1
        }
        guard !lines.isEmpty else {
            throw OpenAIError(.invalidValue, "The input file has no requests.", param: "input_file_id")
        }
        self.lines = lines
    }

    /// A line's request body.
    package func body(of line: Line) -> [UInt8] { Array(bytes[line.body]) }

    private static func line(_ bytes: [UInt8], _ range: Range<Int>, number: Int, endpoint: String, seen: inout [String: Int]) throws(OpenAIError) -> Line {
        func refuse(_ why: String) -> OpenAIError {
            OpenAIError(.invalidValue, "Line \(number) of the input file: \(why)", param: "input_file_id")
        }
        let text = Array(bytes[range])
        var ids = seen
        // The upload's checks again (the file may predate them, or have been changed on disk).
        do throws(OpenAIError) {
            _ = try BatchInputValidator.check(text, number: number, seen: &ids)
        } catch {
            throw refuse(String(error.message.drop { $0 != ":" }.dropFirst(2)))
        }
        seen = ids
        guard let document = try? JSONDocument(bytes: text, strict: true),
              let id = document.member("custom_id", of: document.root).flatMap(document.string),
              let url = document.member("url", of: document.root).flatMap(document.string),
              let body = document.member("body", of: document.root) else {
            throw refuse("not a batch request.")
        }
        guard url == endpoint else {
            throw refuse("its url is '\(url.prefix(64))' but the batch's endpoint is \(endpoint); every line must use the batch's endpoint.")
        }
        if endpoint == "/v1/chat/completions", let stream = document.member("stream", of: body), stream.kind == .true {
            throw refuse("'body.stream' is true; a batch line's answer is one JSON object, so leave stream out or false.")
        }
        return Line(number: number, customID: id, body: (range.lowerBound + body.range.lowerBound)..<(range.lowerBound + body.range.upperBound))
    }
}
