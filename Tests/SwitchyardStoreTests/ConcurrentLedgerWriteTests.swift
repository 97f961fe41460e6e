import Foundation
import SwitchyardCore
import SwitchyardStore
import Testing

/// Two writers appending at once (one replica's two ledger writers, or two replicas), each
/// batch touching thousands of rollup entries the other touches too — new ones, so that both
/// create them — with the thousand-entry slices of the two batches ending in different places.
/// Every batch must commit and every row must count once. (The lock order that rules out a
/// deadlock between them is argued in `PostgresStore.merge`; this does not force the one
/// interleaving that deadlocked before it: a writer holding an entry locked in one slice while
/// creating, in its next slice, an entry the other had created and was waiting on it for.)
@Suite struct ConcurrentLedgerWriteTests {
    @Test(arguments: StoreKind.available)
    func overlappingBatchesCommitAndAddUp(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01, midnight UTC
            let rounds = 2, perBatch = 1_200, offset = 300
            for round in 0..<rounds {
                let day = start.addingTimeInterval(Double(round) * 86_400)
                func batch(_ first: Int, _ tag: String) -> [UsageRecord] {
                    (first..<(first + perBatch)).map { k in
                        var r = record(k, key: String(format: "k%05d", k), model: "m\(k % 3)", at: day.addingTimeInterval(Double(k % 3_600)),
                                       cost: 1_000, latencyMs: Int64(10 + k % 500))
                        r.requestID = "req_\(tag)_\(round)_\(k)"
                        return r
                    }
                }
                async let a: Void = store.append(batch(0, "a"))
                async let b: Void = store.append(batch(offset, "b"))
                _ = try await (a, b)
            }
            let all = try await store.usage(UsageQuery(from: start, to: start.addingTimeInterval(Double(rounds) * 86_400), groupBy: .all))
            #expect(all.first?.requests == rounds * perBatch * 2)
            // A key both batches wrote counts twice a round; one only the first wrote, once.
            let shared = try await store.usage(UsageQuery(from: start, to: start.addingTimeInterval(Double(rounds) * 86_400), groupBy: .model,
                                                          filters: .init(keyID: String(format: "k%05d", offset + 1))))
            #expect(shared.reduce(0) { $0 + $1.requests } == rounds * 2)
            let alone = try await store.usage(UsageQuery(from: start, to: start.addingTimeInterval(Double(rounds) * 86_400), groupBy: .model,
                                                         filters: .init(keyID: "k00001")))
            #expect(alone.reduce(0) { $0 + $1.requests } == rounds)
        }
    }
}
