import Foundation
import Synchronization
import SwitchyardCore

/// What the chat pipeline knows of a batch line's call, and what it hands back: the admission's
/// refusal, the batch's cost-limit refusal, and the call's ledger rows (committed by the batch
/// with the line's result, in one transaction).
final class BatchLineContext: Sendable {
    let batchID: String
    let customID: String
    /// `batch.max_share` when the line started.
    let share: Double
    let costLimit: BatchCostLimit?

    private struct State {
        var rows: [UsageRecord] = []
        var refusal: OpenAIError?
        var maxCost: BatchError?
        var reserved: Int64 = 0
        var worstCase: Int64?
    }

    private let state = Mutex(State())

    init(batchID: String, customID: String, share: Double, costLimit: BatchCostLimit?) {
        self.batchID = batchID
        self.customID = customID
        self.share = share
        self.costLimit = costLimit
    }

    /// The batch's own limit (`switchyard_max_cost_usd`): reserves the call's worst case, or
    /// returns the refusal when it does not fit what is left.
    func reserve(worstCase: Int64) -> OpenAIError? {
        state.withLock { $0.worstCase = worstCase }
        guard let costLimit else { return nil }
        if let reason = costLimit.reserve(worstCase) {
            state.withLock { $0.maxCost = reason }
            return OpenAIError(.insufficientQuota, reason.message)
        }
        state.withLock { $0.reserved = max(0, worstCase) }
        return nil
    }

    func refusedByAdmission(_ error: OpenAIError) {
        state.withLock { $0.refusal = error }
    }

    func finished(_ rows: [UsageRecord]) {
        state.withLock { $0.rows.append(contentsOf: rows) }
    }

    var rows: [UsageRecord] { state.withLock { $0.rows } }
    var refusal: OpenAIError? { state.withLock { $0.refusal } }
    var maxCost: BatchError? { state.withLock { $0.maxCost } }
    var reserved: Int64 { state.withLock { $0.reserved } }
    /// The call's worst-case cost, as admission reckoned it (nil: it never got that far).
    var worstCase: Int64? { state.withLock { $0.worstCase } }
}

/// A batch's `metadata.switchyard_max_cost_usd`: its cost so far (committed lines) plus the
/// worst case of the lines in flight may never pass the limit, so the batch stops before it
/// could exceed it.
final class BatchCostLimit: Sendable {
    let limit: Int64
    private let state: Mutex<(spent: Int64, reserved: Int64)>

    init(limit: Int64, spent: Int64) {
        self.limit = limit
        self.state = Mutex((spent, 0))
    }

    /// Reserves `worstCase`, or says why not.
    func reserve(_ worstCase: Int64) -> BatchError? {
        state.withLock { state in
            let after = Picodollars.add(Picodollars.add(state.spent, state.reserved), max(0, worstCase))
            guard after <= limit else {
                return BatchError(
                    code: BatchError.maxCostReached,
                    message: "Cancelled before exceeding metadata.switchyard_max_cost_usd of $\(Picodollars.usd(limit).plainString(scale: 12)): $\(Picodollars.usd(state.spent).plainString(scale: 12)) spent, and the next request could cost up to $\(Picodollars.usd(worstCase).plainString(scale: 12)).")
            }
            state.reserved = Picodollars.add(state.reserved, max(0, worstCase))
            return nil
        }
    }

    /// A line's call is over: its reservation is released and its cost spent.
    func settle(reserved: Int64, cost: Int64) {
        state.withLock { state in
            state.reserved = max(0, state.reserved - reserved)
            state.spent = Picodollars.add(state.spent, max(0, cost))
        }
    }
}
