import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Foundation
import NIOHTTP1
import Synchronization
import SwitchyardCore
import SwitchyardHTTPClient

/// Serves chat completions — and the Messages API's calls and token counts, which run the same
/// chat pipeline behind a translating client — straight from the HTTP/1 pipeline, ahead of Hummingbird's router,
/// and keeps every connection's read deadlines. A chat request's key is checked from its head,
/// before a byte of its body is read; the body is read into one buffer on the connection's event
/// loop; the call runs in one tracked task (`CallTracker`) and writes its answer back through
/// `FrontChatClient`. Every other request passes through to Hummingbird.
///
/// Requests on one connection are answered in order: a chat request waits for the router's
/// answers before it, and reads pause once the client sends anything while a chat request is
/// in flight. A request that asked
/// for `Connection: close` gets that header and the connection closes after its answer, on
/// both paths.
///
/// This handler only does I/O: every decision is made by the connection's state machine
/// (`FrontConnectionState`), which it feeds what happened and whose actions it executes.
final class ChatFrontHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The requests this handler answers itself.
    enum Route: Sendable {
        /// A chat completion.
        case chat
        /// An Anthropic Messages call: the chat pipeline behind a translating front door.
        case messages
        /// A Messages token count: the gateway's estimate, no model call.
        case countTokens

        var front: UsageRecord.Front { self == .chat ? .chat : .messages }
    }

    static let paths: Set<String> = ["/v1/chat/completions", "/chat/completions", "/v1/messages", "/v1/messages/count_tokens"]

    struct Settings: Sendable {
        var maxBodyBytes: Int
        var limits: ReadDeadline.Limits
        /// A client that takes no bytes of an answer for this long is disconnected.
        var clientStall: Duration
    }

    private let chat: ChatCompletionHandler
    private let calls: CallTracker
    private let settings: Settings
    private let logger: Logger

    /// Every decision about this connection.
    private var state: FrontConnectionState
    /// When the read deadline in force passes (nil: none). One timer per connection serves
    /// every deadline: arming an earlier one reschedules it; a later one (the usual case: the
    /// body gap after each read, keep-alive after each answer) is only noted, and the timer
    /// re-arms itself when it fires early. No task is scheduled per request or per read.
    private var readDeadline: NIODeadline?
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    /// What the chat answer in hand has written.
    fileprivate var answer = FrontAnswer()

    init(chat: ChatCompletionHandler, calls: CallTracker, settings: Settings, logger: Logger) {
        self.chat = chat
        self.calls = calls
        self.settings = settings
        self.logger = logger
        self.state = FrontConnectionState(limits: .init(maxBodyBytes: settings.maxBodyBytes, deadlines: settings.limits))
    }

    // MARK: Executing actions

    /// Does what the state machine decided. Actions that belong to one call site only (the
    /// router's answer end, the end of a chat answer) are executed there.
    private func execute(_ action: FrontConnectionState.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            return
        case .deadline(let change):
            apply(change, context: context)
        case .read:
            context.read()
        case .authenticate(let head, let change):
            apply(change, context: context)
            let arrivedAt = chat.tracer != nil ? TraceSpan.wallClockNanos() : nil
            execute(state.keyChecked(chat.authenticate(head.headers), arrivedAt: arrivedAt), context: context)
        case .forward(let part, let change):
            apply(change, context: context)
            context.fireChannelRead(wrapInboundOut(part))
        case .startChat(let request, let change):
            apply(change, context: context)
            startChat(request, context: context)
        case .refuseKey(let error, let head, let keepConnection):
            refuseKey(error, head: head, keepConnection: keepConnection, context: context)
        case .refuseAndClose(let error, let request, let arrivedAt):
            refuseAndClose(error, request: request, arrivedAt: arrivedAt, context: context)
        case .resume(let change):
            apply(change, context: context)
            drain(context: context)
        case .closeOnceWritten, .close:
            // `closeOnceWritten` is answered where a write is in hand; elsewhere nothing is.
            stopTimer()
            context.close(promise: nil)
        case .passOn:
            return  // Passed on by the call site, which has the event.
        case .addConnectionClose:
            return  // Only for an answer head, in `write`.
        case .fireInputClosed:
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        case .fireError(let held):
            context.fireErrorCaught(held.error)
        }
    }

    /// Runs what waited once an answer has ended, until an answer is due again.
    private func drain(context: ChannelHandlerContext) {
        var forwarded = false
        while let action = state.nextQueued() {
            if case .forward = action { forwarded = true }
            execute(action, context: context)
        }
        // The router's async channel hands reads over on read-complete.
        if forwarded { context.fireChannelReadComplete() }
    }

    // MARK: Deadlines

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { execute(state.connected(), context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        execute(state.connected(), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        context.fireChannelInactive()
    }

    /// Raw bytes arrived (reported by `ReadWatch`, which sits before the HTTP decoder).
    func bytesArrived(context: ChannelHandlerContext) {
        execute(state.bytesArrived(), context: context)
    }

    private func apply(_ action: ReadDeadline.Action, context: ChannelHandlerContext) {
        switch action {
        case .keep:
            return
        case .cancel:
            readDeadline = nil  // The timer, if any, fires and finds nothing due.
        case .arm(let duration):
            let due = NIODeadline.now() + .nanoseconds(duration.nanosecondsClamped)
            readDeadline = due
            if let timerAt, timerAt <= due { return }
            schedule(at: due, context: context)
        }
    }

    private func schedule(at due: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timerAt = due
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            handler.timerAt = nil
            guard let due = handler.readDeadline else { return }
            if NIODeadline.now() < due {
                handler.schedule(at: due, context: context)  // The deadline moved on since.
            } else {
                handler.readDeadline = nil
                handler.execute(handler.state.deadlineFired(), context: context)
            }
        }
    }

    private func stopTimer() {
        readDeadline = nil
        timer?.cancel()
        timer = nil
        timerAt = nil
    }

    // MARK: Refusals

    /// A chat request refused from its head (a bad key): the body is never buffered.
    private func refuseKey(_ error: OpenAIError, head: HTTPRequestHead, keepConnection: Bool, context: ChannelHandlerContext) {
        let (status, headers, body) = chat.refused(error, headers: head.headers, front: Self.route(head)?.front ?? .chat)
        if let tracer = chat.tracer {
            tracer.startServer(Self.spanRequest(head, context: context), propagation: TracePropagation(head.headers))
                .end(HTTPServerSpan.endFields(status: status, errorType: error.code))
        }
        if !keepConnection { stopTimer() }
        writeFinal(status: status, headers: headers, body: body, context: context, keepAlive: keepConnection)
    }

    /// Answers `error` with `Connection: close` and closes once the answer is out. A request
    /// whose head was read is answered in its own front door's shape (a Messages request in
    /// Anthropic's).
    private func refuseAndClose(_ error: OpenAIError, request: HTTPRequestHead?, arrivedAt: UInt64?, context: ChannelHandlerContext) {
        stopTimer()
        guard context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        let front = request.flatMap(Self.route)?.front ?? .chat
        let (status, headers, body) = chat.refused(error, front: front)
        // A call refused while its body was read (too slow, too large, cut) still has its
        // SERVER span, from the head's arrival.
        if let request, let tracer = chat.tracer {
            tracer.startServer(Self.spanRequest(request, context: context), propagation: TracePropagation(request.headers),
                               at: arrivedAt ?? TraceSpan.wallClockNanos())
                .end(HTTPServerSpan.endFields(status: status, errorType: error.code))
        }
        writeFinal(status: status, headers: headers, body: body, context: context)
    }

    /// Writes a whole answer that ends the connection (unless `keepAlive`), then closes.
    private func writeFinal(status: Int, headers: [(String, String)], body: ByteBuffer, context: ChannelHandlerContext,
                            keepAlive: Bool = false) {
        let written = writeWhole(status: status, headers: headers, body: body, version: .http1_1, keepAlive: keepAlive, context: context)
        if keepAlive {
            disconnectIfStalled(written, channel: context.channel)
        } else {
            closeOnceWritten(written, channel: context.channel)
        }
    }

    /// Writes a whole answer — head, body, end — in one flush; the future completes when the
    /// last byte has left (or the connection failed).
    fileprivate func writeWhole(status: Int, headers: [(String, String)], body: ByteBuffer, version: HTTPVersion, keepAlive: Bool,
                                context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let head = Self.responseHead(status: status, headers: headers, version: version, contentLength: body.readableBytes, keepAlive: keepAlive)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        return written.futureResult
    }

    /// Closes the connection once `written` is out (closing earlier drops what the socket has
    /// not taken), or after the client-stall limit when the client does not take it.
    private func closeOnceWritten(_ written: EventLoopFuture<Void>?, channel: any Channel) {
        guard let written else {
            channel.close(promise: nil)
            return
        }
        written.whenComplete { _ in channel.close(promise: nil) }
        disconnectIfStalled(written, channel: channel)
    }

    /// A client that takes none of `written` within the client-stall limit is disconnected.
    private func disconnectIfStalled(_ written: EventLoopFuture<Void>, channel: any Channel) {
        let stalled = channel.eventLoop.scheduleTask(in: .nanoseconds(settings.clientStall.nanosecondsClamped)) {
            channel.close(promise: nil)
        }
        written.whenComplete { _ in stalled.cancel() }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        execute(state.partReceived(unwrapInboundIn(data)), context: context)
    }

    func read(context: ChannelHandlerContext) {
        execute(state.readRequested(), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let action: FrontConnectionState.Action
        if event is ChannelShouldQuiesceEvent {
            action = state.quiesce()
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            action = state.inputClosed()
        } else {
            action = .passOn
        }
        if case .passOn = action {
            context.fireUserInboundEventTriggered(event)
        } else {
            execute(action, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let action = state.errorCaught(error)
        if case .passOn = action {
            context.fireErrorCaught(error)
        } else {
            execute(action, context: context)
        }
    }

    // MARK: Outbound (the router's answers)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if case .addConnectionClose = state.routerHeadWritten() {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        case .end:
            switch state.routerEndWritten() {
            case .closeOnceWritten:
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.cascade(to: promise)
                context.write(data, promise: written)
                context.flush()
                let channel = context.channel
                written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case let action:
                context.write(data, promise: promise)
                execute(action, context: context)
            }
        default:
            context.write(data, promise: promise)
        }
    }

    // MARK: Chat

    private func startChat(_ request: FrontConnectionState.ChatRequest, context: ChannelHandlerContext) {
        let head = request.head
        let bound = NIOLoopBound(Connection(handler: self, context: context), eventLoop: context.eventLoop)
        // HTTP/1.0 has no chunked encoding: a stream there ends when the connection closes.
        let client = FrontChatClient(connection: bound, version: head.version, requestKeepAlive: head.isKeepAlive,
                                     clientStall: settings.clientStall)
        let chat = self.chat
        let logger = self.logger
        let headers = head.headers
        let caller = request.caller
        let body = request.body
        let maxBodyBytes = settings.maxBodyBytes
        let route = Self.route(head) ?? .chat
        let span = chat.tracer.map { tracer in
            tracer.startServer(Self.spanRequest(head, context: context), propagation: TracePropagation(headers),
                               at: request.arrivedAt ?? TraceSpan.wallClockNanos())
        }
        calls.start {
            switch route {
            case .chat, .messages:
                await chat.serve(headers: headers, caller: caller, body: body, maxBodyBytes: maxBodyBytes, front: route.front, span: span,
                                 client: client, logger: logger)
            case .countTokens:
                let (status, fields, answer) = chat.countTokens(headers: headers, caller: caller, body: body, maxBodyBytes: maxBodyBytes)
                await client.sendWhole(status: status, headers: fields, body: answer)
                span?.end(HTTPServerSpan.endFields(status: status, errorType: nil))
            }
            client.done()
        }
    }

    /// The SERVER span's request attributes (the route is the path: one of `paths`).
    private static func spanRequest(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> HTTPServerSpan.Request {
        let uri = head.uri
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
        var request = HTTPServerSpan.Request(method: head.method.rawValue, path: path, route: paths.contains(path) ? path : nil)
        request.serverPort = context.channel.localAddress?.port
        request.clientAddress = context.channel.remoteAddress?.ipAddress
        request.userAgent = head.headers.first(name: "user-agent")
        request.protocolVersion = switch (head.version.major, head.version.minor) {
        case (1, 1): "1.1"
        case (1, 0): "1.0"
        default: "\(head.version.major).\(head.version.minor)"
        }
        return request
    }

    /// The handler and its context, used only on the connection's loop.
    struct Connection {
        let handler: ChatFrontHandler
        let context: ChannelHandlerContext
    }

    /// The chat answer has been written (or the connection is gone). The connection is kept
    /// only when the answer announced keep-alive and the connection is still open.
    fileprivate func answered(_ answer: FrontAnswer, context: ChannelHandlerContext) {
        let channel = context.channel
        switch state.chatAnswered(keepAlive: answer.keepAlive && channel.isActive) {
        case .resume(let change):
            if let lastWrite = answer.lastWrite { disconnectIfStalled(lastWrite, channel: channel) }
            apply(change, context: context)
            drain(context: context)
        case .closeOnceWritten:
            closeOnceWritten(answer.lastWrite, channel: channel)
        case let action:
            execute(action, context: context)
        }
    }

    static func isChat(_ head: HTTPRequestHead) -> Bool { route(head) != nil }

    static func route(_ head: HTTPRequestHead) -> Route? {
        guard head.method == .POST else { return nil }
        let uri = head.uri
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
        switch path {
        case "/v1/messages": return .messages
        case "/v1/messages/count_tokens": return .countTokens
        default: return paths.contains(path) ? .chat : nil
        }
    }

    static func responseHead(status: Int, headers fields: [(String, String)], version: HTTPVersion, contentLength: Int?,
                             keepAlive: Bool) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 5)
        for (name, value) in fields { headers.add(name: name, value: value) }
        if let contentLength {
            headers.add(name: "content-length", value: String(contentLength))
        } else if version.minor >= 1 {
            headers.add(name: "transfer-encoding", value: "chunked")
        }
        if !keepAlive {
            headers.add(name: "connection", value: "close")
        } else if version.minor == 0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        headers.add(name: "server", value: "switchyard")
        headers.add(name: "date", value: DateHeader.now())
        return HTTPResponseHead(version: version, status: .init(statusCode: status), headers: headers)
    }
}

