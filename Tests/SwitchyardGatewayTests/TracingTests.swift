import Testing
@testable import SwitchyardCore
@testable import SwitchyardGateway

@Suite struct TracingTests {
    func tracer(_ sampler: TraceSettings.Sampler = .parentBasedAlwaysOn, queue: Int = 100, batch: Int = 10) -> GatewayTracer {
        var settings = TraceSettings()
        settings.enabled = true
        settings.sampler = sampler
        return GatewayTracer(settings: settings, queue: SpanQueue(capacity: queue, batchSize: batch))
    }

    let request = HTTPServerSpan.Request(method: "POST", path: "/v1/chat/completions", route: "/v1/chat/completions")
    let remote = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    func attempt() -> GenAISpan.Attempt {
        GenAISpan.Attempt(operation: "chat", family: .deepseek, requestModel: "deepseek-v4-flash", deployment: "d1", region: "eu", baseURL: nil,
                          route: nil, attempt: 1, hedge: false, keyID: nil, team: nil)
    }

    @Test func aServerSpanContinuesTheClientsTraceAndItsAttemptIsItsChild() throws {
        let tracer = tracer()
        let server = tracer.startServer(request, propagation: TracePropagation(traceparent: remote, tracestate: "v=1"))
        #expect(server.isRecording)
        let client = tracer.startAttempt(attempt(), parent: server)
        let headers = tracer.propagationHeaders(client)
        #expect(headers[0].0 == "traceparent")
        #expect(headers[0].1 == "00-0af7651916cd43dd8448eb211c80319c-\(client.context.spanID.hex)-01")
        #expect(headers.count == 2 && headers[1] == ("tracestate", "v=1"))
        client.end(error: "timeout")
        server.end()
        server.end()  // once only
        let (encoded, dropped) = tracer.queue.take()
        let spans = try encoded.map { try RecordedSpan(protobuf: $0) }
        #expect(dropped == 0)
        #expect(spans.count == 2)
        let (clientSpan, serverSpan) = (spans[0], spans[1])
        #expect(serverSpan.kind == .server && serverSpan.parentIsRemote)
        #expect(serverSpan.parentSpanID == SpanID(0xb7ad_6b71_6920_3331))
        #expect(serverSpan.traceID.hex == "0af7651916cd43dd8448eb211c80319c")
        #expect(clientSpan.kind == .client && !clientSpan.parentIsRemote)
        #expect(clientSpan.parentSpanID == serverSpan.spanID)
        #expect(clientSpan.errorMessage == "timeout")
        #expect(clientSpan.name == "chat deepseek-v4-flash")
        #expect(clientSpan.attributes.contains { $0.name == "gen_ai.request.model" && $0.value == .string("deepseek-v4-flash") })
        #expect(serverSpan.endNanos >= serverSpan.startNanos)
    }

    @Test func anUnsampledClientTraceIsFollowedRecordsNothingAndStillPropagates() {
        let tracer = tracer()
        let server = tracer.startServer(request, propagation: TracePropagation(traceparent: String(remote.dropLast(2)) + "00", tracestate: nil))
        #expect(!server.isRecording)
        let client = tracer.startAttempt(attempt(), parent: server)
        #expect(!client.isRecording)
        #expect(tracer.propagationHeaders(client)[0].1.hasSuffix("-00"))
        #expect(tracer.propagationHeaders(client)[0].1.contains("0af7651916cd43dd8448eb211c80319c"))
        client.end()
        server.end()
        #expect(tracer.queue.take().spans.isEmpty)
    }

    @Test func aMalformedTraceparentStartsANewSampledTrace() throws {
        let tracer = tracer()
        let server = tracer.startServer(request, propagation: TracePropagation(traceparent: "garbage", tracestate: "x=y"))
        #expect(server.isRecording)
        #expect(server.context.traceState == "")
        server.end()
        let span = try RecordedSpan(protobuf: tracer.queue.take().spans[0])
        #expect(span.parentSpanID == nil && !span.parentIsRemote)
    }

    @Test func aSpanNeverEndedIsStillExportedWhenItGoes() {
        let tracer = tracer()
        do {
            _ = tracer.startServer(request, propagation: TracePropagation(traceparent: nil, tracestate: nil))
        }
        #expect(tracer.queue.take().spans.count == 1)
    }

    @Test func aFullQueueDropsAndCountsNewSpans() {
        let tracer = tracer(.alwaysOn, queue: 3, batch: 2)
        for _ in 0..<5 { tracer.startServer(request, propagation: TracePropagation(traceparent: nil, tracestate: nil)).end() }
        let first = tracer.queue.take()
        #expect(first.spans.count == 2)
        #expect(first.dropped == 2)
        let second = tracer.queue.take()
        #expect(second.spans.count == 1 && second.dropped == 0)
    }

    @Test func theExporterIsWokenByAFullBatchNotByItsTimer() async {
        let queue = SpanQueue(capacity: 100, batchSize: 4)
        let tracer = GatewayTracer(settings: TraceSettings(), queue: queue)
        async let waited: Void = queue.waitForBatch(delay: .seconds(3600))
        for _ in 0..<4 { tracer.startServer(request, propagation: TracePropagation(traceparent: nil, tracestate: nil)).end() }
        await waited  // would hang for an hour without the wake-up
        #expect(queue.count == 4)
    }

    @Test func closingWakesTheExporter() async {
        let queue = SpanQueue(capacity: 100, batchSize: 4)
        async let waited: Void = queue.waitForBatch(delay: .seconds(3600))
        queue.close()
        await waited
        #expect(queue.isClosed)
        // Waiting once closed returns at once.
        await queue.waitForBatch(delay: .seconds(3600))
    }

    @Test func theTimerEndsAWaitWithAPartBatch() async {
        let queue = SpanQueue(capacity: 100, batchSize: 4)
        await queue.waitForBatch(delay: .milliseconds(1))
        #expect(queue.count == 0)
    }

    @Test func generatedIDsAreDistinctAndNeverZero() {
        var generator = BufferedRandom()
        var seen = Set<UInt64>()
        for _ in 0..<10_000 {
            let id = SpanID.random(using: &generator)
            #expect(id.isValid)
            seen.insert(id.value)
        }
        #expect(seen.count == 10_000)
    }
}
