import Foundation
import SwitchyardCore
import Testing

@Suite struct BatchTests {
    // MARK: State transitions

    @Test func statusesMoveForwardOnly() {
        let allowed: Set<[BatchStatus]> = [
            [.validating, .inProgress], [.validating, .failed], [.validating, .cancelling], [.validating, .expired],
            [.inProgress, .finalizing], [.inProgress, .cancelling], [.inProgress, .expired],
            [.finalizing, .completed], [.cancelling, .cancelled],
        ]
        for from in BatchStatus.allCases {
            for to in BatchStatus.allCases {
                #expect(from.canMove(to: to) == allowed.contains([from, to]), "\(from) → \(to)")
            }
        }
        // Nothing leaves a terminal status; every unfinished one can end.
        for status in BatchStatus.allCases where status.isTerminal {
            #expect(BatchStatus.allCases.allSatisfy { !status.canMove(to: $0) })
        }
        #expect(BatchStatus.unfinished == [.validating, .inProgress, .finalizing, .cancelling])
        #expect(BatchStatus.allCases.map(\.rawValue) == ["validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"])
    }

    @Test func cancelStartsOnlyBeforeFinalizing() {
        #expect(BatchStatus.validating.cancel == .starts && BatchStatus.inProgress.cancel == .starts)
        #expect(BatchStatus.cancelling.cancel == .already && BatchStatus.cancelled.cancel == .already)
        for status in [BatchStatus.finalizing, .completed, .failed, .expired] { #expect(status.cancel == .refused) }
    }

    @Test func movingSetsTheTimestampAndPausesReplaceEachOther() {
        let created = Date(timeIntervalSince1970: 1_000)
        var batch = Batch(id: Batch.newID(), keyID: "k", endpoint: "/v1/embeddings", inputFileID: "file-x", metadata: nil, createdAt: created,
                          expiresAt: created + Batch.window, counts: BatchCounts(total: 2))
        batch.move(to: .inProgress, at: created + 1)
        batch.setPause(BatchError(code: BatchError.budgetExhausted, message: "a"))
        batch.setPause(BatchError(code: BatchError.waitingForWindow, message: "b"))
        batch.errors.append(BatchError(code: BatchError.maxCostReached, message: "c"))
        #expect(batch.errors.map(\.code) == [BatchError.waitingForWindow, BatchError.maxCostReached])
        batch.setPause(nil)
        #expect(batch.errors.map(\.code) == [BatchError.maxCostReached])
        batch.move(to: .cancelling, at: created + 2)
        batch.move(to: .cancelled, at: created + 3)
        #expect(batch.inProgressAt == created + 1 && batch.cancellingAt == created + 2 && batch.cancelledAt == created + 3 && batch.completedAt == nil)
        #expect(Batch.isWellFormed(batch.id) && !Batch.isWellFormed("batch_../../x") && !Batch.isWellFormed("file-" + String(repeating: "a", count: 24)))
    }

    @Test func theBatchObjectHasOpenAIsShape() throws {
        let created = Date(timeIntervalSince1970: 1_711_471_533)
        var batch = Batch(id: "batch_0123456789abcdefABCDEFGH", keyID: "k", endpoint: "/v1/chat/completions", inputFileID: "file-abc",
                          metadata: ["b": "2", "a": "1"], createdAt: created, expiresAt: created + Batch.window,
                          counts: BatchCounts(total: 100, completed: 95, failed: 5))
        batch.usage = TokenUsage(promptTokens: 10, completionTokens: 20, cachedPromptTokens: 3, reasoningTokens: 4)
        batch.costPicodollars = 1_234_500
        batch.errors = [BatchError(code: "budget_exhausted", message: "Paused")]
        let document = try JSONDocument(bytes: Array(batch.json.utf8), strict: true)
        func value(_ path: String...) -> JSONValue? {
            var current: JSONValue? = document.root
            for key in path { current = current.flatMap { document.member(key, of: $0) } }
            return current
        }
        #expect(value("object").flatMap(document.string) == "batch" && value("status").flatMap(document.string) == "validating")
        #expect(value("created_at").flatMap(document.int) == 1_711_471_533 && value("expires_at").flatMap(document.int) == 1_711_557_933)
        #expect(value("in_progress_at")?.kind == .null && value("output_file_id")?.kind == .null)
        #expect(value("request_counts", "failed").flatMap(document.int) == 5)
        #expect(value("errors", "data")?.kind == .array && document.value(at: "errors", "object").flatMap(document.string) == "list")
        #expect(value("usage", "input_tokens").flatMap(document.int) == 10 && value("usage", "total_tokens").flatMap(document.int) == 30)
        #expect(value("usage", "input_tokens_details", "cached_tokens").flatMap(document.int) == 3)
        #expect(value("usage", "cost_usd").flatMap(document.string) == "0.0000012345")
        #expect(document.raw(try #require(value("metadata"))).elementsEqual(Array(#"{"a":"1","b":"2"}"#.utf8)))
        batch.errors = []
        #expect(batch.json.contains(#""errors":null"#))
        #expect(Batch.errors(fromJSON: Batch.errorsJSON([BatchError(code: "x", message: "y", param: "p", line: 3)])) == [BatchError(code: "x", message: "y", param: "p", line: 3)])
        #expect(Batch.metadata(fromJSON: Batch.metadataJSON(["k": "v"])) == ["k": "v"])
    }

    // MARK: Line accounting

    @Test func howALineEndsDecidesWhatTheBatchDoes() {
        let rpm = OpenAIError(.keyRequestRateLimited, "Rate limit", retryAfterSeconds: 17)
        let tooBig = OpenAIError(.keyTokenLimitTooSmall, "needs more tokens than the limit")
        let budget = OpenAIError(.insufficientQuota, "This key's budget of $1 per day is used up")
        let cap = BatchError(code: BatchError.maxCostReached, message: "stop")
        #expect(BatchLineVerdict.of(status: 200, errorCode: nil, refusal: nil, maxCost: nil, cancelled: false) == .record(ok: true))
        #expect(BatchLineVerdict.of(status: 400, errorCode: "content_filter", refusal: nil, maxCost: nil, cancelled: false) == .record(ok: false))
        // The upstream's own 429 after the retries is the line's answer; the key's RPM is a wait.
        #expect(BatchLineVerdict.of(status: 429, errorCode: "rate_limit_exceeded", refusal: nil, maxCost: nil, cancelled: false) == .record(ok: false))
        guard case .retry(17, let reason) = BatchLineVerdict.of(status: 429, errorCode: nil, refusal: rpm, maxCost: nil, cancelled: false) else {
            Issue.record("an RPM refusal is a wait")
            return
        }
        #expect(reason.code == BatchError.rateLimited)
        #expect(BatchLineVerdict.of(status: 429, errorCode: nil, refusal: tooBig, maxCost: nil, cancelled: false) == .record(ok: false))
        guard case .pauseForBudget(let paused) = BatchLineVerdict.of(status: 429, errorCode: nil, refusal: budget, maxCost: nil, cancelled: false) else {
            Issue.record("a budget refusal pauses the batch")
            return
        }
        #expect(paused.code == BatchError.budgetExhausted && paused.message.contains("budget of $1 per day is used up"))
        #expect(BatchLineVerdict.of(status: 429, errorCode: nil, refusal: nil, maxCost: cap, cancelled: false) == .stopForMaxCost(cap))
        #expect(BatchLineVerdict.of(status: 503, errorCode: "gateway_shutting_down", refusal: nil, maxCost: nil, cancelled: false) == .abandon)
        #expect(BatchLineVerdict.of(status: 502, errorCode: "upstream_error", refusal: nil, maxCost: nil, cancelled: true) == .abandon)
        // Answered just as the shutdown came: the answer is kept (running it again would bill it twice).
        #expect(BatchLineVerdict.of(status: 200, errorCode: nil, refusal: nil, maxCost: nil, cancelled: true) == .record(ok: true))
    }

    @Test func outputLinesHaveOpenAIsFormat() throws {
        let line = BatchLineResult.response(line: 4, customID: "req-\"4\"", statusCode: 200, requestID: "req_1", body: Array(#"{"id":"x"}"#.utf8))
        let document = try JSONDocument(bytes: Array(line.text.utf8), strict: true)
        #expect(document.value(at: "id").flatMap(document.string)?.hasPrefix("batch_req_") == true)
        #expect(document.value(at: "custom_id").flatMap(document.string) == "req-\"4\"")
        #expect(document.value(at: "response", "status_code").flatMap(document.int) == 200)
        #expect(document.value(at: "response", "request_id").flatMap(document.string) == "req_1")
        #expect(document.value(at: "response", "body", "id").flatMap(document.string) == "x")
        #expect(document.value(at: "error")?.kind == .null && line.ok && line.line == 4)
        let text = BatchLineResult.response(line: 1, customID: "a", statusCode: 502, requestID: "r", body: Array("not json".utf8))
        #expect(!text.ok && text.text.contains(#""body":"not json""#))
        let skipped = BatchLineResult.notRun(line: 2, customID: "b", code: "batch_expired", message: BatchLineResult.expiredMessage)
        let parsed = try JSONDocument(bytes: Array(skipped.text.utf8), strict: true)
        #expect(parsed.value(at: "response")?.kind == .null && parsed.value(at: "error", "code").flatMap(parsed.string) == "batch_expired")
    }

    // MARK: Input

    static func line(_ id: String, url: String = "/v1/chat/completions", body: String = #"{"model":"m","messages":[]}"#) -> String {
        #"{"custom_id":"\#(id)","method":"POST","url":"\#(url)","body":\#(body)}"#
    }

    @Test func anInputFileIsReadWithItsBodiesAndLineNumbers() throws {
        let text = Self.line("a") + "\n\n" + Self.line("b", body: #"{"model":"m","stream":false}"#) + "\r\n"
        let input = try BatchInput(bytes: Array(text.utf8), endpoint: "/v1/chat/completions")
        #expect(input.lines.map(\.number) == [1, 3] && input.lines.map(\.customID) == ["a", "b"])
        #expect(String(decoding: input.body(of: input.lines[1]), as: UTF8.self) == #"{"model":"m","stream":false}"#)
    }

    @Test(arguments: [
        (line("a", url: "/v1/embeddings"), "/v1/chat/completions", "Line 1 of the input file: its url is '/v1/embeddings' but the batch's endpoint is /v1/chat/completions"),
        (line("a") + "\n" + line("b", body: #"{"model":"m","stream":true}"#), "/v1/chat/completions", "Line 2 of the input file: 'body.stream' is true"),
        (line("a") + "\n" + line("a"), "/v1/chat/completions", "Line 2 of the input file: the custom_id 'a' is also on line 1"),
        ("\n \n", "/v1/embeddings", "no requests"),
    ])
    func aBadInputFileIsRefusedNamingTheLine(text: String, endpoint: String, words: String) {
        #expect(throws: OpenAIError.self) { try BatchInput(bytes: Array(text.utf8), endpoint: endpoint) }
        do {
            _ = try BatchInput(bytes: Array(text.utf8), endpoint: endpoint)
        } catch {
            #expect(error.message.contains(words), "\(error.message)")
            #expect(error.param == "input_file_id" && error.status == 400)
        }
    }

    // MARK: Requests and options

    @Test func aCreateRequestIsCheckedFieldByField() throws {
        let ok = try BatchCreateRequest(body: Array(#"{"input_file_id":"file-x","endpoint":"/v1/embeddings","completion_window":"24h","metadata":{"switchyard_max_cost_usd":"2.50","switchyard_window":"22:00-06:00"}}"#.utf8))
        #expect(ok.endpoint == "/v1/embeddings" && ok.options.maxCostPicodollars == 2_500_000_000_000 && ok.options.window == .daily(start: 1320, end: 360))
        let refusals: [(String, String)] = [
            (#"{"endpoint":"/v1/embeddings","completion_window":"24h"}"#, "input_file_id"),
            (#"{"input_file_id":"f","endpoint":"/v1/completions","completion_window":"24h"}"#, "endpoint"),
            (#"{"input_file_id":"f","endpoint":"/v1/embeddings","completion_window":"48h"}"#, "completion_window"),
            (#"{"input_file_id":"f","endpoint":"/v1/embeddings","completion_window":"24h","metadata":{"a":1}}"#, "metadata"),
            (#"{"input_file_id":"f","endpoint":"/v1/embeddings","completion_window":"24h","metadata":{"switchyard_max_cost_usd":"0"}}"#, "metadata.switchyard_max_cost_usd"),
            (#"{"input_file_id":"f","endpoint":"/v1/embeddings","completion_window":"24h","metadata":{"switchyard_window":"25:00-01:00"}}"#, "metadata.switchyard_window"),
            (#"{"input_file_id":"f","endpoint":"/v1/embeddings","completion_window":"24h","extra":true}"#, "extra"),
            (#"{"input_file_id":1,"endpoint":"/v1/embeddings","completion_window":"24h"}"#, "input_file_id"),
        ]
        for (body, param) in refusals {
            do {
                _ = try BatchCreateRequest(body: Array(body.utf8))
                Issue.record("accepted: \(body)")
            } catch {
                #expect(error.param == param && error.status == 400, "\(body): \(error)")
            }
        }
    }

    @Test func windowsOpenAndCloseInUTC() throws {
        func at(_ text: String) -> Date { ISO8601.parse(text)! }
        let night = try #require(BatchWindow(parsing: "22:00-06:00"))
        #expect(night.contains(at("2026-12-01T23:30:00Z")) && night.contains(at("2026-12-02T05:59:59Z")) && !night.contains(at("2026-12-02T06:00:00Z")))
        #expect(night.nextOpening(atOrAfter: at("2026-12-02T12:00:00Z")) == at("2026-12-02T22:00:00Z"))
        #expect(night.nextOpening(atOrAfter: at("2026-12-02T23:00:00Z")) == at("2026-12-02T23:00:00Z"))
        let day = try #require(BatchWindow(parsing: "09:00-17:00"))
        #expect(day.nextOpening(atOrAfter: at("2026-12-02T18:00:00Z")) == at("2026-12-03T09:00:00Z"))
        let once = try #require(BatchWindow(parsing: "2026-12-01T22:00:00Z/2026-12-02T06:00:00Z"))
        #expect(once.contains(at("2026-12-02T01:00:00Z")) && !once.contains(at("2026-12-02T06:00:00Z")))
        #expect(once.nextOpening(atOrAfter: at("2026-12-01T00:00:00Z")) == at("2026-12-01T22:00:00Z"))
        #expect(once.nextOpening(atOrAfter: at("2026-12-03T00:00:00Z")) == nil)
        #expect(BatchWindow(parsing: "off_peak") == .offPeak)
        for bad in ["", "22:00", "22-06", "10:00-10:00", "24:01-01:00", "2026-12-02T06:00:00Z/2026-12-01T22:00:00Z", "soon"] {
            #expect(BatchWindow(parsing: bad) == nil, "\(bad)")
        }
        var settings = BatchSettings()
        settings.offPeak = ["deepseek": try #require(BatchWindow(parsing: "16:30-00:30")), "default": night]
        #expect(settings.offPeakWindow(provider: "acme", family: "deepseek") == BatchWindow(parsing: "16:30-00:30"))
        #expect(settings.offPeakWindow(provider: "acme", family: "qwen") == night)
    }

    @Test func batchSettingsAreReadFromTheConfig() throws {
        let yaml = """
            providers:
              - name: deepseek
                family: deepseek
                deployments:
                  - name: d
                    simulated: true
                    models: {deepseek-v4-flash: deepseek-v4-flash}
            batch:
              concurrency: 16
              max_share: 0.25
              lease_s: 10
              poll_ms: 200
              pause_check_s: 2
              off_peak: {deepseek: "16:30-00:30"}
            """
        let config = try GatewayConfig.parse(yaml: yaml, file: "b.yaml", environment: [:])
        #expect(config.batch.concurrency == 16 && config.batch.maxShare == 0.25 && config.batch.lease == .seconds(10))
        #expect(config.batch.poll == .milliseconds(200) && config.batch.pauseCheck == .seconds(2))
        #expect(config.batch.offPeak["deepseek"] == .daily(start: 990, end: 30))
        #expect(throws: ConfigError.self) { try GatewayConfig.parse(yaml: yaml.replacingOccurrences(of: "0.25", with: "1.5"), file: "b.yaml", environment: [:]) }
        #expect(throws: ConfigError.self) { try GatewayConfig.parse(yaml: yaml.replacingOccurrences(of: "16:30-00:30", with: "late"), file: "b.yaml", environment: [:]) }
        #expect(BatchSettings().concurrency == 8 && BatchSettings().maxShare == 0.5)
    }
}
