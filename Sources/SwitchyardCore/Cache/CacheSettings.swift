import Foundation

/// `cache:` — the exact-match response cache, globally and per model (a `models:` entry's
/// `cache:`). Off unless `enabled`. A model's own settings override the global ones field by
/// field; a model with its own `max_bytes` gets a store of its own, bounded by it, and the
/// others share the global store.
package struct CacheSettings: Sendable, Hashable {
    /// When a request without an `x-switchyard-cache` header uses the cache.
    package enum DefaultUse: String, Sendable, Hashable {
        /// Only when it asks (`x-switchyard-cache: use`).
        case off
        /// Also when it is deterministic: `temperature` 0, or any request of a model marked
        /// `deterministic: true`.
        case use
    }

    /// One model's overrides; nil fields inherit the global value.
    package struct Override: Sendable, Hashable {
        package var enabled: Bool?
        package var ttl: Duration?
        package var maxBytes: Int?
        package var shared: Bool?
        package var defaultUse: DefaultUse?
        /// The model answers the same to the same request whatever its temperature (a
        /// self-hosted model with greedy decoding): `default: use` applies to every request.
        package var deterministic: Bool?

        package init() {}
    }

    /// The settings in force for one model.
    package struct Resolved: Sendable, Hashable {
        package var enabled: Bool
        package var ttl: Duration
        package var maxBytes: Int
        package var shared: Bool
        package var defaultUse: DefaultUse
        package var deterministic: Bool
        /// The model's own store (it sets `max_bytes`), else nil: the global store.
        package var partition: String?
    }

    package var enabled = false
    package var ttl: Duration = .seconds(300)
    package var maxBytes = 64 << 20
    package var shared = false
    package var defaultUse = DefaultUse.off
    /// Per catalog model ID.
    package var models: [String: Override] = [:]

    package init() {}

    /// Whether any model can use the cache (when none can, requests skip it at no cost).
    package var anyEnabled: Bool { enabled || models.values.contains { $0.enabled == true } }

    package func resolved(for model: String) -> Resolved {
        let own = models[model]
        return Resolved(enabled: own?.enabled ?? enabled, ttl: own?.ttl ?? ttl, maxBytes: own?.maxBytes ?? maxBytes,
                        shared: own?.shared ?? shared, defaultUse: own?.defaultUse ?? defaultUse,
                        deterministic: own?.deterministic ?? false, partition: own?.maxBytes == nil ? nil : model)
    }
}
