import SwitchyardCore

extension Simulator {
    /// Answers one `POST /embeddings`: a deterministic unit vector per input, seeded by the
    /// input itself (the same text always gets the same vector), `dimensions` long (else the
    /// model's default), with usage from the gateway's own estimate. A `[sim fail=…]` directive
    /// in a text input answers that fault in the family's dialect instead.
    package func respondEmbeddings(body: [UInt8]) -> SimulatedResponse {
        let request: EmbeddingsRequest
        do throws(OpenAIError) {
            request = try EmbeddingsRequest(body: body)
        } catch {
            let body = "{\"error\":{\"message\":\(JSONString.quoted(error.message)),\"type\":\"invalid_request_error\",\"param\":\(error.param.map(JSONString.quoted) ?? "null"),\"code\":null}}"
            return Self.immediate(status: 400, body: body)
        }
        guard let model = catalog.model(named: request.model) else {
            let wire = WireFormat(family: .openai, id: "", model: request.model, created: 0)
            let (status, body) = wire.modelNotFound()
            return Self.immediate(status: status, body: body)
        }
        let wire = WireFormat(family: model.family, id: "emb-sim", model: request.model, created: 1_764_000_000, contextWindow: model.contextWindow)
        guard model.capabilities.contains(.embeddings) else {
            let body = "{\"error\":{\"message\":\(JSONString.quoted("The model \(request.model) does not support embeddings.")),\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"invalid_parameter_error\"}}"
            return Self.immediate(status: 400, body: body)
        }
        stats.started(model: model.id)
        defer { stats.ended(model: model.id, cancelled: false) }
        var text = ""
        for case .text(let input) in request.inputs { text += input + "\n" }
        if let fault = SimDirectives(text: text).fault {
            let (status, body) = wire.error(fault)
            return Self.immediate(status: status, body: body)
        }
        let dimensions = request.dimensions ?? model.embeddingDimensions ?? 1024
        var out = "{\"object\":\"list\",\"data\":["
        for (index, input) in request.inputs.enumerated() {
            if index > 0 { out += "," }
            out += "{\"object\":\"embedding\",\"index\":\(index),\"embedding\":" + EmbeddingVector.json(EmbeddingVector.unit(for: input, dimensions: dimensions)) + "}"
        }
        let prompt = request.estimatedPromptTokens
        out += "],\"model\":\(JSONString.quoted(request.model)),\"usage\":{\"prompt_tokens\":\(prompt),\"total_tokens\":\(prompt)}}"
        return Self.immediate(status: 200, body: out)
    }
}
