import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import SwitchyardCore
@testable import SwitchyardGateway
import SwitchyardSimulator
import SwitchyardStore
import Testing

/// The batch runner in process: a batch past its window expires with its lines that never ran
/// in the error file; a batch whose key was revoked is cancelled with the reason.
@Suite struct BatchRunnerTests {
    struct Harness {
        let store: any GatewayStore
        let access: AccessLayer
        let runner: any Service
        let directory: String
    }

    static func withRunner(_ body: (Harness) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try await SQLiteStore.open(path: nil, logger: logger)
        try await store.migrate()
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("batch-runner-\(RandomID.hex())")
        let settings = accessSettings(authRequired: false) { $0.filesDirectory = directory }
        let metrics = Gateway.makeMetrics(registry: PrometheusCollectorRegistry())
        let access = AccessLayer(settings: settings, store: store, metrics: metrics)
        var config = GatewayConfig.embedded()
        config.access = settings
        config.batch.poll = .milliseconds(20)
        let (_, parts) = Gateway.buildApplication(config: config, simulator: Simulator(options: .init(seed: 3, fast: true)), access: access,
                                                  metrics: metrics, logger: logger)
        let runner = try #require(parts.batches)
        let running = Task { try await runner.run() }
        var failure: (any Error)?
        do {
            try await body(Harness(store: store, access: access, runner: runner, directory: directory))
        } catch {
            failure = error
        }
        running.cancel()
        _ = try? await running.value
        // The jobs are tracked calls: wait for them before closing the store.
        await parts.calls.waitUntilIdle()
        await store.close()
        try? FileManager.default.removeItem(atPath: directory)
        if let failure { throw failure }
    }

    /// An input file of `lines` chat requests, in the files directory and the store.
    static func inputFile(_ harness: Harness, lines: Int, keyID: String?) async throws -> StoredFile {
        let text = (0..<lines).map { #"{"custom_id":"l\#($0)","method":"POST","url":"/v1/chat/completions","body":{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi [sim tokens=2 tps=100000 ttft_ms=0]"}]}}"# }
            .joined(separator: "\n")
        let file = StoredFile(id: StoredFile.newID(), keyID: keyID, filename: "in.jsonl", purpose: "batch", bytes: Int64(text.utf8.count),
                              lines: lines, createdAt: Date())
        try FileManager.default.createDirectory(atPath: harness.directory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: (harness.directory as NSString).appendingPathComponent(file.id + ".jsonl")))
        try await harness.store.insertFile(file)
        return file
    }

