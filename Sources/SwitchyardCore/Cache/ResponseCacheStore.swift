import Foundation

/// The memory of the response cache: entries by key, least recently used first out, bounded
/// by bytes (`CachedAnswer.byteCount`), each with an expiry. Pure: the caller passes the time
/// (tests inject it) and holds the lock.
///
/// Lookups and inserts are O(1): a dictionary from key to a slot in one array of nodes, which
/// form a doubly linked list in use order (slots are reused: no allocation per operation
/// beyond the entry itself). An expired entry is removed when a lookup finds it; entries that
/// expire unseen leave as the least recently used when room is needed.
package struct ResponseCacheStore: Sendable {
    package enum Lookup: Sendable {
        case hit(CachedAnswer)
        case miss
        /// There was an entry, but its time was up: removed.
        case expired
    }

    package struct Insert: Sendable, Hashable {
        /// False when the entry alone is larger than `maxBytes` (not stored; an older entry of
        /// its key is removed all the same).
        package var stored: Bool
        /// Entries removed to make room.
        package var evicted: Int
    }

    private struct Node: Sendable {
        var key: CacheKey
        var answer: CachedAnswer?
        var bytes: Int
        var expires: ContinuousClock.Instant
        var newer: Int
        var older: Int
    }

    package let maxBytes: Int
    package private(set) var bytes = 0
    private var index: [CacheKey: Int] = [:]
    private var nodes: [Node] = []
    private var freeSlots: [Int] = []
    /// Most and least recently used slots (-1: empty).
    private var newest = -1
    private var oldest = -1

    package init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    package var count: Int { index.count }

    package mutating func lookup(_ key: CacheKey, now: ContinuousClock.Instant) -> Lookup {
        guard let slot = index[key] else { return .miss }
        guard now < nodes[slot].expires, let answer = nodes[slot].answer else {
            remove(slot)
            return .expired
        }
        touch(slot)
        return .hit(answer)
    }

    /// Stores `answer` under `key` until `now + ttl`, replacing any entry of that key (also
    /// when `answer` is too large to store: a refreshed answer never leaves the stale one), and
    /// evicts the least recently used entries until the total fits `maxBytes`.
    package mutating func insert(_ key: CacheKey, _ answer: CachedAnswer, now: ContinuousClock.Instant, ttl: Duration) -> Insert {
        let size = answer.byteCount
        // An older entry of the key goes in any case: it is not the latest answer any more.
        if let slot = index[key] { remove(slot) }
        guard size <= maxBytes else { return Insert(stored: false, evicted: 0) }
        var evicted = 0
        while bytes + size > maxBytes, oldest >= 0 {
            remove(oldest)
            evicted += 1
        }
        let node = Node(key: key, answer: answer, bytes: size, expires: now + ttl, newer: -1, older: newest)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            nodes[slot] = node
        } else {
            slot = nodes.count
            nodes.append(node)
        }
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
        index[key] = slot
        bytes += size
        return Insert(stored: true, evicted: evicted)
    }

    /// Keys from the most to the least recently used (for tests and diagnostics).
    package var keysByRecency: [CacheKey] {
        var keys: [CacheKey] = []
        var slot = newest
        while slot >= 0 {
            keys.append(nodes[slot].key)
            slot = nodes[slot].older
        }
        return keys
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (nodes[slot].newer, nodes[slot].older)
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
        nodes[slot].newer = -1
        nodes[slot].older = -1
    }

    private mutating func touch(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        nodes[slot].older = newest
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func remove(_ slot: Int) {
        unlink(slot)
        index[nodes[slot].key] = nil
        bytes -= nodes[slot].bytes
        nodes[slot].answer = nil  // Frees the entry's buffers now.
        nodes[slot].bytes = 0
        freeSlots.append(slot)
    }
}
