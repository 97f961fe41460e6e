import Logging
import SwitchyardCore

/// swift-otel's diagnostic log, read for what it says about spans: batches exported, spans
/// dropped because the queue was full, batches whose export failed (collector down, slow or
/// refusing). Those are counted (`switchyard_trace_spans_exported_total`,
/// `switchyard_trace_spans_dropped_total{reason}`); warnings and errors also go to the
/// gateway's log, debug chatter nowhere.
struct TraceDiagnostics: LogHandler {
    let logger: Logger
    let metrics: GatewayMetrics
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let message = event.message.description
        let fields = metadata.merging(event.metadata ?? [:]) { _, new in new }
        func count(_ key: String) -> Int { fields[key].flatMap { Int($0.description) } ?? 0 }
        switch message {
        case "Exported batch.":
            metrics.recordSpansExported(count("batch_size"))
        case "Failed to export batch.":
            metrics.recordSpansDropped(count("batch_size"), reason: "export_failed")
        case "Spans were dropped this iteration because queue was full":
            metrics.recordSpansDropped(count("dropped_count"), reason: "queue_full")
        default:
            break
        }
        // A client's malformed `traceparent` is ignored (a new trace starts); logging it would let
        // any client write to the gateway's log.
        guard event.level >= .warning, message != "Failed to extract span context." else { return }
        var forwarded = fields
        if let error = event.error { forwarded["error"] = .string("\(error)") }
        logger.log(level: event.level, "traces: \(message)", metadata: forwarded)
    }
}
