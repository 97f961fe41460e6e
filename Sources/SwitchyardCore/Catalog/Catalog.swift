import Foundation

/// The set of models the gateway serves, looked up by ID or alias (case-insensitive).
///
/// The built-in catalog is `Resources/catalog.json`, compiled into the binary; a config file can add models and override
/// prices (see `GatewayConfig`).
package struct Catalog: Sendable, Equatable {
    package private(set) var models: [CatalogModel]
    package private(set) var families: [FamilyInfo]
    private var index: [String: Int]

    package struct FamilyInfo: Sendable, Hashable {
        package var family: ModelFamily
        package var vendor: String
        package var notes: String
    }

    package init(models: [CatalogModel], families: [FamilyInfo] = []) {
        self.models = []
        self.families = families
        self.index = [:]
        for model in models { upsert(model) }
    }

    /// Two catalogs are equal when they hold the same models and families (the index follows).
    package static func == (a: Catalog, b: Catalog) -> Bool { a.models == b.models && a.families == b.families }

    /// Looks a model up by its ID or any alias, ignoring case.
    package func model(named name: String) -> CatalogModel? {
        index[name.lowercased()].map { models[$0] }
    }

    /// Adds a model, or replaces the one with the same ID.
    package mutating func upsert(_ model: CatalogModel) {
        if let existing = index[model.id.lowercased()], models[existing].id.lowercased() == model.id.lowercased() {
            for key in ([models[existing].id] + models[existing].aliases) { index[key.lowercased()] = nil }
            models[existing] = model
            register(model, at: existing)
        } else {
            models.append(model)
            register(model, at: models.count - 1)
        }
    }

    private mutating func register(_ model: CatalogModel, at position: Int) {
        for key in [model.id] + model.aliases { index[key.lowercased()] = position }
    }

    /// The catalog that ships with Switchyard.
    package static let builtIn: Catalog = {
        do {
            return try CatalogFile.decode(CatalogFile.builtInData())
        } catch {
            fatalError("The built-in catalog (Resources/catalog.json) is invalid: \(error)")
        }
    }()
}
