/// One key's use of one per-minute limit (requests or tokens) in the current fixed window,
/// as one replica sees it.
///
/// Alone, a replica may use the whole limit. In a cluster, replicas meet in the shared store
/// every sync interval: each pushes what it admitted since the last sync and learns the
/// cluster's total, then may admit at most its share of what is left,
/// `ceil((limit − total) / replicas)`, until the next sync. The shares of all replicas add up
/// to at most `limit − total + replicas − 1`, so a window overshoots `limit` by fewer than one
/// unit per replica (plus what a replica that has not yet seen a new member admits).
public struct WindowCounter: Sendable, Hashable {
    /// The window: minutes since the Unix epoch.
    public private(set) var minute: Int64
    /// The cluster's total at the last sync (our pushed use included).
    public private(set) var clusterUsed: Int = 0
    /// Our use since the last push.
    public private(set) var unsynced: Int = 0
    /// Our use pushed but not yet answered.
    public private(set) var pushing: Int = 0
    /// What we may use until the next sync.
    public private(set) var allowance: Int

    public init(minute: Int64, limit: Int, replicas: Int) {
        self.minute = minute
        self.allowance = Self.share(of: limit, replicas: replicas)
    }

    /// The best estimate of the cluster's use in this window.
    public var used: Int { clusterUsed + pushing + unsynced }

    /// Starts a new window when the minute has changed.
    public mutating func roll(to minute: Int64, limit: Int, replicas: Int) {
        guard minute > self.minute else { return }
        self = WindowCounter(minute: minute, limit: limit, replicas: replicas)
    }

    /// Whether `amount` more fits in our allowance.
    public func fits(_ amount: Int) -> Bool {
        let (sum, overflow) = (pushing + unsynced).addingReportingOverflow(amount)
        return !overflow && sum <= allowance
    }

    /// Counts `amount` (negative to give back an over-estimate).
    public mutating func add(_ amount: Int) {
        unsynced = unsynced.addingReportingOverflow(amount).overflow ? .max : unsynced + amount
    }

    /// Takes what to push to the shared store.
    public mutating func beginPush() -> Int {
        pushing += unsynced
        unsynced = 0
        return pushing
    }

    /// The store answered with the cluster's total for `minute` (our push included).
    public mutating func endPush(minute: Int64, total: Int, limit: Int, replicas: Int) {
        guard minute == self.minute else { return }
        clusterUsed = total
        pushing = 0
        allowance = Self.share(of: max(0, limit - total), replicas: replicas)
    }

    /// The push failed: keep counting it locally and try again at the next sync.
    public mutating func failPush() {
        unsynced += pushing
        pushing = 0
    }

    static func share(of remaining: Int, replicas: Int) -> Int {
        let n = max(1, replicas)
        return remaining / n + (remaining % n == 0 ? 0 : 1)
    }

    public static func minute(of secondsSinceEpoch: Double) -> Int64 { Int64((secondsSinceEpoch / 60).rounded(.down)) }
}
