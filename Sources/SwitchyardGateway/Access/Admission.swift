import Foundation
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Rate limits and budgets, checked before routing from in-memory counters (see
/// `WindowCounter` and `SpendCounter` for the arithmetic and the cluster's bounded overshoot).
final class Admission: Sendable {
    struct KeyState {
        var requests: WindowCounter?
        var tokens: WindowCounter?
        var spend = SpendCounter()
        /// What the key's batch lines used of its RPM and TPM in `batchMinute` (`batch.max_share`).
        var batchMinute: Int64 = 0
        var batchRequests = 0
        var batchTokens = 0

        /// Brings the key's RPM and TPM windows to `minute` (created at first use).
        mutating func roll(_ key: VirtualKey, to minute: Int64, replicas: Int) {
            if let limit = key.limits.requestsPerMinute {
                if requests == nil { requests = WindowCounter(minute: minute, limit: limit, replicas: replicas) }
                requests!.roll(to: minute, limit: limit, replicas: replicas)
            }
            if let limit = key.limits.tokensPerMinute {
                if tokens == nil { tokens = WindowCounter(minute: minute, limit: limit, replicas: replicas) }
                tokens!.roll(to: minute, limit: limit, replicas: replicas)
            }
        }

        /// The rate-limit headers' values now (nil for a key without limits).
        func status(_ key: VirtualKey, resetMilliseconds: Int) -> RateLimitStatus? {
            guard !key.limits.isUnlimited else { return nil }
            return RateLimitStatus(
                limitRequests: key.limits.requestsPerMinute, remainingRequests: (key.limits.requestsPerMinute ?? 0) - (requests?.clusterUsed ?? 0),
                limitTokens: key.limits.tokensPerMinute, remainingTokens: (key.limits.tokensPerMinute ?? 0) - (tokens?.clusterUsed ?? 0),
                resetMilliseconds: resetMilliseconds)
        }

        /// The refusal when one more request would pass the key's RPM (counted as demand).
        mutating func requestRefusal(_ key: VirtualKey, resetMilliseconds: Int) -> (OpenAIError, RateLimitStatus?)? {
            guard let limit = key.limits.requestsPerMinute, let counter = requests, !counter.fits(1) else { return nil }
            requests!.noteDemand(1)
            let current = status(key, resetMilliseconds: resetMilliseconds)
            return (Admission.rateLimited("requests per minute (RPM)", kind: .keyRequestRateLimited, limit: limit, used: counter.clusterUsed,
                                          requested: 1, retryAfter: current?.retryAfterSeconds ?? 1), current)
        }
    }

    struct State {
        var keys: [String: KeyState] = [:]
        var replicas = 1
        /// Keys other replicas claimed in the current window.
        var activeElsewhere: Set<String> = []
    }

    /// What `settle` needs to correct the token estimate with the real count and release the
    /// budget reservation.
    struct Ticket: Sendable {
        var keyID: String
        var minute: Int64
        /// Counted against TPM at admission: the prompt estimate plus the output cap.
        var estimatedTokens: Int
        /// The call's worst-case cost, reserved against the budget until it settles.
        var reservedPicodollars: Int64
        /// A batch line's call: its tokens count against the key's batch share too.
        var batch = false
    }

    enum Decision: Sendable {
        case admitted(Ticket, RateLimitStatus?)
        case refused(OpenAIError, RateLimitStatus?)
    }

    private let state = Mutex(State())

    /// Admits a call or refuses it. `estimatedTokens` (prompt estimate + output cap) is counted
    /// against TPM and `worstCase` (those tokens at the most expensive candidate's prices) is
    /// reserved against the budget, both until `settle` replaces them with the real numbers:
    /// concurrent calls cannot overshoot a budget or a TPM limit together.
    ///
    /// A batch line's call (`batchShare`, the config's `batch.max_share`) is also refused when
    /// the key's batch lines have used that share of its RPM or TPM in this minute: interactive
    /// calls of the key keep the rest.
    func admit(_ key: VirtualKey, estimatedTokens: Int, worstCase: Int64, now: Date, batchShare: Double? = nil) -> Decision {
        let seconds = now.timeIntervalSince1970
        let minute = WindowCounter.minute(of: seconds)
        let resetMs = max(0, Int(((Double(minute + 1) * 60) - seconds) * 1000))
        let estimate = max(1, estimatedTokens)
        return state.withLock { state in
            let replicas = state.replicas
            var entry = state.keys[key.id] ?? KeyState()
            defer { state.keys[key.id] = entry }
            if let budget = key.budget, !entry.spend.admits(worstCase, budget: budget) {
                let spent = Picodollars.usd(entry.spend.spent(in: budget.period))
                let period = budget.period == .total ? "in total" : "per \(budget.period.rawValue)"
                if entry.spend.isExhausted(budget) {
                    return .refused(OpenAIError(.insufficientQuota, "This key's budget of $\(budget.amount.priceString) \(period) is used up ($\(spent.plainString(scale: 6)) spent). Raise the budget or wait for the next period."), nil)
                }
                let reserved = Picodollars.usd(entry.spend.reserved)
                return .refused(OpenAIError(.insufficientQuota, "This call could cost up to $\(Picodollars.usd(worstCase).plainString(scale: 12)) (prompt estimate plus max_tokens at the model's prices), more than is left of this key's budget of $\(budget.amount.priceString) \(period) ($\(spent.plainString(scale: 6)) spent, $\(reserved.plainString(scale: 6)) reserved by calls in flight). Lower max_tokens, or raise the budget."), nil)
            }
            entry.roll(key, to: minute, replicas: replicas)
            func status() -> RateLimitStatus? { entry.status(key, resetMilliseconds: resetMs) }
            if let (error, current) = entry.requestRefusal(key, resetMilliseconds: resetMs) { return .refused(error, current) }
            if let limit = key.limits.tokensPerMinute, let counter = entry.tokens, !counter.fits(estimate) {
                entry.tokens!.noteDemand(estimate)
                let current = status()
                if estimate > limit {
                    return .refused(OpenAIError(.keyTokenLimitTooSmall, "This request needs about \(estimate) tokens (prompt estimate plus max_tokens), more than this key's limit of \(limit) tokens per minute. Lower max_tokens or shorten the prompt."), current)
                }
                return .refused(Self.rateLimited("tokens per minute (TPM)", kind: .keyTokenRateLimited, limit: limit, used: counter.clusterUsed, requested: estimate,
                                                 retryAfter: current?.retryAfterSeconds ?? 1), current)
            }
            if let share = batchShare {
                if entry.batchMinute != minute { (entry.batchMinute, entry.batchRequests, entry.batchTokens) = (minute, 0, 0) }
                let retryAfter = max(1, (resetMs + 999) / 1000)
                if let limit = key.limits.requestsPerMinute, entry.batchRequests + 1 > Self.batchAllowance(limit, share: share) {
                    return .refused(OpenAIError(.keyRequestRateLimited, "This key's batches may use \(Self.batchAllowance(limit, share: share)) of its \(limit) requests per minute (batch.max_share \(share)); they used them in this minute. Please try again in \(retryAfter)s.", retryAfterSeconds: retryAfter), status())
                }
                if let limit = key.limits.tokensPerMinute, entry.batchTokens + estimate > Self.batchAllowance(limit, share: share) {
                    let allowance = Self.batchAllowance(limit, share: share)
                    if estimate > allowance {
                        return .refused(OpenAIError(.keyTokenLimitTooSmall, "This request needs about \(estimate) tokens (prompt estimate plus max_tokens), more than this key's batches may use in a minute (\(allowance) of its \(limit) tokens per minute, batch.max_share \(share)). Lower max_tokens or shorten the prompt."), status())
                    }
                    return .refused(OpenAIError(.keyTokenRateLimited, "This key's batches may use \(allowance) of its \(limit) tokens per minute (batch.max_share \(share)); they used \(entry.batchTokens) in this minute and this request needs about \(estimate). Please try again in \(retryAfter)s.", retryAfterSeconds: retryAfter), status())
                }
                entry.batchRequests += 1
                entry.batchTokens += estimate
            }
            entry.requests?.add(1)
            entry.tokens?.add(estimate)
            let reserved = key.budget == nil ? 0 : max(0, worstCase)
            entry.spend.reserve(reserved)
            return .admitted(Ticket(keyID: key.id, minute: minute, estimatedTokens: estimate, reservedPicodollars: reserved, batch: batchShare != nil),
                             status())
        }
    }

    /// Admits a call answered from the response cache: it counts as a request against RPM,
    /// and spends no tokens and no budget, so TPM and the budget are not checked (a key whose
    /// budget is used up still gets its cached answers). Nothing to settle.
    func admitCacheHit(_ key: VirtualKey, now: Date) -> (error: OpenAIError?, status: RateLimitStatus?) {
        let seconds = now.timeIntervalSince1970
        let minute = WindowCounter.minute(of: seconds)
        let resetMs = max(0, Int(((Double(minute + 1) * 60) - seconds) * 1000))
        return state.withLock { state in
            let replicas = state.replicas
            var entry = state.keys[key.id] ?? KeyState()
            defer { state.keys[key.id] = entry }
            entry.roll(key, to: minute, replicas: replicas)
            if let (error, current) = entry.requestRefusal(key, resetMilliseconds: resetMs) { return (error, current) }
            entry.requests?.add(1)
            return (nil, entry.status(key, resetMilliseconds: resetMs))
        }
    }

    /// A key's batch allowance of `limit` per minute: at least 1.
    static func batchAllowance(_ limit: Int, share: Double) -> Int {
        max(1, Int((Double(limit) * share).rounded(.down)))
    }

    static func rateLimited(_ what: String, kind: APIError, limit: Int, used: Int, requested: Int, retryAfter: Int) -> OpenAIError {
        OpenAIError(kind, "Rate limit reached for this key on \(what): Limit \(limit), Used \(min(used, limit)), Requested \(requested). Please try again in \(retryAfter)s.",
                    retryAfterSeconds: retryAfter)
    }

    /// The call is over: replace the token estimate with the real count (in the window where
    /// the call was admitted), release the reservation and add the cost.
    func settle(_ ticket: Ticket, tokens: Int, costPicodollars: Int64?) {
        state.withLock { state in
            guard var entry = state.keys[ticket.keyID] else { return }
            if entry.tokens?.minute == ticket.minute {
                let (difference, overflow) = max(0, tokens).subtractingReportingOverflow(ticket.estimatedTokens)
                if !overflow { entry.tokens?.add(difference) }
            }
            if ticket.batch, entry.batchMinute == ticket.minute {
                let (difference, overflow) = max(0, tokens).subtractingReportingOverflow(ticket.estimatedTokens)
                if !overflow { entry.batchTokens = max(0, entry.batchTokens + difference) }
            }
            entry.spend.release(ticket.reservedPicodollars)
            if let costPicodollars, costPicodollars > 0 { entry.spend.spend(costPicodollars) }
            state.keys[ticket.keyID] = entry
        }
    }

    /// Adds a cost that no admitted call settles (the losing attempt of a hedge race).
    func charge(_ keyID: String, picodollars: Int64) {
        state.withLock { state in
            guard picodollars > 0 else { return }
            state.keys[keyID, default: KeyState()].spend.spend(picodollars)
        }
    }

    // MARK: Sync with the store

    /// This replica's use of every limited key that is active here or elsewhere in `minute`.
    func uses(minute: Int64, limits: (String) -> RateLimits?) -> [CounterUse] {
        state.withLock { state in
            // Only keys with a window here in `minute`, or claimed elsewhere in it: never every key.
            var ids = state.activeElsewhere
            for (id, entry) in state.keys where entry.requests?.minute == minute || entry.tokens?.minute == minute { ids.insert(id) }
            return ids.compactMap { id -> CounterUse? in
                guard let keyLimits = limits(id), !keyLimits.isUnlimited else { return nil }
                let entry = state.keys[id]
                let requests = entry?.requests.flatMap { $0.minute == minute ? $0 : nil }
                let tokens = entry?.tokens.flatMap { $0.minute == minute ? $0 : nil }
                return CounterUse(keyID: id, requests: requests?.used ?? 0, tokens: tokens?.used ?? 0,
                                  requestLimit: keyLimits.requestsPerMinute, tokenLimit: keyLimits.tokensPerMinute,
                                  requestDemand: requests?.demand ?? 0, tokenDemand: tokens?.demand ?? 0)
            }
        }
    }

    func endSync(minute: Int64, _ sync: CounterSync, limits: (String) -> RateLimits?) {
        state.withLock { state in
            state.replicas = sync.replicas
            state.activeElsewhere = sync.activeKeys
            for (id, grant) in sync.grants {
                guard let keyLimits = limits(id) else { continue }
                var entry = state.keys[id] ?? KeyState()
                if let limit = keyLimits.requestsPerMinute, let claim = grant.requests {
                    if entry.requests == nil { entry.requests = WindowCounter(minute: minute, limit: limit, replicas: sync.replicas) }
                    entry.requests!.roll(to: minute, limit: limit, replicas: sync.replicas)
                    entry.requests!.granted(claim, minute: minute)
                }
                if let limit = keyLimits.tokensPerMinute, let claim = grant.tokens {
                    if entry.tokens == nil { entry.tokens = WindowCounter(minute: minute, limit: limit, replicas: sync.replicas) }
                    entry.tokens!.roll(to: minute, limit: limit, replicas: sync.replicas)
                    entry.tokens!.granted(claim, minute: minute)
                }
                state.keys[id] = entry
            }
        }
    }

    /// Spend per key as the store has it: of the keys whose spend changed, or of every key
    /// (`everyKey`: keys absent from `spend` have spent nothing in the current periods).
    func applySpend(_ spend: [String: [BudgetPeriod: Int64]], everyKey: Bool = false) {
        state.withLock { state in
            if everyKey {
                for id in state.keys.keys where spend[id] == nil { state.keys[id]?.spend.stored = [:] }
            }
            for (id, periods) in spend { state.keys[id, default: KeyState()].spend.stored = periods.mapValues { Picodollars.repaired($0).value } }
        }
    }

    /// The ledger wrote these costs.
    func written(_ costs: [String: Int64]) {
        state.withLock { state in
            for (id, cost) in costs { state.keys[id]?.spend.written(cost) }
        }
    }

    /// Spend of one key in its budget's period (or this month), for the admin API.
    func spent(_ key: VirtualKey) -> Decimal {
        state.withLock { state in
            Picodollars.usd(state.keys[key.id]?.spend.spent(in: key.budget?.period ?? .month) ?? 0)
        }
    }
}
