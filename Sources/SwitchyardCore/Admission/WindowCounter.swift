/// One key's use of one per-minute limit (requests or tokens) in the current fixed window,
/// as one replica sees it, and the share of the limit this replica may use: its claim.
///
/// Alone (one replica), the claim is the whole limit. In a cluster the replicas share the
/// limit through claims in the store, never by waiting on it per request:
///
/// - At the start of a window each replica may use `limit / replicas` (rounded down) before
///   it has talked to the store: its opening claim.
/// - Every sync interval a replica writes what it has used and claims a new share,
///   `used + min(free, max(ceil(free / replicas), demand))`, where `free` is what neither its
///   own use, the others' claims, nor the opening claims of replicas that have not synced yet
///   in this window hold, and `demand` the largest single request it had to refuse (so a
///   request bigger than a fair share can still be served once the cluster has room). Shares
///   are taken from what is free, so a quiet replica's hold shrinks every sync while the others
///   use theirs (it halves with two replicas), and a lone replica always holds the whole limit.
///   The store serialises these writes per key, so the claims of all replicas never add up to
///   more than the limit.
///
/// Hence a window admits at most `limit` requests across the cluster while the replica count
/// is stable (a replica joining mid-window can add its opening claim once). The price is
/// under-use: what quiet replicas hold (at least one unit each, from rounding up).
package struct WindowCounter: Sendable, Hashable {
    /// The window: minutes since the Unix epoch.
    package private(set) var minute: Int64
    /// This replica's use in the window.
    package private(set) var used: Int = 0
    /// What this replica may use in the window.
    package private(set) var claim: Int
    /// The other replicas' claims at the last sync.
    package private(set) var othersClaimed: Int = 0
    /// The largest single amount refused since the last sync (0: none).
    package private(set) var demand = 0

    package init(minute: Int64, limit: Int, replicas: Int) {
        self.minute = minute
        self.claim = Self.openingClaim(limit: limit, replicas: replicas)
    }

    /// The cluster's use as far as this replica knows (for `x-ratelimit-remaining-*`).
    package var clusterUsed: Int { used + othersClaimed }

    /// Starts a new window when the minute has changed.
    package mutating func roll(to minute: Int64, limit: Int, replicas: Int) {
        guard minute > self.minute else { return }
        self = WindowCounter(minute: minute, limit: limit, replicas: replicas)
    }

    package func fits(_ amount: Int) -> Bool {
        let (sum, overflow) = used.addingReportingOverflow(amount)
        return !overflow && sum <= claim
    }

    /// A request of `amount` did not fit: the next sync asks for at least that much.
    package mutating func noteDemand(_ amount: Int) { demand = max(demand, amount, 1) }

    /// Counts `amount` (negative to give back an over-estimate).
    package mutating func add(_ amount: Int) {
        let (sum, overflow) = used.addingReportingOverflow(amount)
        used = overflow ? .max : max(0, sum)
    }

    /// The store's answer for `minute`.
    package mutating func granted(_ grant: ClaimGrant, minute: Int64) {
        guard minute == self.minute else { return }
        claim = grant.claim
        othersClaimed = grant.othersClaimed
        demand = 0
    }

    package static func openingClaim(limit: Int, replicas: Int) -> Int { limit / max(1, replicas) }

    /// The claim a replica gets at a sync (see the type's documentation).
    package static func claim(limit: Int, used: Int, demand: Int = 0, othersClaimed: Int, othersNotSynced: Int, replicas: Int) -> ClaimGrant {
        let n = max(1, replicas)
        let available = limit - othersClaimed - max(0, othersNotSynced) * openingClaim(limit: limit, replicas: n)
        let free = available - used
        let claim = free <= 0 ? used : used + min(free, max((free + n - 1) / n, demand))
        return ClaimGrant(claim: claim, othersClaimed: othersClaimed)
    }

    package static func minute(of secondsSinceEpoch: Double) -> Int64 { Int64((secondsSinceEpoch / 60).rounded(.down)) }
}

/// A replica's claim on one limit in one window, and what the other replicas hold.
package struct ClaimGrant: Sendable, Hashable {
    package var claim: Int
    package var othersClaimed: Int

    package init(claim: Int, othersClaimed: Int) {
        self.claim = claim
        self.othersClaimed = othersClaimed
    }
}
