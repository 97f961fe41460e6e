import Foundation

/// `POST /v1/embeddings` in OpenAI's shape: `model`, `input` (a string, an array of strings, an
/// array of token IDs or an array of token arrays), `encoding_format` (`float` or `base64`),
/// `dimensions`, `user`. The gateway always asks the upstream for floats and encodes base64
/// itself (`EmbeddingsResponse`), so every family answers both formats; other fields pass
/// through byte for byte.
package struct EmbeddingsRequest: Sendable {
    package enum Encoding: String, Sendable {
        case float
        case base64
    }

    /// One input row.
    package enum Input: Sendable, Hashable {
        case text(String)
        case tokens([Int])
    }

    package let document: JSONDocument
    package let model: String
    package let inputs: [Input]
    package let encoding: Encoding
    package let dimensions: Int?
    /// Models to fall back to (the `models` extension field, as on chat).
    package let fallbackModels: [String]

    /// OpenAI's own limits: 2,048 inputs per request, 2,048 dimensions at most on its models
    /// (Qwen's `text-embedding-v4` also stops at 2,048; GLM's `embedding-3` too).
    package static let maxInputs = 2_048
    package static let maxDimensions = 8_192
    /// A token ID above this is no real vocabulary's.
    static let maxTokenID = 10_000_000

    package init(body: [UInt8]) throws(OpenAIError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body, strict: true)
        } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)).", as: .invalidJSON)
        }
        guard document.root.kind == .object else {
            throw .invalidRequest("The request body must be a JSON object.", as: .invalidJSON)
        }
        guard let modelValue = document.member("model", of: document.root) else {
            throw .invalidRequest("You must provide a model parameter.", param: "model", as: .missingRequiredParameter)
        }
        guard let model = document.string(modelValue), !model.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw .invalidRequest("'model' must be a non-empty string.", param: "model", as: .invalidType)
        }
        guard model.utf8.count <= 256 else {
            throw .invalidRequest("'model' is longer than 256 bytes.", param: "model", as: .invalidValue)
        }
        guard let input = document.member("input", of: document.root), input.kind != .null else {
            throw .invalidRequest("Missing required parameter: 'input'.", param: "input", as: .missingRequiredParameter)
        }
        self.inputs = try Self.inputs(input, in: document)
        var encoding = Encoding.float
        if let value = document.member("encoding_format", of: document.root), value.kind != .null {
            guard let text = document.string(value) else {
                throw .invalidRequest("'encoding_format' must be a string: 'float' or 'base64'.", param: "encoding_format", as: .invalidType)
            }
            guard let known = Encoding(rawValue: text) else {
                throw .invalidRequest("'encoding_format' must be 'float' or 'base64', not '\(text.prefix(40))'.", param: "encoding_format", as: .invalidValue)
            }
            encoding = known
        }
        var dimensions: Int?
        if let value = document.member("dimensions", of: document.root), value.kind != .null {
            guard let n = document.int(value) else {
                throw .invalidRequest("'dimensions' must be an integer.", param: "dimensions", as: .invalidType)
            }
            guard n >= 1, n <= Self.maxDimensions else {
                throw .invalidRequest("'dimensions' must be between 1 and \(Self.maxDimensions).", param: "dimensions", as: .invalidValue)
            }
            dimensions = n
        }
        var fallbackModels: [String] = []
        if let list = document.member("models", of: document.root), list.kind != .null {
            guard list.kind == .array else {
                throw .invalidRequest("'models' must be an array of model IDs.", param: "models", as: .invalidType)
            }
            for (index, item) in document.elements(of: list).enumerated() {
                guard let name = document.string(item), !name.isEmpty, name.utf8.count <= 256 else {
                    throw .invalidRequest("'models[\(index)]' must be a model ID.", param: "models[\(index)]", as: .invalidType)
                }
                fallbackModels.append(name)
            }
            guard fallbackModels.count <= 16 else {
                throw .invalidRequest("'models' may list at most 16 models.", param: "models", as: .invalidValue)
            }
        }
        self.document = document
        self.model = model
        self.encoding = encoding
        self.dimensions = dimensions
        self.fallbackModels = fallbackModels
    }

    private static func inputs(_ input: JSONValue, in document: JSONDocument) throws(OpenAIError) -> [Input] {
        if let text = document.string(input) {
            guard !text.isEmpty else { throw .invalidRequest("'input' cannot be an empty string.", param: "input", as: .invalidValue) }
            return [.text(text)]
        }
        guard input.kind == .array else {
            throw .invalidRequest("'input' must be a string, an array of strings, an array of token IDs or an array of token arrays.",
                                  param: "input", as: .invalidType)
        }
        let elements = document.elements(of: input)
        guard !elements.isEmpty else { throw .invalidRequest("'input' must not be an empty array.", param: "input", as: .emptyArray) }
        guard elements.count <= maxInputs else {
            throw .invalidRequest("'input' may hold at most \(maxInputs) items; it holds \(elements.count).", param: "input", as: .invalidValue)
        }
        // An array of integers is one input given as tokens.
        if elements[0].kind == .number {
            return [.tokens(try tokens(input, in: document, param: "input"))]
        }
        var out: [Input] = []
        out.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            if let text = document.string(element) {
                guard !text.isEmpty else {
                    throw .invalidRequest("'input[\(index)]' cannot be an empty string.", param: "input[\(index)]", as: .invalidValue)
                }
                out.append(.text(text))
            } else if element.kind == .array {
                out.append(.tokens(try tokens(element, in: document, param: "input[\(index)]")))
            } else {
                throw .invalidRequest("'input[\(index)]' must be a string or an array of token IDs.", param: "input[\(index)]", as: .invalidType)
            }
        }
        return out
    }

    private static func tokens(_ array: JSONValue, in document: JSONDocument, param: String) throws(OpenAIError) -> [Int] {
        var out: [Int] = []
        for (index, element) in document.elements(of: array).enumerated() {
            guard let id = document.int(element), id >= 0, id <= maxTokenID else {
                throw .invalidRequest("'\(param)[\(index)]' must be a token ID (a non-negative integer).", param: "\(param)[\(index)]", as: .invalidType)
            }
            out.append(id)
        }
        guard !out.isEmpty else { throw .invalidRequest("'\(param)' must not be an empty array.", param: param, as: .emptyArray) }
        return out
    }

    /// The gateway's estimate of the prompt's tokens (admission reserves it): about four bytes
    /// of text per token (CJK text about one character per token), or the tokens given.
    package var estimatedPromptTokens: Int {
        var total = 0
        for input in inputs {
            switch input {
            case .tokens(let ids): total += ids.count
            case .text(let text): total += Self.estimateTokens(text)
            }
        }
        return total
    }

    static func estimateTokens(_ text: String) -> Int {
        var cjk = 0
        var other = 0
        for scalar in text.unicodeScalars {
            if (0x3000...0x9FFF).contains(scalar.value) || (0xAC00...0xD7AF).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value) {
                cjk += 1
            } else {
                other += scalar.utf8.count
            }
        }
        return max(1, cjk + (other + 3) / 4)
    }

    /// Whether any input is given as token IDs (some families take text only).
    package var hasTokenInput: Bool {
        inputs.contains { if case .tokens = $0 { return true } else { return false } }
    }

    /// The body to send upstream: `model` replaced with the deployment's model ID,
    /// `encoding_format` set to `float` (the gateway encodes base64 itself), the `models`
    /// extension removed. Everything else is the client's, unchanged.
    package func upstreamBody(model upstreamModel: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(document.bytes.count + 32)
        for (key, value) in document.members(of: document.root) where key != "models" && key != "encoding_format" {
            out.append(contentsOf: JSONString.quoted(key).utf8)
            out.append(UInt8(ascii: ":"))
            if key == "model" {
                out.append(contentsOf: JSONString.quoted(upstreamModel).utf8)
            } else {
                out.append(contentsOf: document.raw(value))
            }
            out.append(UInt8(ascii: ","))
        }
        out.append(contentsOf: "\"encoding_format\":\"float\"}".utf8)
        return out
    }
}
