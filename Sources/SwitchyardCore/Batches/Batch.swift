import Foundation

/// A batch's status, OpenAI's eight. A batch moves forward only (`canMove(to:)`):
///
/// ```text
/// validating ─┬─> in_progress ─┬─> finalizing ──> completed
///             │                ├─> expired
///             ├─> failed       └─> cancelling ──> cancelled
///             ├─> expired
///             └─> cancelling
/// ```
package enum BatchStatus: String, Sendable, Hashable, CaseIterable {
    case validating
    case failed
    case inProgress = "in_progress"
    case finalizing
    case completed
    case expired
    case cancelling
    case cancelled

    /// No runner works on it any more.
    package var isTerminal: Bool {
        switch self {
        case .failed, .completed, .expired, .cancelled: return true
        case .validating, .inProgress, .finalizing, .cancelling: return false
        }
    }

    /// The statuses a runner takes a lease on.
    package static let unfinished: [BatchStatus] = allCases.filter { !$0.isTerminal }

    /// Whether a batch in this status may move to `next`.
    package func canMove(to next: BatchStatus) -> Bool {
        switch (self, next) {
        case (.validating, .inProgress), (.validating, .failed), (.validating, .cancelling), (.validating, .expired),
             (.inProgress, .finalizing), (.inProgress, .cancelling), (.inProgress, .expired),
             (.finalizing, .completed),
             (.cancelling, .cancelled):
            return true
        default:
            return false
        }
    }

    /// Whether `POST /v1/batches/{id}/cancel` starts a cancellation (validating, in progress),
    /// is a no-op (already cancelling or cancelled), or is refused (anything else).
    package var cancel: CancelAnswer {
        switch self {
        case .validating, .inProgress: return .starts
        case .cancelling, .cancelled: return .already
        case .finalizing, .completed, .failed, .expired: return .refused
        }
    }

    package enum CancelAnswer: Sendable, Hashable {
        case starts
        case already
        case refused
    }
}

/// One entry of a batch's `errors` list, in OpenAI's shape.
package struct BatchError: Error, Sendable, Hashable {
    package var code: String
    package var message: String
    package var param: String?
    package var line: Int?

    package init(code: String, message: String, param: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.param = param
        self.line = line
    }

    package var json: String {
        "{\"code\":\(JSONString.quoted(code)),\"message\":\(JSONString.quoted(message)),\"param\":\(param.map(JSONString.quoted) ?? "null")," +
            "\"line\":\(line.map(String.init) ?? "null")}"
    }

    /// The codes the gateway writes while a batch waits (removed when it goes on).
    package static let budgetExhausted = "budget_exhausted"
    package static let waitingForWindow = "waiting_for_window"
    package static let rateLimited = "rate_limited"
    /// Why a batch was cancelled by the gateway itself.
    package static let maxCostReached = "max_cost_reached"
    package static let keyRevoked = "key_revoked"
    /// Why a batch failed validation.
    package static let inputUnreadable = "input_file_unreadable"

    /// Codes that say why a batch is paused: at most one of each, and gone once it goes on.
    package static let pauseCodes: Set<String> = [budgetExhausted, waitingForWindow, rateLimited]
}

/// `request_counts`: lines in the input, and lines whose result is committed.
package struct BatchCounts: Sendable, Hashable {
    package var total: Int
    /// Lines answered 200: in the output file.
    package var completed: Int
    /// Lines answered with an error: in the error file.
    package var failed: Int

    package init(total: Int, completed: Int = 0, failed: Int = 0) {
        self.total = total
        self.completed = completed
        self.failed = failed
    }

    package var done: Int { completed + failed }
    package var remaining: Int { max(0, total - done) }
}

