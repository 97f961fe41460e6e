import Foundation
import Testing
@testable import SwitchyardCore

/// `auth:`, `store:`, `ledger:` and `server.backlog`: defaults, and every bad value answered
/// with the file, line and field.
@Suite struct AccessConfigTests {
    let providers = """
        providers:
          - name: glm
            family: glm
            deployments:
              - {name: g, simulated: true, models: {glm-5: }}
        """

    func parse(_ extra: String, environment: [String: String] = [:], file: String = "/etc/sy/test.yaml") throws(ConfigError) -> GatewayConfig {
        try GatewayConfig.parse(yaml: providers + "\n" + extra, file: file, environment: environment)
    }

    func expectError(_ extra: String, environment: [String: String] = [:], line: Int?, field: String, contains text: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(extra, environment: environment)
            Issue.record("expected a config error", sourceLocation: sourceLocation)
        } catch {
            #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
            #expect(error.field == field, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("hunter2"), sourceLocation: sourceLocation)
        }
    }

    @Test func defaultsRequireKeysAndKeepTheLedgerNextToTheFile() throws {
        let config = try parse("")
        #expect(config.access.authRequired)
        #expect(config.access.store == .sqlite(path: "/etc/sy/switchyard.db"))
        #expect(config.access.ledgerEnabled && config.access.adminKey == nil)
        #expect(config.server.backlog == 4096)
    }

    @Test func everyFieldParses() throws {
        let config = try parse("""
            server: {backlog: 128}
            auth: {required: false, admin_key_env: SY_ADMIN}
            store: {url: "postgres://sy@db:6543/usage?sslmode=verify-full", password_env: SY_DB, sync_ms: 250, max_stale_s: 60}
            ledger: {enabled: true, queue_capacity: 2000, batch_size: 100, flush_ms: 50, retention_months: 13}
            """, environment: ["SY_ADMIN": "a-long-admin-key-123", "SY_DB": "hunter2"])
        #expect(!config.access.authRequired)
        #expect(config.access.adminKey?.value == "a-long-admin-key-123")
        guard case .postgres(let location) = config.access.store else { Issue.record("expected postgres"); return }
        #expect(location.password == "hunter2" && location.requireTLS && location.port == 6543)
        #expect(!config.access.store.description.contains("hunter2"))
        #expect(config.access.syncInterval == .milliseconds(250) && config.access.maxStale == .seconds(60))
        #expect(config.access.ledgerQueueCapacity == 2000 && config.access.ledgerBatchSize == 100 && config.access.retentionMonths == 13)
        #expect(config.server.backlog == 128)
    }

    /// The default batch (5,000) follows a smaller queue instead of refusing it; a batch the
    /// file sets above its queue is still an error (below).
    @Test func theDefaultBatchFitsASmallQueue() throws {
        #expect(try parse("ledger: {queue_capacity: 1000}").access.ledgerBatchSize == 1_000)
        #expect(try parse("ledger: {enabled: true}").access.ledgerBatchSize == 5_000)
    }

    @Test func badValuesNameTheLineAndField() {
        expectError("store: {url: \"mysql://x/y\"}", line: 6, field: "store.url", contains: "expected sqlite:PATH")
        expectError("store: {url: \"postgres://u:hunter2@h/db?sslmode=prefer\"}", line: 6, field: "store.url", contains: "sslmode must be")
        expectError("store: {sync_ms: 10}", line: 6, field: "store.sync_ms", contains: "between 50 and 3000")
        expectError("store: {pasword_env: X}", line: 6, field: "store.pasword_env", contains: "unknown field")
        expectError("store: {password_env: NOPE}", line: 6, field: "store.password_env", contains: "NOPE is not set")
        expectError("auth: {required: maybe}", line: 6, field: "auth.required", contains: "true or false")
        expectError("auth: {required: true}", environment: ["SWITCHYARD_ADMIN_KEY": "short"], line: 6, field: "auth.admin_key_env",
                    contains: "shorter than 16")
        expectError("ledger: {queue_capacity: 100, batch_size: 500}", line: 6, field: "ledger.batch_size", contains: "queue_capacity")
        expectError("ledger: {retention_months: 0}", line: 6, field: "ledger.retention_months", contains: "between 1 and 1200")
        expectError("server: {backlog: 0}", line: 6, field: "server.backlog", contains: "between 1 and 65535")
    }
}
