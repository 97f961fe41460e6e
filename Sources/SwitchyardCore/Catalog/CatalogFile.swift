import Foundation

/// Decodes the catalog's JSON file (`Resources/catalog.json`, compiled into the binary as
/// `catalogJSON` by the EmbedCatalog build plugin).
enum CatalogFile {
    struct File: Decodable {
        var families: [Family]
        var models: [Model]
    }

    struct Family: Decodable {
        var id: String
        var vendor: String
        var notes: String
    }

    struct Model: Decodable {
        var id: String
        var name: String
        var family: String
        var aliases: [String]
        var context_window: Int
        var capabilities: [String]
        var price_per_1m: String?
        var price_basis: String
        var price_rule: String
        var tokens_per_second: Int?
        var max_output_tokens: Int?
        var thinking: String?
        var price_source: String?
        var embedding_dimensions: Int?
        var max_embedding_inputs: Int?
        var notes: String
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static func builtInData() -> Data { Data(catalogJSON.utf8) }

    static func decode(_ data: Data) throws -> Catalog {
        let file = try JSONDecoder().decode(File.self, from: data)
        var families: [Catalog.FamilyInfo] = []
        for f in file.families {
            guard let family = ModelFamily(rawValue: f.id) else { throw Invalid(description: "unknown family \(f.id)") }
            families.append(.init(family: family, vendor: f.vendor, notes: f.notes))
        }
        var models: [CatalogModel] = []
        for m in file.models {
            guard let family = ModelFamily(rawValue: m.family) else {
                throw Invalid(description: "model \(m.id): unknown family \(m.family)")
            }
            var capabilities = Set<Capability>()
            for c in m.capabilities {
                guard let cap = Capability(rawValue: c) else { throw Invalid(description: "model \(m.id): unknown capability \(c)") }
                capabilities.insert(cap)
            }
            var thinking = Thinking.none
            if let name = m.thinking {
                guard let value = Thinking(rawValue: name) else { throw Invalid(description: "model \(m.id): unknown thinking \(name)") }
                thinking = value
            }
            var pricing: Pricing?
            if let figure = m.price_per_1m {
                guard let value = Decimal(exactly: figure) else { throw Invalid(description: "model \(m.id): bad price \(figure)") }
                switch (m.price_rule, m.price_basis) {
                case ("flat-from-seed", _):
                    let basis = m.price_basis == "output" ? "per 1M output tokens" : "per 1M tokens"
                    pricing = .flat(value, source: "seed: $\(figure) \(basis); applied flat to input, output and cached input")
                case ("provider-price-page", "input"):
                    // An input-only price (embeddings): the provider's page, named in `price_source`.
                    guard let source = m.price_source, !source.isEmpty else {
                        throw Invalid(description: "model \(m.id): a provider-price-page price needs its price_source")
                    }
                    pricing = Pricing(inputPer1M: value, outputPer1M: 0, cachedInputPer1M: value, source: source)
                default:
                    throw Invalid(description: "model \(m.id): unknown price rule \(m.price_rule) / basis \(m.price_basis)")
                }
            }
            models.append(CatalogModel(
                id: m.id, name: m.name, family: family, aliases: m.aliases, contextWindow: m.context_window,
                capabilities: capabilities, pricing: pricing, tokensPerSecond: m.tokens_per_second, notes: m.notes,
                maxOutputTokens: m.max_output_tokens, thinking: thinking, embeddingDimensions: m.embedding_dimensions,
                maxEmbeddingInputs: m.max_embedding_inputs))
        }
        return Catalog(models: models, families: families)
    }
}