/// A batch job: what the store keeps and what `GET /v1/batches/{id}` shows, in OpenAI's batch
/// object shape (plus `usage.cost_usd`, the ledger's sum for the batch).
package struct Batch: Sendable, Hashable {
    /// `batch_` plus 24 random base-62 characters.
    package var id: String
    /// The key that created it; nil when auth is off and no key was given.
    package var keyID: String?
    /// `/v1/chat/completions` or `/v1/embeddings`.
    package var endpoint: String
    package var inputFileID: String
    package var completionWindow: String
    package var status: BatchStatus
    /// Up to 16 string pairs, as given.
    package var metadata: [String: String]?
    package var errors: [BatchError] = []
    package var outputFileID: String?
    package var errorFileID: String?
    package var createdAt: Date
    package var inProgressAt: Date?
    package var expiresAt: Date
    package var finalizingAt: Date?
    package var completedAt: Date?
    package var failedAt: Date?
    package var expiredAt: Date?
    package var cancellingAt: Date?
    package var cancelledAt: Date?
    package var counts: BatchCounts
    /// Tokens of every ledger row of the batch.
    package var usage = TokenUsage()
    /// The sum of the cost of every ledger row of the batch (picodollars).
    package var costPicodollars: Int64 = 0

    package init(id: String, keyID: String?, endpoint: String, inputFileID: String, completionWindow: String = "24h", status: BatchStatus = .validating,
                metadata: [String: String]?, createdAt: Date, expiresAt: Date, counts: BatchCounts) {
        self.id = id
        self.keyID = keyID
        self.endpoint = endpoint
        self.inputFileID = inputFileID
        self.completionWindow = completionWindow
        self.status = status
        self.metadata = metadata
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.counts = counts
    }

    package static func newID() -> String { RandomID.base62(prefix: "batch_", count: 24) }

    /// Whether `id` could be one of ours.
    package static func isWellFormed(_ id: String) -> Bool {
        id.hasPrefix("batch_") && id.utf8.count == 30 && id.utf8.dropFirst(6).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
    }

    /// The completion window batches take: OpenAI's only one.
    package static let window: TimeInterval = 24 * 3600

    /// Sets `status` and its timestamp.
    package mutating func move(to next: BatchStatus, at now: Date) {
        status = next
        switch next {
        case .validating: break
        case .inProgress: inProgressAt = now
        case .finalizing: finalizingAt = now
        case .completed: completedAt = now
        case .failed: failedAt = now
        case .expired: expiredAt = now
        case .cancelling: cancellingAt = now
        case .cancelled: cancelledAt = now
        }
    }

    /// Replaces the pause reasons with `reason` (nil: the batch goes on).
    package mutating func setPause(_ reason: BatchError?) {
        errors.removeAll { BatchError.pauseCodes.contains($0.code) }
        if let reason { errors.append(reason) }
    }

    /// The batch's options from its metadata (`switchyard_max_cost_usd`, `switchyard_window`).
    package var options: BatchOptions { (try? BatchOptions(metadata: metadata)) ?? BatchOptions() }

    package var costUSD: Decimal { Picodollars.usd(costPicodollars) }

    // MARK: JSON

    /// OpenAI's batch object.
    package var json: String {
        func time(_ date: Date?) -> String { date.map { String(Int64($0.timeIntervalSince1970)) } ?? "null" }
        var out = "{\"id\":\(JSONString.quoted(id)),\"object\":\"batch\",\"endpoint\":\(JSONString.quoted(endpoint)),"
        out += "\"errors\":" + (errors.isEmpty ? "null" : "{\"object\":\"list\",\"data\":[" + errors.map(\.json).joined(separator: ",") + "]}") + ","
        out += "\"input_file_id\":\(JSONString.quoted(inputFileID)),\"completion_window\":\(JSONString.quoted(completionWindow)),"
        out += "\"status\":\(JSONString.quoted(status.rawValue)),"
        out += "\"output_file_id\":\(outputFileID.map(JSONString.quoted) ?? "null"),\"error_file_id\":\(errorFileID.map(JSONString.quoted) ?? "null"),"
        out += "\"created_at\":\(time(createdAt)),\"in_progress_at\":\(time(inProgressAt)),\"expires_at\":\(time(expiresAt)),"
        out += "\"finalizing_at\":\(time(finalizingAt)),\"completed_at\":\(time(completedAt)),\"failed_at\":\(time(failedAt)),"
        out += "\"expired_at\":\(time(expiredAt)),\"cancelling_at\":\(time(cancellingAt)),\"cancelled_at\":\(time(cancelledAt)),"
        out += "\"request_counts\":{\"total\":\(counts.total),\"completed\":\(counts.completed),\"failed\":\(counts.failed)},"
        out += "\"metadata\":" + Self.metadataJSON(metadata) + ","
        out += "\"usage\":{\"input_tokens\":\(usage.promptTokens),\"input_tokens_details\":{\"cached_tokens\":\(usage.cachedPromptTokens)},"
        out += "\"output_tokens\":\(usage.completionTokens),\"output_tokens_details\":{\"reasoning_tokens\":\(usage.reasoningTokens)},"
        out += "\"total_tokens\":\(usage.totalTokens),\"cost_usd\":\(JSONString.quoted(Cost.picodollars(costPicodollars).headerValue))}}"
        return out
    }

    /// `GET /v1/batches`: OpenAI's list shape.
    package static func listJSON(_ batches: [Batch], hasMore: Bool) -> String {
        "{\"object\":\"list\",\"data\":[" + batches.map(\.json).joined(separator: ",") + "],\"first_id\":" +
            (batches.first.map { JSONString.quoted($0.id) } ?? "null") + ",\"last_id\":" + (batches.last.map { JSONString.quoted($0.id) } ?? "null") +
            ",\"has_more\":\(hasMore)}"
    }

    package static func metadataJSON(_ metadata: [String: String]?) -> String {
        guard let metadata else { return "null" }
        return "{" + metadata.sorted { $0.key < $1.key }.map { JSONString.quoted($0.key) + ":" + JSONString.quoted($0.value) }.joined(separator: ",") + "}"
    }

    /// The stored form of `errors` (the `data` array).
    package static func errorsJSON(_ errors: [BatchError]) -> String {
        "[" + errors.map(\.json).joined(separator: ",") + "]"
    }

    /// Reads back `errorsJSON` (entries that do not parse are dropped).
    package static func errors(fromJSON text: String?) -> [BatchError] {
        guard let text, let document = try? JSONDocument(bytes: Array(text.utf8)), document.root.kind == .array else { return [] }
        return document.elements(of: document.root).compactMap { entry in
            guard let code = document.member("code", of: entry).flatMap(document.string),
                  let message = document.member("message", of: entry).flatMap(document.string) else { return nil }
            return BatchError(code: code, message: message, param: document.member("param", of: entry).flatMap(document.string),
                              line: document.member("line", of: entry).flatMap(document.int))
        }
    }

    /// Reads back `metadataJSON`.
    package static func metadata(fromJSON text: String?) -> [String: String]? {
        guard let text, let document = try? JSONDocument(bytes: Array(text.utf8)), document.root.kind == .object else { return nil }
        var out: [String: String] = [:]
        for (key, value) in document.members(of: document.root) {
            if let string = document.string(value) { out[key] = string }
        }
        return out
    }
}
