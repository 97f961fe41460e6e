import Foundation

/// One row of the usage ledger: one client request, whatever its outcome.
package struct UsageRecord: Sendable, Hashable {
    /// Unique per record (a UUID); makes a retried batch idempotent.
    package var recordID: String
    package var time: Date
    package var requestID: String
    /// The virtual key's ID; nil when authentication is off.
    package var keyID: String?
    package var team: String?
    /// The `model` the client asked for (`auto`, an alias, an ID).
    package var requestedModel: String
    /// The catalog model that answered; nil when none did.
    package var servedModel: String?
    package var provider: String?
    package var deployment: String?
    package var region: String?
    /// The routing rule that chose the model (`explicit`, a rule name, …).
    package var route: String?
    package var attempts: Int
    package var usage: TokenUsage
    /// nil when the model has no price (billed `unknown`, never $0) or nothing was served.
    package var costPicodollars: Int64?
    package var latencyMicroseconds: Int64
    package var ttftMicroseconds: Int64?
    /// The HTTP status the client got (499 when it went away first).
    package var status: Int
    /// The upstream error class or the gateway's error code, for failures.
    package var errorClass: String?
    package var stream: Bool
    /// Where the token counts come from: the upstream's own usage, or the gateway's estimate
    /// (a stream cut short before its usage arrived). nil when nothing was counted.
    package var usageSource: UsageSource?
    /// The front door the call came through.
    package var front: Front = .chat
    /// Answered from the response cache: no upstream call, no tokens spent, cost 0.
    package var cacheHit = false
    /// For a cache hit, what the answer cost when it was made (nil otherwise, or unpriced).
    package var costSavedPicodollars: Int64?
    /// The call's trace (32 hex digits) when traces are on: the access log prints it, the
    /// ledger does not keep it.
    package var traceID: String?
    /// A batch line's call: the batch and the line's `custom_id` (nil for live calls).
    package var batchID: String?
    package var customID: String?

    package init(recordID: String? = nil, time: Date, requestID: String, keyID: String?, team: String?, requestedModel: String, servedModel: String?,
                provider: String?, deployment: String?, region: String?, route: String?, attempts: Int, usage: TokenUsage,
                costPicodollars: Int64?, latencyMicroseconds: Int64, ttftMicroseconds: Int64?, status: Int, errorClass: String?,
                stream: Bool) {
        // Time-ordered (UUID version 7): rows written together are neighbours in the ID index.
        self.recordID = recordID ?? RandomID.uuidV7(at: time)
        self.time = time
        self.requestID = requestID
        self.keyID = keyID
        self.team = team
        self.requestedModel = requestedModel
        self.servedModel = servedModel
        self.provider = provider
        self.deployment = deployment
        self.region = region
        self.route = route
        self.attempts = attempts
        self.usage = usage
        self.costPicodollars = costPicodollars
        self.latencyMicroseconds = latencyMicroseconds
        self.ttftMicroseconds = ttftMicroseconds
        self.status = status
        self.errorClass = errorClass
        self.stream = stream
    }

    /// The API a call came through: `/v1/chat/completions` or `/v1/messages`.
    package enum Front: String, Sendable, Hashable, CaseIterable {
        case chat
        case messages
        /// `POST /v1/embeddings`.
        case embeddings
    }

    package enum UsageSource: String, Sendable, Hashable {
        case upstream
        case estimated
    }

    /// Milliseconds since the epoch: how the ledger stores time in both databases.
    package var timeMilliseconds: Int64 { time.millisecondsSinceEpoch }
}
