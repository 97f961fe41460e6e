import Foundation
import SwitchyardCore

/// What the bench tool sends: chat requests from a built-in generator or a JSONL file.
package struct BenchWorkload: Sendable {
    package var models: [String]
    package var stream: Bool
    package var maxTokens: Int?
    /// Mean prompt length in tokens (about four characters each) and the spread around it.
    package var promptTokens: Int
    package var promptSpread: Int
    /// Request bodies from a file (their `model` is replaced when `models` is not empty).
    package var bodies: [[UInt8]]
    package var seed: UInt64

    package init(models: [String], stream: Bool = true, maxTokens: Int? = nil, promptTokens: Int = 200, promptSpread: Int = 100,
                bodies: [[UInt8]] = [], seed: UInt64 = 1) {
        self.models = models
        self.stream = stream
        self.maxTokens = maxTokens
        self.promptTokens = promptTokens
        self.promptSpread = promptSpread
        self.bodies = bodies
        self.seed = seed
    }

    private static let words = ["latency", "budget", "region", "failover", "token", "stream", "model", "price", "throughput", "gateway",
                                "request", "answer", "summary", "report", "cluster", "deployment"]
    /// The words as bytes: plain lowercase ASCII, nothing JSON must escape, so the prompt is
    /// written into the body as it is (quoting a 200-word prompt per request was a quarter of
    /// the bench client's CPU in an open-loop run).
    private static let wordBytes = words.map { Array($0.utf8) }

    /// The n-th request: the same n always gives the same body.
    package func body(_ n: Int) -> (model: String, body: [UInt8]) {
        let model = models.isEmpty ? "" : models[n % models.count]
        if !bodies.isEmpty {
            let original = bodies[n % bodies.count]
            guard !model.isEmpty, let chat = try? ChatRequest(body: original) else {
                let name = (try? ChatRequest(body: original))?.model ?? "unknown"
                return (name, original)
            }
            return (model, chat.upstreamBody(model: model))
        }
        var rng = SeededRandom(seed: seed &+ UInt64(n) &* 0x9E37_79B9_7F4A_7C15)
        let spread = max(0, promptSpread)
        let tokens = max(1, promptTokens - spread + Int(rng.next() % UInt64(2 * spread + 1)))
        var json: [UInt8] = []
        json.reserveCapacity(128 + tokens * 11)
        json += "{\"model\":\(JSONString.quoted(model)),\"messages\":[{\"role\":\"user\",\"content\":\"Request \(n). Summarise: ".utf8
        for _ in 0..<tokens {
            json += Self.wordBytes[Int(rng.next() % UInt64(Self.words.count))]
            json.append(0x20)
        }
        json += "\"}]".utf8
        if stream { json += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}".utf8 }
        if let maxTokens { json += ",\"max_tokens\":\(maxTokens)".utf8 }
        json.append(0x7D)  // }
        return (model, json)
    }

    /// Reads a JSONL file of chat request bodies; errors name the line.
    package static func loadBodies(path: String) throws -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
        var bodies: [[UInt8]] = []
        for (index, line) in data.split(separator: 0x0A).enumerated() {
            let bytes = Array(line).filter { $0 != 0x0D }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                _ = try ChatRequest(body: bytes)
            } catch {
                throw BenchError("\(path):\(index + 1): \(error.message)")
            }
            bodies.append(bytes)
        }
        guard !bodies.isEmpty else { throw BenchError("\(path) holds no requests") }
        return bodies
    }
}

package struct BenchError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
