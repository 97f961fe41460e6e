import NIOCore
import NIOHTTP1
import NIOSSL
import SwitchyardCore

/// One request and its response on one upstream connection. It lives on the connection's
/// event loop: every method must be called there (hence `@unchecked Sendable`: it is only
/// handed between tasks, never touched off its loop).
///
/// The response head completes `head`; body chunks queue up until `next` takes them, so the
/// consumer reads without a task per chunk. A deadline passing, the connection breaking or the
/// consumer giving up ends the exchange and closes the connection; a response that ends
/// normally hands the connection back to its pool.
final class UpstreamExchange: @unchecked Sendable {
    let loop: any EventLoop
    private let head: EventLoopPromise<HTTPResponseHead>
    /// Where the request is in its life, and what may happen next (the resend rule included).
    private var state = UpstreamExchangeState()
    private var connection: UpstreamConnection?
    private var headTimer: Scheduled<Void>?
    private var chunks = CircularBuffer<ByteBuffer>()
    /// Bytes received and not yet taken; the connection stops reading past `readAhead`.
    private(set) var bufferedBytes = 0
    private var waiter: EventLoopPromise<ByteBuffer?>?
    private var waiterTimer: Scheduled<Void>?
    /// How to send the request again on a fresh connection, when the state machine says it may.
    var resend: (() -> Void)?
    /// The upstream's `Keep-Alive: timeout=N`, when it said so.
    private(set) var keepAliveTimeout: TimeAmount?

    static let readAhead = 256 * 1024

    init(loop: any EventLoop) {
        self.loop = loop
        self.head = loop.makePromise()
    }

    var headFuture: EventLoopFuture<HTTPResponseHead> { head.futureResult }
    var isOver: Bool { state.isOver }

    /// Fails the exchange with `.timeout` if the response head has not arrived by `deadline`
    /// (connecting and sending count against it too).
    func armHeadDeadline(_ deadline: ContinuousClock.Instant) {
        headTimer = loop.scheduleTask(in: .until(deadline)) { [self] in fail(.timeout) }
    }

    /// The request went out on `connection` (`reused`: it had served a request before).
    func attach(_ connection: UpstreamConnection, reused: Bool) {
        self.connection = connection
        execute(state.sent(reused: reused, now: .now()), response: nil)
    }

    /// The first bytes of an answer arrived: from now on a lost connection is a failure.
    func answerStarted() {
        execute(state.answerStarted(), response: nil)
    }

    // MARK: From the connection handler

    func received(head response: HTTPResponseHead) {
        let action = state.receivedHead(keepAlive: response.isKeepAlive)
        if action == .deliverHead { keepAliveTimeout = Self.keepAliveTimeout(response.headers) }
        execute(action, response: response)
    }

    func received(body: ByteBuffer) {
        guard state.receivedBody() == .deliverBody else { return }
        if let waiter, chunks.isEmpty {
            self.waiter = nil
            cancelWaiterTimer()
            waiter.succeed(body)
        } else {
            chunks.append(body)
            bufferedBytes += body.readableBytes
        }
    }

    func receivedEnd() {
        execute(state.receivedEnd(), response: nil)
    }

    /// The connection broke or closed: the state machine decides between a resend and a failure.
    func connectionLost(_ error: UpstreamTransportError, channel: any Channel) {
        // Only the connection the request is on counts (a resent request has moved on).
        guard let current = connection, current.channel === channel else { return }
        execute(state.connectionLost(error, now: .now()), response: nil)
    }

    /// Ends the exchange with `error` (the first failure wins) and closes the connection.
    func fail(_ error: UpstreamTransportError) {
        execute(state.fail(error), response: nil)
    }

    /// The consumer gave up (its reader was dropped, or its task cancelled): the rest of the
    /// response is not wanted and the connection cannot be reused.
    func abandon() {
        fail(.cancelled)
    }

    /// Carries out what the state machine decided.
    private func execute(_ action: UpstreamExchangeState.Action, response: HTTPResponseHead?) {
        switch action {
        case .none, .deliverBody:
            return
        case .deliverHead:
            headTimer?.cancel()
            headTimer = nil
            if let response { head.succeed(response) }
        case .finish(let reusable):
            resend = nil
            let connection = self.connection
            self.connection = nil
            if let waiter, chunks.isEmpty {
                self.waiter = nil
                cancelWaiterTimer()
                waiter.succeed(nil)
            }
            connection?.exchangeEnded(reusable: reusable, upstreamIdleTimeout: keepAliveTimeout)
        case .resendOnFreshConnection:
            let connection = self.connection
            self.connection = nil
            connection?.exchangeEnded(reusable: false)
            if let resend {
                self.resend = nil  // at most once (the state machine says so too)
                resend()
            } else {
                fail(.broken("the upstream closed the connection"))
            }
        case .fail(let error, let headPending):
            headTimer?.cancel()
            headTimer = nil
            resend = nil
            if headPending { head.fail(error) }
            if let waiter {
                self.waiter = nil
                cancelWaiterTimer()
                waiter.fail(error)
            }
            let connection = self.connection
            self.connection = nil
            connection?.exchangeEnded(reusable: false)
        }
    }

    // MARK: For the consumer

