import Foundation
import SwitchyardCore

/// What admission and the usage ledger need to know about one call, filled in as the call
/// goes. `finish` is called exactly once per call that got past authentication: it replaces
/// the token estimate with the real count, adds the cost to the key's spend and queues the
/// ledger record.
struct CallAccount: Sendable {
    let access: AccessLayer?
    let started: ContinuousClock.Instant
    let startedAt: Date
    let requestID: String
    var key: VirtualKey?
    var ticket: Admission.Ticket?
    var requestedModel = ""
    var stream = false
    /// The ledger row's own ID (the client's request ID need not be unique): a batch retried
    /// after a lost commit acknowledgement is not recorded twice.
    let recordID = RandomID.uuid()

    init(access: AccessLayer?, started: ContinuousClock.Instant, requestID: String) {
        self.access = access
        self.started = started
        self.startedAt = Date()
        self.requestID = requestID
    }

    func finish(trace: ResponseTrace, status: Int, usage: TokenUsage?, cost: Cost?, ttft: Duration?, errorClass: String?) async {
        guard let access else { return }
        let picodollars = cost?.picodollars
        if let ticket {
            // Without usage, a call that reached a provider keeps its estimate (the tokens were
            // probably spent); one that never left the gateway gives it back.
            let tokens = usage?.totalTokens ?? (trace.attempts > 0 ? ticket.estimatedTokens : 0)
            access.admission.settle(ticket, tokens: tokens, costPicodollars: picodollars)
        }
        guard access.settings.ledgerEnabled else { return }
        let served = status < 400 || usage != nil
        let record = UsageRecord(
            recordID: recordID, time: startedAt, requestID: requestID, keyID: key?.id, team: key?.team, requestedModel: requestedModel,
            servedModel: served ? trace.model : nil, provider: trace.deployment?.provider, deployment: trace.deployment?.name,
            region: trace.deployment?.region, route: trace.route, attempts: trace.attempts, usage: usage ?? TokenUsage(),
            costPicodollars: picodollars, latencyMicroseconds: (ContinuousClock.now - started).microsecondsClamped,
            ttftMicroseconds: ttft?.microsecondsClamped, status: status, errorClass: errorClass, stream: stream)
        await access.ledger.enqueue(record)
    }
}

extension Duration {
    var microsecondsClamped: Int64 { nanosecondsClamped / 1000 }
}
