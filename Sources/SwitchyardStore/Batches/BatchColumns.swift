import Foundation
import SwitchyardCore

/// The `batches` table's columns, the same in both databases, and the mapping to `Batch`.
enum BatchColumns {
    static let names = ["id", "key_id", "endpoint", "input_file_id", "completion_window", "status", "metadata", "errors", "output_file_id",
                        "error_file_id", "created_at_ms", "in_progress_at_ms", "expires_at_ms", "finalizing_at_ms", "completed_at_ms",
                        "failed_at_ms", "expired_at_ms", "cancelling_at_ms", "cancelled_at_ms", "total", "completed", "failed",
                        "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "cost_pusd"]
    static let list = names.joined(separator: ", ")

    /// The statuses a runner leases, as an SQL list.
    static let unfinishedList = BatchStatus.unfinished.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static func ms(_ date: Date?) -> Int64? { date.map(KeyColumns.milliseconds) }

    static func date(_ ms: Int64?) -> Date? { ms.map { Date(timeIntervalSince1970: Double($0) / 1000) } }

    /// A batch from its columns, read by name.
    static func batch(string: (String) -> String?, int: (String) -> Int64?) -> Batch {
        var batch = Batch(
            id: string("id") ?? "", keyID: string("key_id"), endpoint: string("endpoint") ?? "", inputFileID: string("input_file_id") ?? "",
            completionWindow: string("completion_window") ?? "24h", status: BatchStatus(rawValue: string("status") ?? "") ?? .failed,
            metadata: Batch.metadata(fromJSON: string("metadata")), createdAt: date(int("created_at_ms")) ?? Date(timeIntervalSince1970: 0),
            expiresAt: date(int("expires_at_ms")) ?? Date(timeIntervalSince1970: 0),
            counts: BatchCounts(total: Int(int("total") ?? 0), completed: Int(int("completed") ?? 0), failed: Int(int("failed") ?? 0)))
        batch.errors = Batch.errors(fromJSON: string("errors"))
        batch.outputFileID = string("output_file_id")
        batch.errorFileID = string("error_file_id")
        batch.inProgressAt = date(int("in_progress_at_ms"))
        batch.finalizingAt = date(int("finalizing_at_ms"))
        batch.completedAt = date(int("completed_at_ms"))
        batch.failedAt = date(int("failed_at_ms"))
        batch.expiredAt = date(int("expired_at_ms"))
        batch.cancellingAt = date(int("cancelling_at_ms"))
        batch.cancelledAt = date(int("cancelled_at_ms"))
        batch.usage = TokenUsage(promptTokens: Int(int("prompt_tokens") ?? 0), completionTokens: Int(int("completion_tokens") ?? 0),
                                 cachedPromptTokens: Int(int("cached_tokens") ?? 0), reasoningTokens: Int(int("reasoning_tokens") ?? 0))
        batch.costPicodollars = int("cost_pusd") ?? 0
        return batch
    }
}