    /// What `next` would answer without waiting: a queued chunk, the end or the failure; nil
    /// when nothing has arrived yet. (A small answer arrives whole with its head: reading it
    /// this way costs no suspension of the reading task.)
    func nextIfReady() -> Result<ByteBuffer?, UpstreamTransportError>? {
        if let chunk = chunks.popFirst() {
            bufferedBytes -= chunk.readableBytes
            if bufferedBytes < Self.readAhead { connection?.resumeReading() }
            return .success(chunk)
        }
        if state.hasEnded { return .success(nil) }
        if let failure = state.failure { return .failure(failure) }
        return nil
    }

    /// The next body chunk, nil at the end; fails with `.timeout` when `deadline` passes first.
    func next(deadline: ContinuousClock.Instant) -> EventLoopFuture<ByteBuffer?> {
        if let ready = nextIfReady() { return loop.makeCompletedFuture(ready.mapError { $0 as any Error }) }
        guard waiter == nil else { return loop.makeFailedFuture(UpstreamTransportError.broken("two concurrent reads of one upstream body")) }
        let promise = loop.makePromise(of: ByteBuffer?.self)
        waiter = promise
        waiterTimer = loop.scheduleTask(in: .until(deadline)) { [self] in fail(.timeout) }
        connection?.resumeReading()
        return promise.futureResult
    }

    private func cancelWaiterTimer() {
        waiterTimer?.cancel()
        waiterTimer = nil
    }

    /// `Keep-Alive: timeout=5, max=100` → 5 s.
    static func keepAliveTimeout(_ headers: HTTPHeaders) -> TimeAmount? {
        guard let value = headers.first(name: "keep-alive") else { return nil }
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingSpaces.lowercased() == "timeout", let seconds = Int(pair[1].trimmingSpaces), seconds >= 0 {
                return .seconds(Int64(min(seconds, 3600)))
            }
        }
        return nil
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Keeps an exchange alive while its response or a reader of its body exists; when the last
/// of them is dropped before the response ended, the exchange is abandoned (the connection
/// closes instead of going back to the pool mid-response).
final class UpstreamExchangeOwner: Sendable {
    let exchange: UpstreamExchange

    init(_ exchange: UpstreamExchange) { self.exchange = exchange }

    func next(deadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> ByteBuffer? {
        let exchange = exchange
        if exchange.loop.inEventLoop, let ready = exchange.nextIfReady() { return try ready.get() }
        let future = exchange.loop.inEventLoop
            ? exchange.next(deadline: deadline)
            : exchange.loop.flatSubmit { exchange.next(deadline: deadline) }
        return try await UpstreamExchangeOwner.await(future, onCancel: exchange)
    }

    /// Waits for `future`; cancelling the waiting task abandons `exchange`.
    static func await<Value: Sendable>(_ future: EventLoopFuture<Value>, onCancel exchange: UpstreamExchange) async throws(UpstreamTransportError) -> Value {
        do {
            return try await withTaskCancellationHandler {
                try await future.get()
            } onCancel: {
                exchange.loop.execute { exchange.abandon() }
            }
        } catch let error as UpstreamTransportError {
            throw error
        } catch {
            throw .broken(String(describing: error))
        }
    }

    deinit {
        let exchange = exchange
        if exchange.loop.inEventLoop {
            exchange.abandon()
        } else {
            exchange.loop.execute { exchange.abandon() }
        }
    }
}

/// Sits before the HTTP decoder and tells the connection's handler when any byte of an answer
/// arrives (a half-parsed head included).
final class UpstreamFirstByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let handler: UpstreamConnectionHandler

    init(_ handler: UpstreamConnectionHandler) { self.handler = handler }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        handler.exchange?.answerStarted()
        context.fireChannelRead(data)
    }
}

/// The channel handler of an upstream connection: feeds response parts to the current
/// exchange, fails it when the connection breaks, and holds reads while its consumer lags.
final class UpstreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    var exchange: UpstreamExchange?
    private var context: ChannelHandlerContext?
    private var readHeld = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // 1xx answers (100 Continue) are not the response.
            if head.status.code >= 200 { exchange?.received(head: head) }
        case .body(let body):
            exchange?.received(body: body)
        case .end:
            let exchange = self.exchange
            self.exchange = nil
            exchange?.receivedEnd()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS peer that closes without close_notify: a close-delimited body has still ended
        // (the decoder says so next); a cut-off one fails in `channelInactive`.
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return }
        let exchange = self.exchange
        self.exchange = nil
        if error is HTTPParserError {
            // A malformed answer: the upstream did answer something. Never resent.
            exchange?.answerStarted()
            exchange?.fail(.broken("the upstream's answer is not valid HTTP: \(error)"))
        } else if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            // Certificate or handshake failures: the connection never came up.
            exchange?.answerStarted()
            exchange?.fail(.connect("TLS: \(error)"))
        } else {
            exchange?.connectionLost(.broken(String(describing: error)), channel: context.channel)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let exchange = self.exchange
        self.exchange = nil
        exchange?.connectionLost(.broken("the upstream closed the connection"), channel: context.channel)
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if let exchange, exchange.bufferedBytes >= UpstreamExchange.readAhead {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// Reads again after `read` held back.
    func resumeReading() {
        guard readHeld, let context else { return }
        readHeld = false
        context.read()
    }
}

extension TimeAmount {
    /// The time from now until `deadline` (zero when it has passed).
    static func until(_ deadline: ContinuousClock.Instant) -> TimeAmount {
        .nanoseconds(max(0, ContinuousClock.now.duration(to: deadline).nanosecondsClamped))
    }
}

