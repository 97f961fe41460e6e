import Foundation
import NIOHTTP1
import Synchronization
import SwitchyardCore

/// The exact-match response cache of a gateway: decides whether a call uses it, looks its
/// answer up and stores fresh answers, in memory (`ResponseCacheStore`, one per partition:
/// the global one and one per model with its own `max_bytes`), and keeps the cache metrics.
/// Consulted after routing picks the model and the key's allowed models are checked, before
/// admission; see `ChatCompletionHandler`. Each lock is held for one dictionary operation.
final class AnswerCache: Sendable {
    /// The request's `x-switchyard-cache` header.
    enum Directive: String, Sendable {
        /// Use the cache (look up, store on a miss).
        case use
        /// Leave the cache alone for this call.
        case noStore = "no-store"
        /// Skip the lookup, store the fresh answer.
        case refresh
    }

    /// What a call does with the cache; `x-switchyard-cache` on its response says which.
    enum Status: String, Sendable {
        case hit, miss, bypass
    }

    /// A call that uses the cache: where its entry is or goes.
    struct Ticket: Sendable {
        let key: CacheKey
        let model: String
        let partition: Partition
        let ttl: Duration
        let refresh: Bool
        /// An answer larger than this is not stored: recording stops there.
        var maxBytes: Int { partition.maxBytes }
    }

    final class Partition: Sendable {
        let maxBytes: Int
        fileprivate let store: Mutex<ResponseCacheStore>

        init(maxBytes: Int) {
            self.maxBytes = maxBytes
            store = Mutex(ResponseCacheStore(maxBytes: maxBytes))
        }
    }

    static let header = "x-switchyard-cache"

    let settings: CacheSettings
    private let global: Partition
    private let partitions: [String: Partition]
    private let metrics: GatewayMetrics
    private let clock: @Sendable () -> ContinuousClock.Instant
    /// Bytes held by every partition together (the `switchyard_cache_bytes` gauge).
    private let totalBytes = Atomic<Int>(0)
    private let totalEntries = Atomic<Int>(0)

    init(settings: CacheSettings, metrics: GatewayMetrics, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        global = Partition(maxBytes: settings.maxBytes)
        var partitions: [String: Partition] = [:]
        for (model, override) in settings.models {
            if let maxBytes = override.maxBytes { partitions[model] = Partition(maxBytes: maxBytes) }
        }
        self.partitions = partitions
        metrics.recordCacheSize(bytes: 0, entries: 0)
    }

    /// The request's directive; a value other than `use`, `no-store` or `refresh` is a 400.
    static func directive(_ headers: HTTPHeaders) throws(OpenAIError) -> Directive? {
        guard let value = headers.first(name: header) else { return nil }
        guard let directive = Directive(rawValue: value.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw .invalidRequest("The \(header) header must be use, no-store or refresh.", param: header, as: .invalidValue)
        }
        return directive
    }

    /// Whether the call uses the cache, and under which key. `request` is the body as the
    /// client sent it (Messages or chat); `temperature` is read from the chat translation.
    func decide(_ directive: Directive?, chat: ChatRequest, request: @autoclosure () -> JSONDocument?, front: UsageRecord.Front,
                model: String, key: VirtualKey?) -> Ticket? {
        if directive == .noStore { return nil }
        let resolved = settings.resolved(for: model)
        guard resolved.enabled else { return nil }
        if directive == nil {
            guard resolved.defaultUse == .use, resolved.deterministic || Self.hasZeroTemperature(chat) else { return nil }
        }
        let scope: CacheKey.Scope
        if resolved.shared {
            scope = .shared
        } else if let key {
            scope = key.team.map { .team($0) } ?? .key(key.id)
        } else {
            scope = .anonymous
        }
        guard let document = request() else { return nil }
        let cacheKey = CacheKey.make(front: front, model: model, scope: scope, request: document)
        return Ticket(key: cacheKey, model: model, partition: resolved.partition.flatMap { partitions[$0] } ?? global, ttl: resolved.ttl,
                      refresh: directive == .refresh)
    }

    /// `temperature` is a number equal to 0 (`0`, `0.0`, `0e5`).
    static func hasZeroTemperature(_ chat: ChatRequest) -> Bool {
        let d = chat.document
        guard let value = d.member("temperature", of: d.root), value.kind == .number else { return false }
        return d.double(value) == 0
    }

    /// The stored answer, or nil (a miss; a refresh is always one).
    func lookup(_ ticket: Ticket) -> CachedAnswer? {
        guard !ticket.refresh else {
            metrics.recordCacheLookup(model: ticket.model, hit: false)
            return nil
        }
        let now = clock()
        let (result, freed) = ticket.partition.store.withLock { store -> (ResponseCacheStore.Lookup, Int) in
            let before = store.bytes
            let result = store.lookup(ticket.key, now: now)
            return (result, before - store.bytes)
        }
        switch result {
        case .hit(let answer):
            metrics.recordCacheLookup(model: ticket.model, hit: true)
            return answer
        case .miss:
            metrics.recordCacheLookup(model: ticket.model, hit: false)
        case .expired:
            metrics.recordCacheLookup(model: ticket.model, hit: false)
            metrics.recordCacheEvictions(reason: "expired", count: 1)
            adjustSize(bytes: -freed, entries: -1)
        }
        return nil
    }

    /// Stores a fresh, complete answer.
    func store(_ ticket: Ticket, _ answer: CachedAnswer) {
        let now = clock()
        let (result, bytesDelta, entriesDelta) = ticket.partition.store.withLock { store in
            let (bytes, count) = (store.bytes, store.count)
            let result = store.insert(ticket.key, answer, now: now, ttl: ticket.ttl)
            return (result, store.bytes - bytes, store.count - count)
        }
        metrics.recordCacheStore(stored: result.stored)
        if result.evicted > 0 { metrics.recordCacheEvictions(reason: "size", count: result.evicted) }
        if bytesDelta != 0 || entriesDelta != 0 { adjustSize(bytes: bytesDelta, entries: entriesDelta) }
    }

    private func adjustSize(bytes: Int, entries: Int) {
        let total = totalBytes.wrappingAdd(bytes, ordering: .relaxed).newValue
        let count = totalEntries.wrappingAdd(entries, ordering: .relaxed).newValue
        metrics.recordCacheSize(bytes: total, entries: count)
    }
}