/// The `Date` header, formatted once per second.
enum DateHeader {
    private static let cache = Mutex<(second: Int64, text: String)>((-1, ""))

    static func now() -> String {
        let second = Date().millisecondsSinceEpoch / 1000
        if let cached = cache.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        let text = HTTPDate.format(epochSeconds: second)
        cache.withLock { $0 = (second, text) }
        return text
    }
}

/// What the chat answer in hand has written: it belongs to one answer, not to the connection,
/// and starts afresh with the next.
struct FrontAnswer {
    /// Whether the answer announced keep-alive (a stream on HTTP/1.0 cannot).
    var keepAlive = true
    /// The answer's last write: closing waits for it (closing drops writes the socket has not
    /// taken yet).
    var lastWrite: EventLoopFuture<Void>?
    /// Why the gateway closed the connection under the answer (a stalled client, a deadline).
    private(set) var closedBecause: ClientGone?

    /// The gateway closes the connection under the answer; the first reason is the one told.
    mutating func closing(because reason: ClientGone) {
        if closedBecause == nil { closedBecause = reason }
    }
}

/// Writes a chat answer to the client's channel. A whole body is written and flushed at once;
/// a stream flushes every piece, and waits while the socket is full — at most until the call's
/// deadline or the client-stall limit, after which the connection is closed.
struct FrontChatClient: ChatClient {
    let connection: NIOLoopBound<ChatFrontHandler.Connection>
    let version: HTTPVersion
    let requestKeepAlive: Bool
    let clientStall: Duration

