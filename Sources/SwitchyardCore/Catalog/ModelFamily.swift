/// A model family. The family selects the provider adapter (error mapping, usage quirks) and
/// the simulator's wire quirks. Unknown upstreams speak plain OpenAI (`openai`).
package enum ModelFamily: String, Sendable, Hashable, CaseIterable, Codable {
    case deepseek
    case qwen
    case kimi
    case glm
    case openai
}
