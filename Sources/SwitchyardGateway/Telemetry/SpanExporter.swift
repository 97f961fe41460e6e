import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwitchyardCore
import SwitchyardHTTPClient

/// Sends the queued spans to the collector over OTLP/HTTP, a batch at a time, from one task of
/// its own: no call ever waits for it. A batch goes when it is full or when the oldest span
/// has waited `scheduleDelay`; an export that fails or takes longer than `exportTimeout` drops
/// its batch (counted, and logged once per run of failures). At shutdown — it runs first in the
/// service group, so it stops last — it sends everything still queued.
struct SpanExporter: Service {
    let queue: SpanQueue
    let settings: TraceSettings
    let encoding: OTLPTraceEncoding
    let connections: UpstreamConnections
    let metrics: GatewayMetrics
    let logger: Logger

    /// Where the batches go: the URL's origin and its path.
    private let origin: String
    private let path: String
    private let headers: [(String, String)]
    private let tls: DeploymentTLS?

    init(queue: SpanQueue, settings: TraceSettings, connections: UpstreamConnections, metrics: GatewayMetrics, logger: Logger) throws(ConfigError) {
        self.queue = queue
        self.settings = settings
        self.encoding = OTLPTraceEncoding(serviceName: settings.serviceName, attributes: settings.resourceAttributes)
        self.connections = connections
        self.metrics = metrics
        self.logger = logger
        guard let url = URLComponents(string: settings.tracesURL), let scheme = url.scheme, let host = url.host, !host.isEmpty else {
            throw ConfigError(file: "environment", line: nil, column: nil, field: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                              message: "must be an http:// or https:// URL")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        origin = "\(scheme)://\(hostPart)" + (url.port.map { ":\($0)" } ?? "")
        let query = url.percentEncodedQuery.map { "?\($0)" } ?? ""
        path = (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath) + query
        let contentType = settings.wireProtocol == .httpJSON ? "application/json" : "application/x-protobuf"
        headers = [("content-type", contentType), ("user-agent", "switchyard/\(SwitchyardVersion.number)")]
            + settings.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let certificate = settings.certificateFile {
            guard FileManager.default.isReadableFile(atPath: certificate) else {
                throw ConfigError(file: "environment", line: nil, column: nil, field: "OTEL_EXPORTER_OTLP_CERTIFICATE",
                                  message: "\(certificate) cannot be read")
            }
            tls = DeploymentTLS(caFile: certificate)
        } else {
            tls = nil
        }
    }

    func run() async throws {
        var failing = false
        await withGracefulShutdownHandler {
            while !queue.isClosed {
                await queue.waitForBatch(delay: settings.scheduleDelay)
                // Everything that is queued by now, a batch at a time (the rest of a partly full
                // batch waits for the next round).
                repeat {
                    await exportBatch(failing: &failing)
                } while queue.count >= queue.batchSize
            }
        } onGracefulShutdown: {
            queue.close()
        }
        // Shutdown: what the last calls left, within one export timeout overall.
        let deadline = ContinuousClock.now + settings.exportTimeout
        while queue.count > 0, ContinuousClock.now < deadline {
            await exportBatch(failing: &failing)
        }
        while true {
            let (left, dropped) = queue.take()
            metrics.recordSpansDropped(dropped, reason: "queue_full")
            guard !left.isEmpty else { break }
            metrics.recordSpansDropped(left.count, reason: "export_failed")
        }
        await connections.closeIdle()
    }

    private func exportBatch(failing: inout Bool) async {
        let (spans, dropped) = queue.take()
        metrics.recordSpansDropped(dropped, reason: "queue_full")
        guard !spans.isEmpty else { return }
        let body = settings.wireProtocol == .httpJSON ? ByteBuffer(string: encoding.json(spans)) : ByteBuffer(bytes: encoding.protobuf(spans))
        let problem: String?
        do {
            let answer = try await connections.fetch(.POST, origin, tls: tls, proxy: settings.proxy, path: path, headers: headers, body: body,
                                                     timeout: settings.exportTimeout, maxBodyBytes: 1 << 16)
            problem = (200..<300).contains(answer.status) ? nil : "the collector answered \(answer.status)"
        } catch {
            problem = "\(error)"
        }
        if let problem {
            metrics.recordSpansDropped(spans.count, reason: "export_failed")
            if !failing {
                logger.warning("traces: export failed; spans are dropped until the collector answers", metadata: [
                    "endpoint": .string(URLRedaction.safe(settings.tracesURL)), "error": .string(problem), "spans": .stringConvertible(spans.count),
                ])
            }
            failing = true
        } else {
            metrics.recordSpansExported(spans.count)
            if failing { logger.info("traces: export works again", metadata: ["endpoint": .string(URLRedaction.safe(settings.tracesURL))]) }
            failing = false
        }
    }
}
