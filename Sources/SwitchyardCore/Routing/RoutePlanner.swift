import Foundation

/// Turns a request into the models to try, in order: the requested model, then the request's
/// own `models` list, then the config's fallback chain — or, for `model: auto`, the models the
/// task-aware rules choose. Models that cannot serve the request (missing capability, context
/// too small, not served) are skipped with a reason.
package struct RoutePlanner: Sendable {
    package static let autoModelNames: Set<String> = ["auto", "switchyard/auto"]

    package let catalog: Catalog
    package let routing: RoutingSettings
    package let isServed: @Sendable (String) -> Bool

    package init(catalog: Catalog, routing: RoutingSettings, isServed: @escaping @Sendable (String) -> Bool) {
        self.catalog = catalog
        self.routing = routing
        self.isServed = isServed
    }

    package struct Plan: Sendable {
        /// The rule that chose (`auto`), or `explicit`.
        package var rule: String
        package var models: [CatalogModel]
        package var notes: [String]
        /// The rule's own timeouts, when it has some.
        package var timeouts: UpstreamTimeouts?
    }

    package func plan(_ request: ChatRequest, features: RequestFeatures) throws(OpenAIError) -> Plan {
        if Self.autoModelNames.contains(request.model.lowercased()) {
            let decision = routing.policy.decide(features, catalog: catalog, isServed: isServed)
            var models = decision.models.compactMap { catalog.model(named: $0) }
            var notes = decision.notes
            for name in request.fallbackModels {
                guard let model = catalog.model(named: name) else { throw Self.unknownFallback(name, request) }
                if let why = RoutePolicy.unfit(model, features, isServed) { notes.append("skip \(model.id): \(why)"); continue }
                if !models.contains(where: { $0.id == model.id }) { models.append(model) }
            }
            guard !models.isEmpty else {
                let largest = catalog.models.filter { isServed($0.id) }.map(\.contextWindow).max() ?? 0
                if features.estimatedContextTokens > largest {
                    throw OpenAIError(.contextLengthExceeded, "This request needs about \(features.estimatedContextTokens) tokens; the largest context served here holds \(largest).", param: "messages")
                }
                throw OpenAIError(.noCapableModel, "No served model can handle this request (it needs \(features.requiredCapabilities.sorted().map(\.rawValue).joined(separator: ", "))).", param: "model")
            }
            return Plan(rule: decision.rule, models: models, notes: notes, timeouts: decision.timeouts)
        }

        guard let primary = catalog.model(named: request.model), isServed(primary.id) else {
            throw OpenAIError.modelNotFound(request.model)
        }
        guard primary.chats else {
            throw OpenAIError(.noCapableModel, "'\(primary.id)' is an embeddings model: it answers POST /v1/embeddings, not chat completions.", param: "model")
        }
        var notes: [String] = []
        var models: [CatalogModel] = []
        var contextTooSmall = false
        if features.estimatedContextTokens > primary.contextWindow {
            notes.append("skip \(primary.id): request (~\(features.estimatedContextTokens) tokens) exceeds its \(primary.contextWindow)-token context")
            contextTooSmall = true
        } else {
            models.append(primary)
        }
        var chain: [CatalogModel] = []
        for name in request.fallbackModels {
            guard let model = catalog.model(named: name) else { throw Self.unknownFallback(name, request) }
            chain.append(model)
        }
        chain += routing.fallbacks(for: primary.id).compactMap { catalog.model(named: $0) }
        for model in chain where !models.contains(where: { $0.id == model.id }) && model.id != primary.id {
            if let why = RoutePolicy.unfit(model, features, isServed) {
                notes.append("skip fallback \(model.id): \(why)")
                continue
            }
            models.append(model)
        }
        guard !models.isEmpty else {
            if contextTooSmall {
                throw OpenAIError(.contextLengthExceeded, "This request needs about \(features.estimatedContextTokens) tokens; \(primary.id) holds \(primary.contextWindow).", param: "messages")
            }
            throw OpenAIError.modelNotFound(request.model)
        }
        return Plan(rule: "explicit", models: models, notes: notes, timeouts: nil)
    }

    /// The embeddings models to try, in order: the requested one, the request's `models`, then
    /// the config's fallbacks that create embeddings. `auto` takes the served embeddings models,
    /// cheapest first.
    package func planEmbeddings(_ request: EmbeddingsRequest) throws(OpenAIError) -> Plan {
        let canEmbed = { (model: CatalogModel) in model.capabilities.contains(.embeddings) && self.isServed(model.id) }
        var models: [CatalogModel] = []
        var notes: [String] = []
        let rule: String
        if Self.autoModelNames.contains(request.model.lowercased()) {
            rule = "embeddings"
            models = catalog.models.filter(canEmbed)
                .sorted { ($0.pricing?.inputPer1M ?? .greatestFiniteMagnitude, $0.id) < ($1.pricing?.inputPer1M ?? .greatestFiniteMagnitude, $1.id) }
        } else {
            rule = "explicit"
            guard let primary = catalog.model(named: request.model), isServed(primary.id) else { throw OpenAIError.modelNotFound(request.model) }
            guard primary.capabilities.contains(.embeddings) else {
                throw OpenAIError(.noCapableModel, "The model '\(primary.id)' does not create embeddings; GET /v1/models lists those that do (capability 'embeddings').", param: "model")
            }
            models = [primary]
            for name in routing.fallbacks(for: primary.id) {
                guard let model = catalog.model(named: name) else { continue }
                if !canEmbed(model) { notes.append("skip fallback \(model.id): does not create embeddings"); continue }
                if !models.contains(where: { $0.id == model.id }) { models.append(model) }
            }
        }
        var extra: [CatalogModel] = []
        for (index, name) in request.fallbackModels.enumerated() {
            guard let model = catalog.model(named: name) else {
                throw OpenAIError(.fallbackModelNotFound, "'models[\(index)]': the model '\(name.prefix(256))' does not exist. GET /v1/models lists the valid IDs.", param: "models[\(index)]")
            }
            if !canEmbed(model) { notes.append("skip \(model.id): does not create embeddings"); continue }
            if !models.contains(where: { $0.id == model.id }) && !extra.contains(where: { $0.id == model.id }) { extra.append(model) }
        }
        // The request's own list comes before the config's chain, as on chat.
        if rule == "explicit" { models = [models[0]] + extra + models.dropFirst() } else { models += extra }
        guard !models.isEmpty else {
            throw OpenAIError(.noCapableModel, "No served model creates embeddings.", param: "model")
        }
        return Plan(rule: rule, models: models, notes: notes, timeouts: nil)
    }

    private static func unknownFallback(_ name: String, _ request: ChatRequest) -> OpenAIError {
        let index = request.fallbackModels.firstIndex(of: name) ?? 0
        return OpenAIError(.fallbackModelNotFound, "'models[\(index)]': the model '\(name.prefix(256))' does not exist. GET /v1/models lists the valid IDs.", param: "models[\(index)]")
    }

    /// The plan cut down to the models a key may use. For `auto`, when none of the rule's
    /// models is allowed, the allowed models that can serve the request are used instead,
    /// cheapest first; nil when nothing is left.
    package func restrict(_ plan: Plan, features: RequestFeatures, to allows: (CatalogModel) -> Bool) -> Plan? {
        var restricted = plan
        restricted.models = plan.models.filter(allows)
        if restricted.models.isEmpty && plan.rule != "explicit" {
            restricted.models = catalog.models
                .filter { allows($0) && isServed($0.id) && features.requiredCapabilities.isSubset(of: $0.capabilities)
                    && $0.contextWindow >= features.estimatedContextTokens }
                .sorted { ($0.pricing?.outputPer1M ?? .greatestFiniteMagnitude, $0.id) < ($1.pricing?.outputPer1M ?? .greatestFiniteMagnitude, $1.id) }
            restricted.notes.append("the key's allowed models replaced the rule's choice")
        }
        return restricted.models.isEmpty ? nil : restricted
    }
}