    private var loop: any EventLoop { connection.eventLoop }

    func sendWhole(status: Int, headers: [(String, String)], body: ByteBuffer) async {
        let bound = connection, version = version, keepAlive = requestKeepAlive
        Self.run(on: loop) {
            let (handler, context) = (bound.value.handler, bound.value.context)
            guard context.channel.isActive else { return }
            handler.answer.keepAlive = keepAlive
            handler.answer.lastWrite = handler.writeWhole(status: status, headers: headers, body: body, version: version, keepAlive: keepAlive,
                                                   context: context)
        }
    }

    /// Whether the connection stays open after this answer (a stream on HTTP/1.0 ends with it).
    private var streamKeepAlive: Bool { requestKeepAlive && version.minor >= 1 }

    func startStream(headers: [(String, String)]) async throws(ClientGone) {
        let bound = connection, version = version, keepAlive = streamKeepAlive
        let active = await Self.onLoop(loop) { () -> Bool in
            let context = bound.value.context
            guard context.channel.isActive else { return false }
            let head = ChatFrontHandler.responseHead(status: 200, headers: headers, version: version, contentLength: nil, keepAlive: keepAlive)
            bound.value.handler.answer.keepAlive = keepAlive
            context.writeAndFlush(ChatFrontHandler.wrapOutboundOut(.head(head)), promise: nil)
            return true
        }
        guard active == true else { throw .disconnected }
    }

