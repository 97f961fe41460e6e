import Foundation
import SwitchyardBench
import SwitchyardCore
import Testing

/// The built-in request generator: bodies are valid chat requests, the same for the same n.
@Suite struct BenchWorkloadTests {
    @Test func generatedBodiesAreChatRequestsAndRepeatable() throws {
        let workload = BenchWorkload(models: ["glm-5", #"odd "model"\name"#], stream: true, maxTokens: 64, promptTokens: 30, promptSpread: 10, seed: 7)
        for n in 0..<50 {
            let (model, body) = workload.body(n)
            #expect(workload.body(n).body == body)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            #expect(object["model"] as? String == model)
            #expect(model == (n % 2 == 0 ? "glm-5" : #"odd "model"\name"#))
            #expect(object["stream"] as? Bool == true)
            #expect((object["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
            #expect(object["max_tokens"] as? Int == 64)
            let messages = try #require(object["messages"] as? [[String: Any]])
            let content = try #require(messages.first?["content"] as? String)
            #expect(messages.first?["role"] as? String == "user")
            #expect(content.hasPrefix("Request \(n). Summarise: "))
            let words = content.dropFirst("Request \(n). Summarise: ".count).split(separator: " ")
            #expect((20...40).contains(words.count))
            #expect(words.allSatisfy { $0.allSatisfy(\.isLowercase) })
            _ = try ChatRequest(body: body)
        }
        #expect(workload.body(1).body != workload.body(3).body)
        let plain = BenchWorkload(models: ["m"], stream: false, promptTokens: 5, promptSpread: 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plain.body(0).body)) as? [String: Any])
        #expect(object["stream"] == nil && object["max_tokens"] == nil)
    }
}
