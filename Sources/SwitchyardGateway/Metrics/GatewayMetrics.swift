import Foundation
import Metrics
import Synchronization
import SwitchyardCore

/// The gateway's metrics, through the swift-metrics API (the executable and tests choose the
/// backend; `/metrics` renders the Prometheus one). Handles are cached per label set.
package final class GatewayMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters = HandleCache<Counter>()
    private let timers = HandleCache<Timer>()
    private let gauges = HandleCache<Gauge>()
    private let recorders = HandleCache<Recorder>()
    private let inFlight: Meter
    private let overhead: Timer
    package static let overheadLabel = "switchyard_gateway_overhead_seconds"

    package init(factory: any MetricsFactory) {
        self.factory = factory
        inFlight = Meter(label: "switchyard_inflight_requests", dimensions: [], factory: factory)
        overhead = Timer(label: Self.overheadLabel, dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        counters.handle(label, dimensions) { Counter(label: $0, dimensions: $1, factory: factory) }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> Timer {
        timers.handle(label, dimensions) { Timer(label: $0, dimensions: $1, preferredDisplayUnit: .seconds, factory: factory) }
    }

    private func recorder(_ label: String, _ dimensions: [(String, String)]) -> Recorder {
        recorders.handle(label, dimensions) { Recorder(label: $0, dimensions: $1, aggregate: true, factory: factory) }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        gauges.handle(label, dimensions) { Gauge(label: $0, dimensions: $1, factory: factory) }
    }

    /// Breaker state per deployment (0 closed, 1 half-open, 2 open) and whether it is cooling
    /// down; refreshed at each scrape.
    package func recordDeploymentHealth(_ health: [DeploymentPool.Health]) {
        for h in health {
            let state: Double = switch h.breaker { case .closed: 0; case .halfOpen: 1; case .open: 2 }
            gauge("switchyard_deployment_breaker_state", [("deployment", h.deployment.name)]).record(state)
            gauge("switchyard_deployment_cooling_down", [("deployment", h.deployment.name)]).record(h.coolingFor == nil ? 0 : 1)
            gauge("switchyard_deployment_inflight", [("deployment", h.deployment.name)]).record(Double(h.inFlight))
        }
    }

    /// The trace counters, at zero, so that they show in `/metrics` from the start.
    func registerTraceCounters() {
        _ = counter("switchyard_trace_spans_exported_total", [])
        for reason in ["queue_full", "export_failed"] { _ = counter("switchyard_trace_spans_dropped_total", [("reason", reason)]) }
    }

    /// Spans the trace exporter delivered to the collector.
    func recordSpansExported(_ count: Int) {
        guard count > 0 else { return }
        counter("switchyard_trace_spans_exported_total", []).increment(by: Int64(count))
    }

    /// Spans that never reached the collector: the export queue was full, or their batch's
    /// export failed (collector down, slow or refusing).
    func recordSpansDropped(_ count: Int, reason: String) {
        guard count > 0 else { return }
        counter("switchyard_trace_spans_dropped_total", [("reason", reason)]).increment(by: Int64(count))
    }

    package func requestStarted() { inFlight.increment() }
    package func requestEnded() { inFlight.decrement() }

    /// One finished client request.
    package func recordRequest(model: String, deployment: String, status: Int, duration: Duration) {
        counter("switchyard_requests_total", [("model", model), ("deployment", deployment), ("status", String(status))]).increment()
        timer("switchyard_request_duration_seconds", [("model", model)]).recordNanoseconds(duration.nanosecondsClamped)
    }

    /// Time inside the gateway per answered request (upstream waits excluded).
    package func recordOverhead(_ duration: Duration) {
        overhead.recordNanoseconds(duration.nanosecondsClamped)
    }

    package func recordTTFT(model: String, _ duration: Duration) {
        timer("switchyard_ttft_seconds", [("model", model)]).recordNanoseconds(duration.nanosecondsClamped)
    }

    package func recordUsage(model: String, usage: TokenUsage, cost: Cost) {
        counter("switchyard_tokens_total", [("model", model), ("kind", "prompt")]).increment(by: usage.promptTokens)
        counter("switchyard_tokens_total", [("model", model), ("kind", "completion")]).increment(by: usage.completionTokens)
        counter("switchyard_tokens_total", [("model", model), ("kind", "cached_prompt")]).increment(by: usage.cachedPromptTokens)
        if let picodollars = cost.picodollars {
            // Whole micro-dollars: a metric, not a bill (the ledger keeps exact amounts).
            let micro = Int((picodollars + 500_000) / 1_000_000)
            counter("switchyard_cost_microusd_total", [("model", model)]).increment(by: micro)
        } else {
            counter("switchyard_unpriced_requests_total", [("model", model)]).increment()
        }
    }

    // MARK: OpenTelemetry GenAI client metrics

    /// One call that reached a deployment: `gen_ai_client_operation_duration_seconds` (with
    /// `error_type` when it failed) and `gen_ai_client_token_usage` (input and output) when
    /// its usage is known. `labels` from `GenAIConventions.labels`.
    package func recordGenAIOperation(_ labels: [(String, String)], duration: Duration, usage: TokenUsage?, errorType: String?) {
        let timed = errorType.map { labels + [("error_type", $0)] } ?? labels
        timer(GenAIConventions.operationDuration, timed).recordNanoseconds(duration.nanosecondsClamped)
        guard let usage else { return }
        recorder(GenAIConventions.tokenUsage, labels + [("gen_ai_token_type", "input")]).record(usage.promptTokens)
        recorder(GenAIConventions.tokenUsage, labels + [("gen_ai_token_type", "output")]).record(usage.completionTokens)
    }

    /// The two stream timers of one deployment and model, looked up once per stream:
    /// time to first chunk, and time per output chunk after the first.
    package func genAIStreamTimers(_ labels: [(String, String)]) -> (firstChunk: Timer, perChunk: Timer) {
        (timer(GenAIConventions.timeToFirstChunk, labels), timer(GenAIConventions.timePerOutputChunk, labels))
    }

    package func recordUpstreamError(deployment: String, errorClass: UpstreamErrorClass) {
        counter("switchyard_upstream_errors_total", [("deployment", deployment), ("class", errorClass.rawValue)]).increment()
    }

    package func recordStreamFailure(model: String, afterStart: Bool) {
        counter("switchyard_stream_failures_total", [("model", model), ("phase", afterStart ? "after_first_chunk" : "before_first_chunk")]).increment()
    }

    package func recordHedge(outcome: String) {
        counter("switchyard_hedges_total", [("outcome", outcome)]).increment()
    }

    /// A ledger batch reached the store; `queued` records are still waiting.
    package func recordLedgerWrite(records: Int, queued: Int) {
        counter("switchyard_ledger_records_written_total", []).increment(by: records)
        recordLedgerQueue(depth: queued)
    }

    /// Records waiting for the store; also refreshed at each scrape, since while the store is
    /// stuck no batch is written to update it — exactly when it is watched.
    package func recordLedgerQueue(depth: Int) {
        gauge("switchyard_ledger_queue_depth", []).record(Double(depth))
    }

    package func recordLedgerFailure() {
        counter("switchyard_ledger_write_failures_total", []).increment()
    }

    package func recordStoreSync(ok: Bool) {
        counter("switchyard_store_syncs_total", [("result", ok ? "ok" : "failed")]).increment()
    }

    package func recordAdmission(refused code: String) {
        counter("switchyard_admission_refusals_total", [("code", code)]).increment()
    }

    /// A response-cache lookup (a `refresh` counts as a miss).
    package func recordCacheLookup(model: String, hit: Bool) {
        counter(hit ? "switchyard_cache_hits_total" : "switchyard_cache_misses_total", [("model", model)]).increment()
    }

    /// A fresh answer offered to the cache: stored, or too large for it.
    package func recordCacheStore(stored: Bool) {
        counter("switchyard_cache_stores_total", [("result", stored ? "stored" : "too_large")]).increment()
    }

    /// Entries removed for room (`size`) or found past their TTL (`expired`).
    package func recordCacheEvictions(reason: String, count: Int) {
        counter("switchyard_cache_evictions_total", [("reason", reason)]).increment(by: count)
    }

    /// What the cache holds now, across its partitions.
    package func recordCacheSize(bytes: Int, entries: Int) {
        gauge("switchyard_cache_bytes", []).record(Double(bytes))
        gauge("switchyard_cache_entries", []).record(Double(entries))
    }

    /// A config reload: applied (`ok`), or refused (an invalid file, or no file to re-read).
    package func recordConfigReload(ok: Bool) {
        counter("switchyard_config_reloads_total", [("result", ok ? "ok" : "refused")]).increment()
    }

    /// Both reload series from the start, at 0, so that a dashboard sees them before the first reload.
    func registerConfigReloads() {
        _ = counter("switchyard_config_reloads_total", [("result", "ok")])
        _ = counter("switchyard_config_reloads_total", [("result", "refused")])
    }

    package func recordClientDisconnect(model: String) {
        counter("switchyard_client_disconnects_total", [("model", model)]).increment()
    }
}

/// Metric handles by label and dimensions, created once: creating one per request would be
/// slow and churn memory.
final class HandleCache<Handle: AnyObject & Sendable>: Sendable {
    /// Label and dimensions as given: hashed and compared in place, no string built per call.
    private struct Key: Hashable, Sendable {
        let label: String
        let dimensions: [(String, String)]

        static func == (a: Key, b: Key) -> Bool {
            a.label == b.label && a.dimensions.count == b.dimensions.count
                && zip(a.dimensions, b.dimensions).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(label)
            for (name, value) in dimensions {
                hasher.combine(name)
                hasher.combine(value)
            }
        }
    }

    private let handles = Mutex<[Key: Handle]>([:])

    func handle(_ label: String, _ dimensions: [(String, String)], make: (String, [(String, String)]) -> Handle) -> Handle {
        let key = Key(label: label, dimensions: dimensions)
        return handles.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = make(label, dimensions)
            cache[key] = handle
            return handle
        }
    }
}