    func send(_ bytes: ByteBuffer, deadline: ContinuousClock.Instant) async throws(ClientGone) {
        let bound = connection
        let stallEnd = ContinuousClock.now + clientStall
        let waitUntil = min(deadline, stallEnd)
        let reason: ClientGone = deadline < stallEnd ? .deadline : .stalled
        let submitted: EventLoopFuture<Void>?? = await Self.onLoop(loop) { () -> EventLoopFuture<Void>? in
            let context = bound.value.context
            guard context.channel.isActive else { return context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(ChatFrontHandler.wrapOutboundOut(.body(.byteBuffer(bytes))), promise: written)
            // Back-pressure: wait only when the socket cannot take more.
            guard !context.channel.isWritable else { return nil }
            let remaining = waitUntil - .now
            let timeout = context.eventLoop.scheduleTask(in: .nanoseconds(max(0, remaining.nanosecondsClamped))) {
                bound.value.handler.answer.closing(because: reason)
                context.close(promise: nil)
            }
            written.futureResult.whenComplete { _ in timeout.cancel() }
            return written.futureResult
        }
        guard let submitted else { throw .disconnected }  // The event loop is gone.
        guard let pending = submitted else { return }
        do {
            try await pending.get()
        } catch {
            let why = await Self.onLoop(loop) { bound.value.handler.answer.closedBecause }
            throw (why ?? nil) ?? .disconnected
        }
    }

    func endStream() async {
        let bound = connection
        Self.run(on: loop) {
            let context = bound.value.context
            guard context.channel.isActive else { return }
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(ChatFrontHandler.wrapOutboundOut(.end(nil)), promise: written)
            bound.value.handler.answer.lastWrite = written.futureResult
        }
    }

    /// The call is over: the connection goes on with its next request (or closes).
    func done() {
        let bound = connection
        Self.run(on: loop) {
            let handler = bound.value.handler
            let answer = handler.answer
            handler.answer = FrontAnswer()
            handler.answered(answer, context: bound.value.context)
        }
    }

    /// Runs `body` on `loop`: at once when already there (the usual case: tasks run on the
    /// connection's loop), else by hopping.
    static func onLoop<Value: Sendable>(_ loop: any EventLoop, _ body: @escaping @Sendable () -> Value) async -> Value? {
        if loop.inEventLoop { return body() }
        return try? await loop.submit(body).get()
    }

    static func run(on loop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }
}

/// Reports raw bytes to the front handler before the HTTP decoder sees them (read deadlines
/// count from the first byte of a request head, which the decoder does not report).
final class ReadWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let front: ChatFrontHandler
    private var frontContext: ChannelHandlerContext?

