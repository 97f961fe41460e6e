import Foundation
import SQLiteNIO
import SwitchyardCore

extension SQLiteStore {
    package func insertBatch(_ batch: Batch) async throws {
        try await lock.withLock {
            _ = try await connection.query(
                """
                INSERT INTO batches (id, key_id, endpoint, input_file_id, completion_window, status, metadata, errors, created_at_ms,
                                     expires_at_ms, total)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(batch.id), text(batch.keyID), .text(batch.endpoint), .text(batch.inputFileID), .text(batch.completionWindow),
                 .text(batch.status.rawValue), text(batch.metadata.map { Batch.metadataJSON($0) }), .text(Batch.errorsJSON(batch.errors)),
                 int(BatchColumns.ms(batch.createdAt)), int(BatchColumns.ms(batch.expiresAt)), .integer(.init(batch.counts.total))])
        }
    }

    package func batch(id: String) async throws -> Batch? {
        let rows = try await lock.withLock {
            try await connection.query("SELECT \(BatchColumns.list) FROM batches WHERE id = ?", [.text(id)])
        }
        return rows.first.map(batchRow)
    }

    package func batches(_ owner: BatchOwner, after: String?, limit: Int) async throws -> [Batch] {
        var sql = "SELECT \(BatchColumns.list) FROM batches WHERE 1 = 1"
        var binds: [SQLiteData] = []
        if case .key(let keyID) = owner {
            sql += " AND key_id IS ?"
            binds.append(text(keyID))
        }
        if let after {
            sql += " AND (created_at_ms, id) < (SELECT created_at_ms, id FROM batches WHERE id = ?)"
            binds.append(.text(after))
        }
        sql += " ORDER BY created_at_ms DESC, id DESC LIMIT ?"
        binds.append(.integer(.init(limit)))
        let (query, values) = (sql, binds)
        let rows = try await lock.withLock { try await connection.query(query, values) }
        return rows.map(batchRow)
    }

    package func cancelBatch(id: String, at date: Date, reason: BatchError?) async throws -> Batch? {
        try await lock.withLock {
            try await transaction { [self] in
                let rows = try await connection.query("SELECT \(BatchColumns.list) FROM batches WHERE id = ?", [.text(id)])
                guard var batch = rows.first.map(batchRow) else { return nil }
                guard batch.status.cancel == .starts else { return batch }
                batch.move(to: .cancelling, at: date)
                batch.setPause(nil)
                if let reason { batch.errors.append(reason) }
                _ = try await connection.query(
                    "UPDATE batches SET status = ?, cancelling_at_ms = ?, errors = ? WHERE id = ?",
                    [.text(batch.status.rawValue), int(BatchColumns.ms(date)), .text(Batch.errorsJSON(batch.errors)), .text(id)])
                return batch
            }
        }
    }

    package func claimBatches(owner: String, now: Date, until: Date, takeOver: Bool, limit: Int) async throws -> [Batch] {
        let rows = try await lock.withLock {
            try await connection.query(
                """
                UPDATE batches SET lease_owner = ?, lease_until_ms = ?
                WHERE id IN (SELECT id FROM batches WHERE status IN (\(BatchColumns.unfinishedList))
                             AND (? = 1 OR lease_owner IS NULL OR lease_owner = ? OR lease_until_ms < ?)
                             ORDER BY created_at_ms, id LIMIT ?)
                RETURNING \(BatchColumns.list)
                """,
                [.text(owner), int(BatchColumns.ms(until)), .integer(takeOver ? 1 : 0), .text(owner), int(BatchColumns.ms(now)),
                 .integer(.init(limit))])
        }
        return rows.map(batchRow).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    package func renewBatchLease(id: String, owner: String, until: Date) async throws -> Batch? {
        let rows = try await lock.withLock {
            try await connection.query(
                "UPDATE batches SET lease_until_ms = ? WHERE id = ? AND lease_owner = ? RETURNING \(BatchColumns.list)",
                [int(BatchColumns.ms(until)), .text(id), .text(owner)])
        }
        return rows.first.map(batchRow)
    }

    package func releaseBatchLease(id: String, owner: String) async throws {
        try await lock.withLock {
            _ = try await connection.query("UPDATE batches SET lease_owner = NULL, lease_until_ms = NULL WHERE id = ? AND lease_owner = ?",
                                           [.text(id), .text(owner)])
        }
    }

    package func updateBatch(_ batch: Batch, expecting: BatchStatus, owner: String, files: [StoredFile]) async throws -> Bool {
        try await lock.withLock {
            do {
                return try await transaction { [self] in
                    _ = try await connection.query(
                        """
                        UPDATE batches SET status = ?, errors = ?, output_file_id = ?, error_file_id = ?, in_progress_at_ms = ?,
                               finalizing_at_ms = ?, completed_at_ms = ?, failed_at_ms = ?, expired_at_ms = ?, cancelling_at_ms = ?,
                               cancelled_at_ms = ?
                        WHERE id = ? AND status = ? AND lease_owner = ?
                        """,
                        [.text(batch.status.rawValue), .text(Batch.errorsJSON(batch.errors)), text(batch.outputFileID), text(batch.errorFileID),
                         int(BatchColumns.ms(batch.inProgressAt)), int(BatchColumns.ms(batch.finalizingAt)), int(BatchColumns.ms(batch.completedAt)),
                         int(BatchColumns.ms(batch.failedAt)), int(BatchColumns.ms(batch.expiredAt)), int(BatchColumns.ms(batch.cancellingAt)),
                         int(BatchColumns.ms(batch.cancelledAt)), .text(batch.id), .text(expecting.rawValue), .text(owner)])
                    guard try await changes() == 1 else { throw NotUpdated() }
                    for file in files {
                        _ = try await connection.query(
                            "INSERT INTO files (id, key_id, filename, purpose, bytes, lines, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [.text(file.id), text(file.keyID), .text(file.filename), .text(file.purpose), .integer(.init(file.bytes)),
                             .integer(.init(file.lines)), .integer(.init(KeyColumns.milliseconds(file.createdAt)))])
                    }
                    return true
                }
            } catch is NotUpdated {
                return false
            }
        }
    }

    package func commitBatchLine(batchID: String, owner: String, result: BatchLineResult?, records: [UsageRecord], ledger: Bool) async throws -> BatchCommit {
        let (usage, cost) = Batch.usageDelta(records)
        return try await lock.withLock {
            do {
                try await transaction { [self] in
                    _ = try await connection.query(
                        """
                        UPDATE batches SET completed = completed + ?, failed = failed + ?, prompt_tokens = prompt_tokens + ?,
                               completion_tokens = completion_tokens + ?, cached_tokens = cached_tokens + ?, reasoning_tokens = reasoning_tokens + ?,
                               cost_pusd = cost_pusd + ?
                        WHERE id = ? AND lease_owner = ?
                        """,
                        [.integer(result?.ok == true ? 1 : 0), .integer(result.map { $0.ok ? 0 : 1 } ?? 0), .integer(usage.promptTokens),
                         .integer(usage.completionTokens), .integer(usage.cachedPromptTokens), .integer(usage.reasoningTokens),
                         .integer(.init(cost)), .text(batchID), .text(owner)])
                    guard try await changes() == 1 else { throw BatchCommitRefused(.leaseLost) }
                    if let result {
                        _ = try await connection.query(
                            "INSERT INTO batch_lines (batch_id, line, custom_id, ok, output) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            [.text(batchID), .integer(result.line), .text(result.customID), .integer(result.ok ? 1 : 0), .text(result.text)])
                        guard try await changes() == 1 else { throw BatchCommitRefused(.duplicate) }
                    }
                    if ledger, !records.isEmpty {
                        for slice in Self.slices(of: records) {
                            _ = try await connection.query(insertSQL(rows: slice.count), slice.flatMap(row))
                        }
                        try await addSpend(records)
                        try await addRollup(records)
                    }
                }
                return .committed
            } catch let refused as BatchCommitRefused {
                return refused.outcome
            }
        }
    }

    package func batchLineNumbers(batchID: String) async throws -> Set<Int> {
        let rows = try await lock.withLock {
            try await connection.query("SELECT line FROM batch_lines WHERE batch_id = ?", [.text(batchID)])
        }
        return Set(rows.compactMap { int64($0, "line") }.map { Int($0) })
    }

    package func batchLines(batchID: String) async throws -> [BatchLineResult] {
        let rows = try await lock.withLock {
            try await connection.query("SELECT line, custom_id, ok, output FROM batch_lines WHERE batch_id = ? ORDER BY line", [.text(batchID)])
        }
        return rows.map { row in
            BatchLineResult(line: Int(int64(row, "line") ?? 0), customID: row.column("custom_id")?.string ?? "", ok: (int64(row, "ok") ?? 0) != 0,
                            text: row.column("output")?.string ?? "")
        }
    }

    private func batchRow(_ row: SQLiteRow) -> Batch {
        BatchColumns.batch(string: { row.column($0)?.string }, int: { int64(row, $0) })
    }
}

/// The guarded update found the batch in another status or under another lease.
struct NotUpdated: Error {}

/// A line commit rolled back for `outcome`.
struct BatchCommitRefused: Error {
    let outcome: BatchCommit
    init(_ outcome: BatchCommit) { self.outcome = outcome }
}
