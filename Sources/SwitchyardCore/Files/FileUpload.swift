/// `POST /v1/files` read as it arrives: the multipart body's `file` part is checked line by
/// line (`BatchInputValidator`) and handed on to be written to disk; the `purpose` field is
/// kept. Pure: bytes in, the file's bytes out, or an OpenAI error naming the problem.
package struct FileUpload: Sendable {
    private var reader: MultipartReader
    private var validator: BatchInputValidator
    private enum Part { case none, file, purpose, other }
    private var part = Part.none
    private var purposeBytes: [UInt8] = []
    private var sawFile = false
    private var sawPurpose = false
    package private(set) var filename: String?

    package struct Result: Sendable, Hashable {
        package var purpose: String
        package var filename: String
        package var bytes: Int
        package var lines: Int
        /// Requests per `url` (a batch's endpoint must match all of them).
        package var urls: [String: Int]
    }

    /// nil when `contentType` is not `multipart/form-data` with a boundary.
    package init?(contentType: String, maxBytes: Int = BatchInputValidator.defaultMaxBytes, maxLines: Int = BatchInputValidator.defaultMaxLines,
                 maxLineBytes: Int = 16 << 20) {
        guard let boundary = MultipartReader.boundary(contentType: contentType) else { return nil }
        reader = MultipartReader(boundary: boundary)
        validator = BatchInputValidator(maxBytes: maxBytes, maxLines: maxLines, maxLineBytes: maxLineBytes)
    }

    /// The next bytes of the body; returns the file's bytes among them (to be written).
    package mutating func consume(_ bytes: some Sequence<UInt8>) throws(OpenAIError) -> [[UInt8]] {
        let events: [MultipartReader.Event]
        do {
            events = try reader.consume(bytes)
        } catch {
            throw OpenAIError(.invalidRequest, "The multipart body is malformed: \(error.description).")
        }
        var out: [[UInt8]] = []
        for event in events {
            switch event {
            case .partStart(let name, let filename):
                switch name {
                case "file":
                    guard !sawFile else { throw OpenAIError(.invalidRequest, "Only one 'file' may be uploaded per request.", param: "file") }
                    sawFile = true
                    self.filename = StoredFile.cleanName(filename)
                    part = .file
                case "purpose":
                    sawPurpose = true
                    part = .purpose
                default:
                    part = .other
                }
            case .data(let data):
                switch part {
                case .file:
                    try validator.consume(data)
                    out.append(data)
                case .purpose:
                    purposeBytes.append(contentsOf: data)
                    guard purposeBytes.count <= 64 else { throw OpenAIError(.invalidValue, "'purpose' must be \"batch\".", param: "purpose") }
                case .other, .none:
                    break
                }
            case .partEnd:
                if part == .purpose { _ = try checkedPurpose() }
                part = .none
            }
        }
        return out
    }

    /// The body has ended: the file's totals, or what is wrong.
    package mutating func finish() throws(OpenAIError) -> Result {
        do {
            try reader.finish()
        } catch {
            throw OpenAIError(.invalidRequest, "The multipart body is malformed: \(error.description).")
        }
        guard sawPurpose else { throw OpenAIError(.missingRequiredParameter, "Missing required parameter: 'purpose'.", param: "purpose") }
        let purpose = try checkedPurpose()
        guard sawFile else { throw OpenAIError(.missingRequiredParameter, "Missing required parameter: 'file'.", param: "file") }
        try validator.finish()
        return Result(purpose: purpose, filename: filename ?? "upload.jsonl", bytes: validator.bytes, lines: validator.lines, urls: validator.urls)
    }

    private func checkedPurpose() throws(OpenAIError) -> String {
        let purpose = String(decoding: purposeBytes, as: UTF8.self)
        guard purpose == "batch" else {
            throw OpenAIError(.invalidValue, "'purpose' must be \"batch\" (the only purpose this gateway takes), not '\(purpose.prefix(32))'.", param: "purpose")
        }
        return purpose
    }
}