    static func waitFor(_ harness: Harness, _ id: String, _ done: (Batch) -> Bool) async throws -> Batch {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let batch = try #require(try await harness.store.batch(id: id))
            if done(batch) { return batch }
            guard ContinuousClock.now < deadline else {
                Issue.record("batch still \(batch.status) \(batch.counts)")
                return batch
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func lines(_ harness: Harness, file id: String?) throws -> [String] {
        guard let id else { return [] }
        let text = try String(contentsOfFile: (harness.directory as NSString).appendingPathComponent(id + ".jsonl"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    @Test func aBatchPastItsWindowExpiresWithItsUnrunLinesInTheErrorFile() async throws {
        try await Self.withRunner { harness in
            let file = try await Self.inputFile(harness, lines: 3, keyID: nil)
            let created = Date().addingTimeInterval(-25 * 3600)
            let batch = Batch(id: Batch.newID(), keyID: nil, endpoint: "/v1/chat/completions", inputFileID: file.id, status: .inProgress, metadata: nil,
                              createdAt: created, expiresAt: created + Batch.window, counts: BatchCounts(total: 3))
            try await harness.store.insertBatch(batch)
            let expired = try await Self.waitFor(harness, batch.id) { $0.status.isTerminal }
            #expect(expired.status == .expired && expired.expiredAt != nil && expired.outputFileID == nil)
            let errors = try Self.lines(harness, file: expired.errorFileID)
            #expect(errors.count == 3)
            #expect(errors.allSatisfy { $0.contains(#""response":null"#) && $0.contains(#""code":"batch_expired""#) })
            #expect(try await harness.store.file(id: try #require(expired.errorFileID))?.purpose == "batch_output")
        }
    }

    @Test func aBatchRunsToCompletionAndItsCountsAreTheStoresLines() async throws {
        try await Self.withRunner { harness in
            let file = try await Self.inputFile(harness, lines: 12, keyID: nil)
            let now = Date()
            let batch = Batch(id: Batch.newID(), keyID: nil, endpoint: "/v1/chat/completions", inputFileID: file.id, metadata: nil, createdAt: now,
                              expiresAt: now + Batch.window, counts: BatchCounts(total: 12))
            try await harness.store.insertBatch(batch)
            let done = try await Self.waitFor(harness, batch.id) { $0.status.isTerminal }
            #expect(done.status == .completed && done.counts == BatchCounts(total: 12, completed: 12, failed: 0))
            #expect(try await harness.store.batchLineNumbers(batchID: batch.id) == Set(1...12))
            let output = try Self.lines(harness, file: done.outputFileID)
            #expect(Set(output.compactMap { line in
                (try? JSONDocument(bytes: Array(line.utf8))).flatMap { d in d.value(at: "custom_id").flatMap(d.string) }
            }) == Set((0..<12).map { "l\($0)" }))
            #expect(done.costPicodollars > 0 && done.usage.completionTokens > 0)
        }
    }

    @Test func aBatchOfARevokedKeyIsCancelledWithTheReason() async throws {
        try await Self.withRunner { harness in
            let (_, key) = KeyGenerator.make(try KeySpec(json: Array(#"{"name":"gone"}"#.utf8), catalog: .builtIn, now: Date()), now: Date())
            var revoked = key
            revoked.revokedAt = Date()
            try await harness.store.insertKey(revoked)
            harness.access.keys.upsert(revoked)
            let file = try await Self.inputFile(harness, lines: 2, keyID: key.id)
            let now = Date()
            let batch = Batch(id: Batch.newID(), keyID: key.id, endpoint: "/v1/chat/completions", inputFileID: file.id, metadata: nil, createdAt: now,
                              expiresAt: now + Batch.window, counts: BatchCounts(total: 2))
            try await harness.store.insertBatch(batch)
            let done = try await Self.waitFor(harness, batch.id) { $0.status.isTerminal }
            #expect(done.status == .cancelled && done.counts.done == 0)
            #expect(done.errors.map(\.code) == [BatchError.keyRevoked])
            #expect(try Self.lines(harness, file: done.errorFileID).allSatisfy { $0.contains("batch_cancelled") })
        }
    }

    @Test func aBatchWhoseInputFileIsGoneFailsWhileValidatingAndIsCancelledLater() async throws {
        try await Self.withRunner { harness in
            let now = Date()
            var ids: [BatchStatus: String] = [:]
            for status in [BatchStatus.validating, .inProgress] {
                let batch = Batch(id: Batch.newID(), keyID: nil, endpoint: "/v1/chat/completions", inputFileID: StoredFile.newID(), status: status,
                                  metadata: nil, createdAt: now, expiresAt: now + Batch.window, counts: BatchCounts(total: 2))
                try await harness.store.insertBatch(batch)
                ids[status] = batch.id
            }
            let failed = try await Self.waitFor(harness, try #require(ids[.validating])) { $0.status.isTerminal }
            #expect(failed.status == .failed && failed.errors.map(\.code) == [BatchError.inputUnreadable])
            let cancelled = try await Self.waitFor(harness, try #require(ids[.inProgress])) { $0.status.isTerminal }
            #expect(cancelled.status == .cancelled && cancelled.errors.map(\.code) == [BatchError.inputUnreadable])
        }
    }

    @Test func offPeakIsTheServingProvidersWindow() throws {
        var config = GatewayConfig.embedded()
        let night = try #require(BatchWindow(parsing: "22:00-06:00"))
        config.batch.offPeak = ["deepseek-simulator": try #require(BatchWindow(parsing: "16:30-00:30")), "qwen": night]
        #expect(BatchJob.offPeakWindow(model: "deepseek-v4-flash", config: config) == BatchWindow(parsing: "16:30-00:30"))
        #expect(BatchJob.offPeakWindow(model: "qwen3-32b", config: config) == night)
        #expect(BatchJob.offPeakWindow(model: "glm-5", config: config) == nil)
        config.batch.offPeak["default"] = night
        #expect(BatchJob.offPeakWindow(model: "glm-5", config: config) == night)
    }
}
