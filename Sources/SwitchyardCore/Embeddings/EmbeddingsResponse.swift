import Foundation

/// An upstream's embeddings answer, checked and rendered in OpenAI's shape for the client:
/// `{"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage"}`.
/// Vectors come back as the upstream wrote them (`float`) or as base64 of little-endian
/// 32-bit floats (`base64`, what OpenAI's SDKs ask for by default).
package struct EmbeddingsResponse: Sendable {
    /// The vectors in input order, each as the raw JSON array the upstream sent.
    package var vectors: [ArraySlice<UInt8>]
    package var usage: TokenUsage?

    package enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case notEmbeddings(String)
        package var description: String {
            switch self { case .notEmbeddings(let why): return why }
        }
    }

    /// Reads `document` (the upstream's JSON object) for `expected` inputs.
    package init(document: JSONDocument, expected: Int) throws(Problem) {
        guard let data = document.member("data", of: document.root), data.kind == .array else {
            throw .notEmbeddings("the answer has no 'data' array")
        }
        let items = document.elements(of: data)
        guard items.count == expected else {
            throw .notEmbeddings("the answer has \(items.count) embeddings for \(expected) inputs")
        }
        var slots = [ArraySlice<UInt8>?](repeating: nil, count: expected)
        var dimensions: Int?
        for (position, item) in items.enumerated() {
            guard item.kind == .object, let vector = document.member("embedding", of: item), vector.kind == .array else {
                throw .notEmbeddings("data[\(position)] has no 'embedding' array")
            }
            let values = document.elements(of: vector)
            guard !values.isEmpty, values.allSatisfy({ $0.kind == .number }) else {
                throw .notEmbeddings("data[\(position)].embedding is not an array of numbers")
            }
            if let dimensions, dimensions != values.count {
                throw .notEmbeddings("the embeddings have different lengths (\(dimensions) and \(values.count))")
            }
            dimensions = values.count
            let index = document.member("index", of: item).flatMap { document.int($0) } ?? position
            guard index >= 0, index < expected, slots[index] == nil else {
                throw .notEmbeddings("data[\(position)].index \(index) is out of range or repeated")
            }
            slots[index] = document.raw(vector)
        }
        self.vectors = slots.map { $0! }
        self.usage = UsageReader.usage(in: document, object: document.root)
    }

    /// The client's body. `usage` is what the call is billed for (the upstream's or the
    /// estimate), shown as OpenAI does: `prompt_tokens` and `total_tokens`.
    package func render(model: String, encoding: EmbeddingsRequest.Encoding, usage: TokenUsage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(vectors.reduce(64) { $0 + $1.count + 48 } + 96)
        out.append(contentsOf: "{\"object\":\"list\",\"data\":[".utf8)
        for (index, vector) in vectors.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "{\"object\":\"embedding\",\"index\":\(index),\"embedding\":".utf8)
            switch encoding {
            case .float:
                out.append(contentsOf: vector)
            case .base64:
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: Self.base64(vector).utf8)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "],\"model\":\(JSONString.quoted(model)),\"usage\":{\"prompt_tokens\":\(usage.promptTokens),\"total_tokens\":\(usage.totalTokens)}}".utf8)
        return out
    }

    /// A JSON array of numbers as base64 of little-endian IEEE 754 32-bit floats.
    static func base64(_ array: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        var number: [UInt8] = []
        func flush() {
            guard !number.isEmpty else { return }
            let value = Float(String(decoding: number, as: UTF8.self)) ?? 0
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
            number.removeAll(keepingCapacity: true)
        }
        for byte in array {
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","), 0x20, 0x09, 0x0A, 0x0D: flush()
            default: number.append(byte)
            }
        }
        flush()
        return Data(bytes).base64EncodedString()
    }
}

/// The simulator's vectors: a deterministic unit vector per input, seeded by the input (its
/// text, or its token IDs), so the same input always gets the same vector.
package enum EmbeddingVector {
    package static func unit(for input: EmbeddingsRequest.Input, dimensions: Int) -> [Float] {
        let seedText: String
        switch input {
        case .text(let text): seedText = "t:" + text
        case .tokens(let ids): seedText = "k:" + ids.map(String.init).joined(separator: ",")
        }
        var rng = SeededRandom(seed: SeededRandom.hash(seedText))
        var values = [Double](repeating: 0, count: max(1, dimensions))
        var norm = 0.0
        for i in values.indices {
            // Uniform in (-1, 1): the direction is what matters, and it is spread evenly enough.
            let v = rng.unit() * 2 - 1
            values[i] = v
            norm += v * v
        }
        norm = norm.squareRoot()
        if norm == 0 { values[0] = 1; norm = 1 }
        return values.map { Float($0 / norm) }
    }

    /// A vector as a JSON array.
    package static func json(_ vector: [Float]) -> String {
        "[" + vector.map { $0.description }.joined(separator: ",") + "]"
    }
}