    init(front: ChatFrontHandler) { self.front = front }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if frontContext == nil { frontContext = try? context.pipeline.syncOperations.context(handler: front) }
        if let frontContext { front.bytesArrived(context: frontContext) }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) { frontContext = nil }
}

/// Hummingbird's HTTP/1 child channel with `ReadWatch` before its codec and `ChatFrontHandler`
/// after the decoder. Connections past `maxConnections` are closed as they arrive.
struct GatewayChildChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let chat: ChatCompletionHandler
    let calls: CallTracker
    /// Each new connection takes the limits of the config in force when it opens.
    let live: LiveConfig
    let connections: ConnectionCount
    let logger: Logger

    func setup(channel: any Channel, logger setupLogger: Logger) -> EventLoopFuture<Value> {
        // The config in force when the connection opens: its connection limit and read limits.
        let snapshot = live.current
        guard connections.open(limit: snapshot.config.server.maxConnections) else {
            // Refused cheaply: no handlers, no answer.
            channel.close(mode: .all, promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
        }
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.closed() }
        do {
            try channel.syncOptions?.setOption(.recvAllocator, value: ReceiveBuffers.allocator)
        } catch {
            channel.close(mode: .all, promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: setupLogger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let front = ChatFrontHandler(chat: chat, calls: calls, settings: snapshot.front, logger: logger)
            try pipeline.addHandler(front, position: .after(decoder))
            try pipeline.addHandler(ReadWatch(front: front), position: .before(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

/// Open client connections, against `server.max_connections` (the limit of the config in force
/// when a connection opens).
final class ConnectionCount: Sendable {
    private let count = Atomic<Int>(0)

    init() {}

    /// Counts a new connection; false (and not counted) past `limit`.
    func open(limit: Int) -> Bool {
        let now = count.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func closed() { count.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { count.load(ordering: .relaxed) }
}

struct ConnectionLimitReached: Error, CustomStringConvertible {
    var description: String { "server.max_connections reached: connection refused" }
}

extension Duration {
    var milliseconds: Int64 { nanosecondsClamped / 1_000_000 }
}

extension OpenAIError {
    static func requestTimeout(_ message: String) -> OpenAIError {
        OpenAIError(.requestTimeout, message)
    }

    /// The client half-closed its connection before the request body was complete.
    static let incompleteRequest = OpenAIError(.incompleteRequest, "The connection was half-closed before the request body was complete.")

    /// Bytes in the request that are not valid HTTP/1.1 (a bad chunk size, …).
    static let malformedRequest = OpenAIError(.malformedRequest, "The request is not valid HTTP/1.1 (a malformed head, or malformed framing of its body).")
}
