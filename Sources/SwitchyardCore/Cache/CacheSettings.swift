import Foundation

/// `cache:` — the exact-match response cache, globally and per model (a `models:` entry's
/// `cache:`). Off unless `enabled`. A model's own settings override the global ones field by
/// field; a model with its own `max_bytes` gets a store of its own, bounded by it, and the
/// others share the global store.
public struct CacheSettings: Sendable, Hashable {
    /// When a request without an `x-switchyard-cache` header uses the cache.
    public enum DefaultUse: String, Sendable, Hashable {
        /// Only when it asks (`x-switchyard-cache: use`).
        case off
        /// Also when it is deterministic: `temperature` 0, or any request of a model marked
        /// `deterministic: true`.
        case use
    }

    /// One model's overrides; nil fields inherit the global value.
    public struct Override: Sendable, Hashable {
        public var enabled: Bool?
        public var ttl: Duration?
        public var maxBytes: Int?
        public var shared: Bool?
        public var defaultUse: DefaultUse?
        /// The model answers the same to the same request whatever its temperature (a
        /// self-hosted model with greedy decoding): `default: use` applies to every request.
        public var deterministic: Bool?

        public init() {}
    }

    /// The settings in force for one model.
    public struct Resolved: Sendable, Hashable {
        public var enabled: Bool
        public var ttl: Duration
        public var maxBytes: Int
        public var shared: Bool
        public var defaultUse: DefaultUse
        public var deterministic: Bool
        /// The model's own store (it sets `max_bytes`), else nil: the global store.
        public var partition: String?
    }

    public var enabled = false
    public var ttl: Duration = .seconds(300)
    public var maxBytes = 64 << 20
    public var shared = false
    public var defaultUse = DefaultUse.off
    /// Per catalog model ID.
    public var models: [String: Override] = [:]

    public init() {}

    /// Whether any model can use the cache (when none can, requests skip it at no cost).
    public var anyEnabled: Bool { enabled || models.values.contains { $0.enabled == true } }

    public func resolved(for model: String) -> Resolved {
        let own = models[model]
        return Resolved(enabled: own?.enabled ?? enabled, ttl: own?.ttl ?? ttl, maxBytes: own?.maxBytes ?? maxBytes,
                        shared: own?.shared ?? shared, defaultUse: own?.defaultUse ?? defaultUse,
                        deterministic: own?.deterministic ?? false, partition: own?.maxBytes == nil ? nil : model)
    }
}
