import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct FileUploadTests {
    static let boundary = "----sy-boundary-42"

    static func line(_ id: String, url: String = "/v1/chat/completions") -> String {
        #"{"custom_id":"\#(id)","method":"POST","url":"\#(url)","body":{"model":"glm-5","messages":[{"role":"user","content":"hi"}]}}"#
    }

    static func body(purpose: String? = "batch", file: String?, filename: String = "in.jsonl") -> [UInt8] {
        var text = "preamble\r\n"
        if let purpose { text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\(purpose)\r\n" }
        if let file {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/jsonl\r\n\r\n\(file)\r\n"
        }
        text += "--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    /// Feeds `body` in chunks of `size` bytes; returns the file bytes handed on and the result.
    static func run(_ body: [UInt8], chunk size: Int) throws(OpenAIError) -> ([UInt8], FileUpload.Result) {
        var upload = FileUpload(contentType: "multipart/form-data; boundary=\(boundary)")!
        var written: [UInt8] = []
        var start = 0
        while start < body.count {
            let end = min(body.count, start + size)
            for piece in try upload.consume(body[start..<end]) { written += piece }
            start = end
        }
        return (written, try upload.finish())
    }

    @Test(arguments: [1, 2, 7, 64, 100_000])
    func fileBytesPassThroughWhateverTheChunking(size: Int) throws {
        let file = (1...3).map { Self.line("req-\($0)") }.joined(separator: "\n") + "\n"
        let (written, result) = try Self.run(Self.body(file: file), chunk: size)
        #expect(written == Array(file.utf8))
        #expect(result.lines == 3 && result.bytes == file.utf8.count && result.purpose == "batch" && result.filename == "in.jsonl")
        #expect(result.urls == ["/v1/chat/completions": 3])
    }

    @Test func boundaryTextInsideTheFileIsNotABoundary() throws {
        let file = Self.line("a").replacingOccurrences(of: "hi", with: "--\(Self.boundary) not at a line start") + "\n"
        let (written, result) = try Self.run(Self.body(file: file), chunk: 5)
        #expect(written == Array(file.utf8))
        #expect(result.lines == 1)
    }

    func refusal(_ body: [UInt8], chunk: Int = 13) -> OpenAIError? {
        do { _ = try Self.run(body, chunk: chunk); return nil } catch { return error }
    }

    @Test func badLinesAreNamedByNumber() {
        let cases: [(String, String)] = [
            (Self.line("a") + "\n{not json\n", "Line 2: not valid JSON"),
            (Self.line("a") + "\n" + Self.line("a") + "\n", "Line 2: the custom_id 'a' is also on line 1"),
            (Self.line("a") + "\n\n" + Self.line("b", url: "/v1/completions"), "Line 3: 'url' must be /v1/chat/completions or /v1/embeddings"),
            (#"{"custom_id":"a","method":"GET","url":"/v1/embeddings","body":{"model":"m"}}"#, "Line 1: 'method' must be \"POST\""),
            (#"{"custom_id":"","method":"POST","url":"/v1/embeddings","body":{"model":"m"}}"#, "Line 1: 'custom_id' must be a non-empty string"),
            (#"{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":[]}"#, "Line 1: 'body' must be a JSON object"),
            (#"{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{}}"#, "Line 1: 'body.model' is missing"),
            (#"{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{"model":"m"},"x":1}"#, "Line 1: unknown field 'x'"),
            ("[1]", "Line 1: must be a JSON object"),
            ("\n\n", "no requests"),
        ]
        for (file, words) in cases {
            let error = refusal(Self.body(file: file))
            #expect(error?.status == 400, "\(file)")
            #expect(error?.message.contains(words) == true, "\(error?.message ?? "accepted"): \(file)")
        }
    }

    @Test func purposeFileAndFramingAreChecked() {
        #expect(refusal(Self.body(purpose: nil, file: Self.line("a")))?.param == "purpose")
        #expect(refusal(Self.body(purpose: "fine-tune", file: Self.line("a")))?.message.contains("must be \"batch\"") == true)
        #expect(refusal(Self.body(file: nil))?.param == "file")
        let cut = Array(Self.body(file: Self.line("a")).dropLast(12))
        #expect(refusal(cut)?.message.contains("closing boundary") == true)
        #expect(FileUpload(contentType: "application/json") == nil)
        #expect(FileUpload(contentType: "multipart/form-data") == nil)
    }

    @Test func limitsOnBytesAndLines() throws {
        var small = FileUpload(contentType: "multipart/form-data; boundary=\(Self.boundary)", maxBytes: 100, maxLines: 2)!
        let big = Self.body(file: Self.line("a"))
        #expect(throws: OpenAIError.self) { _ = try small.consume(big) }
        var few = FileUpload(contentType: "multipart/form-data; boundary=\(Self.boundary)", maxLines: 2)!
        let three = Self.body(file: (1...3).map { Self.line("\($0)") }.joined(separator: "\n"))
        do {
            _ = try few.consume(three)
            _ = try few.finish()
            Issue.record("three lines accepted")
        } catch {
            #expect(error.message.contains("more than 2 requests (line 3)"))
        }
    }

    @Test func defaultsAreOpenAIsLimits() {
        #expect(BatchInputValidator.defaultMaxBytes == 200 * 1024 * 1024)
        #expect(BatchInputValidator.defaultMaxLines == 50_000)
        var validator = BatchInputValidator(maxLineBytes: 10)
        #expect(throws: OpenAIError.self) { try validator.consume(Array(repeating: 0x20, count: 11)) }
    }

    @Test func multipartBoundaryFromContentType() {
        #expect(MultipartReader.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartReader.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(MultipartReader.boundary(contentType: "multipart/mixed; boundary=abc") == nil)
    }
}
