import Foundation
import SwitchyardCore
import SwitchyardStore
import Testing

@Suite struct BatchStoreTests {
    static let base = Date(timeIntervalSince1970: 1_764_000_000)

    static func batch(key: String?, at offset: Double = 0, total: Int = 3) -> Batch {
        Batch(id: Batch.newID(), keyID: key, endpoint: "/v1/chat/completions", inputFileID: StoredFile.newID(), metadata: ["project": "x"],
              createdAt: base.addingTimeInterval(offset), expiresAt: base.addingTimeInterval(offset + Batch.window), counts: BatchCounts(total: total))
    }

    static func row(_ batch: Batch, _ customID: String, cost: Int64?, status: Int = 200) -> UsageRecord {
        var record = UsageRecord(time: base, requestID: "req_" + customID, keyID: batch.keyID, team: nil, requestedModel: "m", servedModel: "m",
                                 provider: "p", deployment: "d", region: "r", route: "explicit", attempts: 1,
                                 usage: TokenUsage(promptTokens: 10, completionTokens: 5), costPicodollars: cost, latencyMicroseconds: 1,
                                 ttftMicroseconds: nil, status: status, errorClass: nil, stream: false)
        record.batchID = batch.id
        record.customID = customID
        return record
    }

    @Test(arguments: StoreKind.available)
    func batchesBelongToTheirKeyListNewestFirstAndRoundTrip(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var ids: [String] = []
            for i in 0..<4 {
                let batch = Self.batch(key: i < 3 ? "key_a" : "key_b", at: Double(i))
                try await store.insertBatch(batch)
                ids.append(batch.id)
            }
            let anonymous = Self.batch(key: nil)
            try await store.insertBatch(anonymous)
            let a = try await store.batches(.key("key_a"), after: nil, limit: 10)
            #expect(a.map(\.id) == [ids[2], ids[1], ids[0]])
            #expect(try await store.batches(.key("key_a"), after: ids[2], limit: 1).map(\.id) == [ids[1]])
            #expect(try await store.batches(.key(nil), after: nil, limit: 10).map(\.id) == [anonymous.id])
            #expect(try await store.batches(.any, after: nil, limit: 10).count == 5)
            let read = try #require(try await store.batch(id: ids[0]))
            #expect(read == Self.batch(key: "key_a").with(id: ids[0], inputFileID: read.inputFileID))
            #expect(read.metadata == ["project": "x"] && read.status == .validating && read.counts == BatchCounts(total: 3))
            #expect(try await store.batch(id: "batch_nope") == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func leasesAreExclusiveRenewedReleasedAndTakenOverWhenExpired(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let batch = Self.batch(key: "k")
            try await store.insertBatch(batch)
            let now = Self.base
            #expect(try await store.claimBatches(owner: "r1", now: now, until: now + 30, takeOver: false, limit: 10).map(\.id) == [batch.id])
            // Held by r1: r2 gets nothing until it expires; r1 gets it again (its own).
            #expect(try await store.claimBatches(owner: "r2", now: now + 1, until: now + 31, takeOver: false, limit: 10).isEmpty)
            #expect(try await store.claimBatches(owner: "r1", now: now + 1, until: now + 31, takeOver: false, limit: 10).count == 1)
            #expect(try await store.renewBatchLease(id: batch.id, owner: "r1", until: now + 40)?.id == batch.id)
            #expect(try await store.renewBatchLease(id: batch.id, owner: "r2", until: now + 40) == nil)
            #expect(try await store.claimBatches(owner: "r2", now: now + 39, until: now + 60, takeOver: false, limit: 10).isEmpty)
            // r1 died: its lease lapses and r2 takes the batch over; r1 can no longer renew it.
            #expect(try await store.claimBatches(owner: "r2", now: now + 41, until: now + 70, takeOver: false, limit: 10).map(\.id) == [batch.id])
            #expect(try await store.renewBatchLease(id: batch.id, owner: "r1", until: now + 80) == nil)
            // Released: anyone may take it at once; takeOver ignores a live lease.
            try await store.releaseBatchLease(id: batch.id, owner: "r2")
            #expect(try await store.claimBatches(owner: "r3", now: now + 42, until: now + 70, takeOver: false, limit: 10).count == 1)
            #expect(try await store.claimBatches(owner: "r4", now: now + 43, until: now + 70, takeOver: true, limit: 10).count == 1)
            // Finished batches are never claimed.
            var done = try #require(try await store.batch(id: batch.id))
            done.move(to: .failed, at: now)
            #expect(try await store.updateBatch(done, expecting: .validating, owner: "r4", files: []))
            #expect(try await store.claimBatches(owner: "r4", now: now + 44, until: now + 70, takeOver: true, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func aLineCommitsOnceWithItsLedgerRowsAndOnlyUnderTheLease(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let batch = Self.batch(key: "key_a")
            try await store.insertBatch(batch)
            _ = try await store.claimBatches(owner: "r1", now: Self.base, until: Self.base + 60, takeOver: false, limit: 1)
            let ok = BatchLineResult.response(line: 1, customID: "a", statusCode: 200, requestID: "req_a", body: Array(#"{"ok":true}"#.utf8))
            #expect(try await store.commitBatchLine(batchID: batch.id, owner: "r1", result: ok, records: [Self.row(batch, "a", cost: 1_000)],
                                                    ledger: true) == .committed)
            // The same line again (a rerun after a lost acknowledgement): nothing is written.
            let again = BatchLineResult.response(line: 1, customID: "a", statusCode: 200, requestID: "req_a2", body: Array("{}".utf8))
            #expect(try await store.commitBatchLine(batchID: batch.id, owner: "r1", result: again, records: [Self.row(batch, "a", cost: 1_000)],
                                                    ledger: true) == .duplicate)
            // Another replica's result: refused, nothing written.
            let other = BatchLineResult.response(line: 2, customID: "b", statusCode: 200, requestID: "req_b", body: Array("{}".utf8))
            #expect(try await store.commitBatchLine(batchID: batch.id, owner: "r2", result: other, records: [Self.row(batch, "b", cost: 7)],
                                                    ledger: true) == .leaseLost)
            let failed = BatchLineResult.response(line: 3, customID: "c", statusCode: 400, requestID: "req_c", body: Array(#"{"error":{}}"#.utf8))
            #expect(try await store.commitBatchLine(batchID: batch.id, owner: "r1", result: failed, records: [Self.row(batch, "c", cost: nil, status: 400)],
                                                    ledger: true) == .committed)
            // A line cut by shutdown: its rows count, it has no result.
            #expect(try await store.commitBatchLine(batchID: batch.id, owner: "r1", result: nil, records: [Self.row(batch, "b", cost: 20, status: 503)],
                                                    ledger: true) == .committed)
            #expect(try await store.batchLineNumbers(batchID: batch.id) == [1, 3])
            let lines = try await store.batchLines(batchID: batch.id)
            #expect(lines.map(\.customID) == ["a", "c"] && lines.map(\.ok) == [true, false] && lines[0].text == ok.text)
            let read = try #require(try await store.batch(id: batch.id))
            #expect(read.counts == BatchCounts(total: 3, completed: 1, failed: 1))
            #expect(read.costPicodollars == 1_020 && read.usage.promptTokens == 30 && read.usage.completionTokens == 15)
            // The ledger has exactly the committed rows, and the key's spend their cost.
            let usage = try await store.usage(UsageQuery(from: Self.base.addingTimeInterval(-1), to: Self.base.addingTimeInterval(1), groupBy: .key))
            #expect(usage.map(\.requests) == [3])
            #expect(try await store.cost(from: Self.base.addingTimeInterval(-1), to: Self.base.addingTimeInterval(1)) == 1_020)
            #expect(try await store.spend(now: Self.base)["key_a"]?[.day] == 1_020)
        }
    }

    @Test(arguments: StoreKind.available)
    func updatesAreGuardedByStatusAndLeaseAndCancelOnlyStartsOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var batch = Self.batch(key: "k")
            try await store.insertBatch(batch)
            _ = try await store.claimBatches(owner: "r1", now: Self.base, until: Self.base + 60, takeOver: false, limit: 1)
            batch.move(to: .inProgress, at: Self.base + 1)
            batch.setPause(BatchError(code: BatchError.budgetExhausted, message: "Paused: budget"))
            #expect(try await !store.updateBatch(batch, expecting: .validating, owner: "r2", files: []))
            #expect(try await store.updateBatch(batch, expecting: .validating, owner: "r1", files: []))
            let paused = try #require(try await store.batch(id: batch.id))
            #expect(paused.status == .inProgress && paused.inProgressAt == Self.base + 1 && paused.errors.map(\.code) == [BatchError.budgetExhausted])
            // Cancelled through the API meanwhile: the runner's stale update is refused.
            let cancelled = try #require(try await store.cancelBatch(id: batch.id, at: Self.base + 2, reason: nil))
            #expect(cancelled.status == .cancelling && cancelled.cancellingAt == Self.base + 2 && cancelled.errors.isEmpty)
            batch.move(to: .finalizing, at: Self.base + 3)
            #expect(try await !store.updateBatch(batch, expecting: .inProgress, owner: "r1", files: []))
            #expect(try await store.cancelBatch(id: batch.id, at: Self.base + 4, reason: nil)?.cancellingAt == Self.base + 2)
            // The end: files and status in one transaction.
            var final = cancelled
            let file = StoredFile(id: StoredFile.newID(), keyID: "k", filename: "out.jsonl", purpose: "batch_output", bytes: 10, lines: 1,
                                  createdAt: Self.base + 5)
            final.outputFileID = file.id
            final.move(to: .cancelled, at: Self.base + 5)
            #expect(try await store.updateBatch(final, expecting: .cancelling, owner: "r1", files: [file]))
            #expect(try await store.file(id: file.id)?.purpose == "batch_output")
            let read = try #require(try await store.batch(id: batch.id))
            #expect(read.status == .cancelled && read.outputFileID == file.id && read.cancelledAt == Self.base + 5)
            #expect(try await store.cancelBatch(id: batch.id, at: Self.base + 6, reason: nil)?.status == .cancelled)
        }
    }
}

extension Batch {
    func with(id: String, inputFileID: String) -> Batch {
        var copy = self
        copy.id = id
        copy.inputFileID = inputFileID
        return copy
    }
}
