import Foundation

/// What differs between provider families on the wire, beyond plain OpenAI compatibility.
/// One conforming type per family (`DeepSeekAdapter`, `QwenAdapter`, …); the gateway asks
/// `ProviderAdapters.adapter(for:)` and never branches on a provider name itself.
package protocol ProviderAdapter: Sendable {
    var family: ModelFamily { get }
    /// The error class of an upstream error response.
    func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass
    /// A stream that ends with a non-standard `finish_reason` that really is an error
    /// (GLM's `sensitive`, `network_error`).
    func failure(forFinishReason reason: String) -> UpstreamErrorClass?
    /// The request body as it goes upstream (after `ChatRequest.upstreamBody`): where a family's
    /// documented rule would make a plain OpenAI client fail, the adapter fixes the body when it
    /// safely can, or rejects it with a message that says what to send (README, "Normalisations").
    func prepare(_ body: [UInt8], for model: CatalogModel, stream: Bool) -> PreparedBody
    /// An embeddings request as it goes upstream (after `EmbeddingsRequest.upstreamBody`): the
    /// model's documented limits (`max_embedding_inputs` in the catalog) and the family's rules.
    func prepareEmbeddings(_ body: [UInt8], request: EmbeddingsRequest, for model: CatalogModel) -> PreparedBody
}

extension ProviderAdapter {
    package func failure(forFinishReason reason: String) -> UpstreamErrorClass? { nil }
    package func prepare(_ body: [UInt8], for model: CatalogModel, stream: Bool) -> PreparedBody { .send(body) }
    package func prepareEmbeddings(_ body: [UInt8], request: EmbeddingsRequest, for model: CatalogModel) -> PreparedBody {
        EmbeddingsRules.limits(body, request: request, for: model)
    }
}

/// The checks every family's embeddings request gets: the model's input limit.
package enum EmbeddingsRules {
    package static func limits(_ body: [UInt8], request: EmbeddingsRequest, for model: CatalogModel) -> PreparedBody {
        if let most = model.maxEmbeddingInputs, request.inputs.count > most {
            return .reject("'input' holds \(request.inputs.count) items; \(model.id) takes at most \(most) per request. Split the input.")
        }
        return .send(body)
    }
}

package enum ProviderAdapters {
    package static func adapter(for family: ModelFamily) -> any ProviderAdapter {
        switch family {
        case .deepseek: return DeepSeekAdapter()
        case .qwen: return QwenAdapter()
        case .kimi: return KimiAdapter()
        case .glm: return GLMAdapter()
        case .openai: return OpenAIAdapter()
        }
    }
}

/// The fields of an upstream error body, read leniently from any of the shapes providers use:
/// `{"error":{"message","type","code"}}`, `{"code","message"}`, a bare string, or nothing.
package struct UpstreamErrorBody: Sendable, Hashable {
    package var message: String?
    package var type: String?
    /// Codes may be strings (`"1301"`, `"Arrearage"`) or numbers; both become strings here.
    package var code: String?

    package init(message: String? = nil, type: String? = nil, code: String? = nil) {
        self.message = message
        self.type = type
        self.code = code
    }

    package init(bytes: [UInt8]) {
        guard let document = try? JSONDocument(bytes: bytes), document.root.kind == .object else {
            let text = String(decoding: bytes.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(message: text.isEmpty ? nil : text)
            return
        }
        self.init(document: document, object: document.root)
    }

    package init(document: JSONDocument, object: JSONValue) {
        var source = object
        if let error = document.member("error", of: object) {
            if error.kind == .object {
                source = error
            } else if let text = document.string(error) {
                self.init(message: text)
                return
            }
        }
        func text(_ key: String) -> String? {
            guard let v = document.member(key, of: source) else { return nil }
            if let s = document.string(v) { return s }
            if v.kind == .number { return String(decoding: document.raw(v), as: UTF8.self) }
            return nil
        }
        self.init(message: text("message") ?? text("msg"), type: text("type"), code: text("code"))
    }

    func mentions(_ words: String...) -> Bool {
        let haystack = [message, type, code].compactMap { $0?.lowercased() }.joined(separator: " ")
        return words.contains { haystack.contains($0.lowercased()) }
    }
}

/// The classification every OpenAI-compatible upstream shares; family adapters refine it.
enum StandardErrorClassifier {
    static func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        if error.code == "context_length_exceeded" || error.mentions("context_length_exceeded", "maximum context length") {
            return .contextLength
        }
        if error.code == "model_not_found" { return .notFound }
        if error.code == "content_filter" || error.type == "content_filter" { return .contentFilter }
        if error.code == "insufficient_quota" || error.type == "insufficient_quota" { return .balance }
        switch status {
        case 401, 403: return .auth
        case 402: return .balance
        case 404: return .notFound
        case 408: return .timeout
        case 429: return .rateLimit
        case 503, 529: return .overloaded
        case 500...599: return .server
        case 400...499: return .invalidRequest
        default: return .badResponse
        }
    }
}
