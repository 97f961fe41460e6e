import Foundation
import Logging
import PostgresNIO
import SwitchyardCore

extension PostgresStore {
    package func insertBatch(_ batch: Batch) async throws {
        let metadata = batch.metadata.map { Batch.metadataJSON($0) }
        let errors = Batch.errorsJSON(batch.errors)
        let created = KeyColumns.milliseconds(batch.createdAt)
        let expires = KeyColumns.milliseconds(batch.expiresAt)
        let total = Int64(batch.counts.total)
        try await client.query("""
            INSERT INTO batches (id, key_id, endpoint, input_file_id, completion_window, status, metadata, errors, created_at_ms, expires_at_ms, total)
            VALUES (\(batch.id), \(batch.keyID), \(batch.endpoint), \(batch.inputFileID), \(batch.completionWindow), \(batch.status.rawValue),
                    \(metadata), \(errors), \(created), \(expires), \(total))
            """, logger: logger)
    }

    package func batch(id: String) async throws -> Batch? {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT \(BatchColumns.list) FROM batches WHERE id = $1", binds: binds(id)),
                                          logger: logger)
        for try await row in rows { return batchRow(row) }
        return nil
    }

    package func batches(_ owner: BatchOwner, after: String?, limit: Int) async throws -> [Batch] {
        var bindings = PostgresBindings()
        var sql = "SELECT \(BatchColumns.list) FROM batches WHERE true"
        if case .key(let keyID) = owner {
            bindings.append(keyID)
            sql += " AND key_id IS NOT DISTINCT FROM $\(bindings.count)"
        }
        if let after {
            bindings.append(after)
            sql += " AND (created_at_ms, id) < (SELECT created_at_ms, id FROM batches WHERE id = $\(bindings.count))"
        }
        bindings.append(Int64(limit))
        sql += " ORDER BY created_at_ms DESC, id DESC LIMIT $\(bindings.count)"
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var out: [Batch] = []
        for try await row in rows { out.append(batchRow(row)) }
        return out
    }

    package func cancelBatch(id: String, at date: Date, reason: BatchError?) async throws -> Batch? {
        try await client.withTransaction(logger: logger) { connection in
            var found: Batch?
            for try await row in try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(BatchColumns.list) FROM batches WHERE id = $1 FOR UPDATE", binds: binds(id)), logger: logger) {
                found = batchRow(row)
            }
            guard var batch = found else { return nil }
            guard batch.status.cancel == .starts else { return batch }
            batch.move(to: .cancelling, at: date)
            batch.setPause(nil)
            if let reason { batch.errors.append(reason) }
            let (status, errors, ms) = (batch.status.rawValue, Batch.errorsJSON(batch.errors), KeyColumns.milliseconds(date))
            try await connection.query("UPDATE batches SET status = \(status), cancelling_at_ms = \(ms), errors = \(errors) WHERE id = \(id)",
                                       logger: logger)
            return batch
        }
    }

    package func claimBatches(owner: String, now: Date, until: Date, takeOver: Bool, limit: Int) async throws -> [Batch] {
        var bindings = PostgresBindings()
        bindings.append(owner)
        bindings.append(KeyColumns.milliseconds(until))
        bindings.append(takeOver)
        bindings.append(KeyColumns.milliseconds(now))
        bindings.append(Int64(limit))
        // SKIP LOCKED: replicas claiming at once take different batches instead of waiting.
        let rows = try await client.query(PostgresQuery(unsafeSQL: """
            UPDATE batches SET lease_owner = $1, lease_until_ms = $2
            WHERE id IN (SELECT id FROM batches WHERE status IN (\(BatchColumns.unfinishedList))
                         AND ($3 OR lease_owner IS NULL OR lease_owner = $1 OR lease_until_ms < $4)
                         ORDER BY created_at_ms, id LIMIT $5 FOR UPDATE SKIP LOCKED)
            RETURNING \(BatchColumns.list)
            """, binds: bindings), logger: logger)
        var out: [Batch] = []
        for try await row in rows { out.append(batchRow(row)) }
        return out.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    package func renewBatchLease(id: String, owner: String, until: Date) async throws -> Batch? {
        var bindings = PostgresBindings()
        bindings.append(KeyColumns.milliseconds(until))
        bindings.append(id)
        bindings.append(owner)
        let rows = try await client.query(PostgresQuery(unsafeSQL:
            "UPDATE batches SET lease_until_ms = $1 WHERE id = $2 AND lease_owner = $3 RETURNING \(BatchColumns.list)", binds: bindings),
            logger: logger)
        for try await row in rows { return batchRow(row) }
        return nil
    }

    package func releaseBatchLease(id: String, owner: String) async throws {
        try await client.query("UPDATE batches SET lease_owner = NULL, lease_until_ms = NULL WHERE id = \(id) AND lease_owner = \(owner)",
                               logger: logger)
    }

    package func updateBatch(_ batch: Batch, expecting: BatchStatus, owner: String, files: [StoredFile]) async throws -> Bool {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let (status, errors) = (batch.status.rawValue, Batch.errorsJSON(batch.errors))
                let times = [batch.inProgressAt, batch.finalizingAt, batch.completedAt, batch.failedAt, batch.expiredAt, batch.cancellingAt,
                             batch.cancelledAt].map(BatchColumns.ms)
                let rows = try await connection.query("""
                    UPDATE batches SET status = \(status), errors = \(errors), output_file_id = \(batch.outputFileID),
                           error_file_id = \(batch.errorFileID), in_progress_at_ms = \(times[0]), finalizing_at_ms = \(times[1]),
                           completed_at_ms = \(times[2]), failed_at_ms = \(times[3]), expired_at_ms = \(times[4]),
                           cancelling_at_ms = \(times[5]), cancelled_at_ms = \(times[6])
                    WHERE id = \(batch.id) AND status = \(expecting.rawValue) AND lease_owner = \(owner) RETURNING id
                    """, logger: logger)
                var updated = 0
                for try await _ in rows { updated += 1 }
                guard updated == 1 else { throw NotUpdated() }
                for file in files {
                    let ms = KeyColumns.milliseconds(file.createdAt)
                    let lines = Int32(clamping: file.lines)
                    try await connection.query("""
                        INSERT INTO files (id, key_id, filename, purpose, bytes, lines, created_at_ms)
                        VALUES (\(file.id), \(file.keyID), \(file.filename), \(file.purpose), \(file.bytes), \(lines), \(ms))
                        """, logger: logger)
                }
                return true
            }
        } catch is NotUpdated {
            return false
        } catch let error as PostgresTransactionError where error.closureError is NotUpdated {
            return false
        }
    }

    package func commitBatchLine(batchID: String, owner: String, result: BatchLineResult?, records: [UsageRecord], ledger: Bool) async throws -> BatchCommit {
        let (usage, cost) = Batch.usageDelta(records)
        do {
            try await client.withTransaction(logger: logger) { connection in
                let completed: Int64 = result?.ok == true ? 1 : 0
                let failed: Int64 = result.map { $0.ok ? 0 : 1 } ?? 0
                let (p, c, ca, r) = (Int64(usage.promptTokens), Int64(usage.completionTokens), Int64(usage.cachedPromptTokens), Int64(usage.reasoningTokens))
                let updated = try await connection.query("""
                    UPDATE batches SET completed = completed + \(completed), failed = failed + \(failed), prompt_tokens = prompt_tokens + \(p),
                           completion_tokens = completion_tokens + \(c), cached_tokens = cached_tokens + \(ca),
                           reasoning_tokens = reasoning_tokens + \(r), cost_pusd = LEAST(cost_pusd::numeric + \(cost), \(Picodollars.ceiling))::bigint
                    WHERE id = \(batchID) AND lease_owner = \(owner) RETURNING id
                    """, logger: logger)
                var count = 0
                for try await _ in updated { count += 1 }
                guard count == 1 else { throw BatchCommitRefused(.leaseLost) }
                if let result {
                    let line = Int32(clamping: result.line)
                    let inserted = try await connection.query("""
                        INSERT INTO batch_lines (batch_id, line, custom_id, ok, output) VALUES (\(batchID), \(line), \(result.customID), \(result.ok), \(result.text))
                        ON CONFLICT DO NOTHING RETURNING line
                        """, logger: logger)
                    var rows = 0
                    for try await _ in inserted { rows += 1 }
                    guard rows == 1 else { throw BatchCommitRefused(.duplicate) }
                }
                if ledger, !records.isEmpty {
                    try await insertRecords(records, connection: connection)
                }
            }
            return .committed
        } catch let refused as BatchCommitRefused {
            return refused.outcome
        } catch let error as PostgresTransactionError {
            if let refused = error.closureError as? BatchCommitRefused { return refused.outcome }
            throw error
        }
    }

    package func batchLineNumbers(batchID: String) async throws -> Set<Int> {
        let rows = try await client.query("SELECT line FROM batch_lines WHERE batch_id = \(batchID)", logger: logger)
        var out = Set<Int>()
        for try await line in rows.decode(Int32.self) { out.insert(Int(line)) }
        return out
    }

    package func batchLines(batchID: String) async throws -> [BatchLineResult] {
        let rows = try await client.query("SELECT line, custom_id, ok, output FROM batch_lines WHERE batch_id = \(batchID) ORDER BY line",
                                          logger: logger)
        var out: [BatchLineResult] = []
        for try await (line, customID, ok, output) in rows.decode((Int32, String, Bool, String).self) {
            out.append(BatchLineResult(line: Int(line), customID: customID, ok: ok, text: output))
        }
        return out
    }

    private func binds(_ values: String...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    private func batchRow(_ row: PostgresRow) -> Batch {
        let columns = row.makeRandomAccess()
        return BatchColumns.batch(string: { name in (try? columns[name].decode(String?.self)) ?? nil },
                                  int: { name in (try? columns[name].decode(Int64?.self)) ?? nil })
    }
}
