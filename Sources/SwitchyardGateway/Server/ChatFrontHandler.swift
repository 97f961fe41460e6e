import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Foundation
import NIOHTTP1
import Synchronization
import SwitchyardCore

/// Serves chat completions straight from the HTTP/1 pipeline, ahead of Hummingbird's router:
/// the request is read into one buffer on the connection's event loop, handed to the chat
/// handler in one task, and the answer written back through this handler. Every other
/// request passes through to Hummingbird untouched.
///
/// This skips, for the hot path only, the router and Hummingbird's async request and response
/// streams (several task hand-offs per request). Requests on one connection are still answered
/// in order: a chat request waits for the router's answers before it, and reads pause while a
/// chat request is in flight. A request that asked for `Connection: close` gets that header
/// and the connection closes after its answer, on both paths.
final class ChatFrontHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let paths: Set<String> = ["/v1/chat/completions", "/chat/completions"]

    private let chat: ChatCompletionHandler
    private let maxBodyBytes: Int
    private let logger: Logger

    private enum Mode {
        case idle
        /// Reading a chat request's body (bytes past the limit are dropped; the handler
        /// answers 413 when it sees more than `maxBodyBytes`).
        case reading(HTTPRequestHead, ByteBuffer)
        /// The chat handler is answering.
        case answering
        /// Passing a request's parts to the router.
        case passing
    }

    private var mode = Mode.idle
    /// Keep-alive of each request passed to the router whose answer has not ended yet.
    private var routerAnswersDue = CircularBuffer<Bool>()
    /// Parts that arrived while an earlier answer was due.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var readHeld = false
    /// Graceful shutdown asked this connection to close: no new request starts.
    private var closeWhenIdle = false
    /// The client half-closed (or sent bytes that do not parse) while a chat request was in
    /// hand: held back from the router until the answer is out, or it would end the connection
    /// under the answer.
    private var heldInputClosed = false
    private var heldError: (any Error)?
    /// The last write of the chat answer in hand: closing waits for it (closing drops writes
    /// the socket has not taken yet).
    fileprivate var lastWrite: EventLoopFuture<Void>?

    init(chat: ChatCompletionHandler, maxBodyBytes: Int, logger: Logger) {
        self.chat = chat
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !queued.isEmpty || isAnswering {
            queued.append(part)
            return
        }
        process(part, context: context)
    }

    private var isAnswering: Bool {
        if case .answering = mode { return true }
        return false
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (mode, part) {
        case (.idle, .head(let head)):
            if Self.isChat(head) {
                guard routerAnswersDue.isEmpty else {
                    // Answer in order: wait for the router's answers first.
                    queued.append(part)
                    return
                }
                mode = .reading(head, context.channel.allocator.buffer(capacity: 0))
            } else {
                mode = .passing
                routerAnswersDue.append(head.isKeepAlive)
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.reading(let head, var body), .body(var chunk)):
            mode = .idle  // Drop the buffer's second reference before writing to it.
            if body.readableBytes <= maxBodyBytes {
                let room = maxBodyBytes + 1 - body.readableBytes
                if chunk.readableBytes > room { chunk.moveWriterIndex(to: chunk.readerIndex + room) }
                body.writeBuffer(&chunk)
            }
            mode = .reading(head, body)
        case (.reading(let head, let body), .end):
            mode = .answering
            answer(head, body: body, context: context)
        case (.passing, .end):
            mode = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.passing, _):
            context.fireChannelRead(wrapInboundOut(part))
        default:
            // A part out of sequence (the decoder does not produce these): drop the connection.
            context.close(promise: nil)
        }
    }

    /// Runs queued parts until an answer is due again.
    private func drain(context: ChannelHandlerContext) {
        var forwarded = false
        defer {
            // The router's async channel hands reads over on read-complete.
            if forwarded { context.fireChannelReadComplete() }
        }
        while !isAnswering, let part = queued.first {
            if case .head = part, closeWhenIdle {
                // Shutting down: requests not started yet are not started (the client retries
                // them elsewhere; nothing was sent upstream or billed).
                queued.removeAll()
                break
            }
            if case .head(let head) = part, Self.isChat(head), !routerAnswersDue.isEmpty {
                return  // A chat request still waits for the router.
            }
            queued.removeFirst()
            if case .passing = mode { forwarded = true }
            process(part, context: context)
            if case .passing = mode { forwarded = true }
        }
        guard !isAnswering, queued.isEmpty else { return }
        if case .idle = mode {
            if let error = heldError {
                heldError = nil
                context.fireErrorCaught(error)
            }
            if heldInputClosed {
                heldInputClosed = false
                context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            }
            if closeWhenIdle && routerAnswersDue.isEmpty {
                context.close(promise: nil)
                return
            }
        }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    /// A chat request is being read or answered, or parts wait their turn.
    private var holdsChat: Bool {
        switch mode {
        case .reading, .answering: return true
        case .idle, .passing: return !queued.isEmpty
        }
    }

    func read(context: ChannelHandlerContext) {
        // While a chat answer is being written, later requests wait in the socket.
        if isAnswering || !queued.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Graceful shutdown: finish the answer in hand, start nothing new, then close.
            closeWhenIdle = true
            if holdsChat { return }  // The router would close at once: it does not see our requests.
        }
        if let event = event as? ChannelEvent, event == .inputClosed, holdsChat {
            heldInputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request that does not parse, pipelined behind a chat request: the router would
        // write its 400 into the middle of the chat answer. It gets it after.
        if holdsChat {
            if heldError == nil { heldError = error }
            return
        }
        context.fireErrorCaught(error)
    }

    // MARK: Outbound (the router's answers)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where routerAnswersDue.first == false:
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            let keepAlive = routerAnswersDue.popFirst() ?? true
            if keepAlive {
                context.write(data, promise: promise)
                drain(context: context)
            } else {
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.cascade(to: promise)
                context.write(data, promise: written)
                context.flush()
                let channel = context.channel
                written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        default:
            context.write(data, promise: promise)
        }
    }

    // MARK: Chat

    private func answer(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let bound = NIOLoopBound(Connection(handler: self, context: context), eventLoop: context.eventLoop)
        let chat = self.chat
        let logger = self.logger
        Task { await ChatFrontHandler.respond(to: head, body: body, chat: chat, logger: logger, connection: bound) }
    }

    /// The handler and its context, used only on the connection's loop.
    struct Connection {
        let handler: ChatFrontHandler
        let context: ChannelHandlerContext
    }

    private static func respond(to head: HTTPRequestHead, body: ByteBuffer, chat: ChatCompletionHandler, logger: Logger,
                                connection: NIOLoopBound<Connection>) async {
        let request = Request(head: Self.httpRequest(head), body: RequestBody(buffer: body))
        let response: Response
        do {
            response = try await chat.handle(request, logger: logger)
        } catch {
            // The body is already read, so the handler has nothing left that can throw.
            response = ErrorResponse.make(.internalError)
        }
        let streaming = response.body.contentLength == nil
        // HTTP/1.0 has no chunked encoding: a stream there ends when the connection closes.
        let keepAlive = head.isKeepAlive && (!streaming || head.version.minor >= 1)
        let responseHead = Self.responseHead(response, version: head.version, keepAlive: keepAlive)
        let loop = connection.eventLoop
        FrontBodyWriter.run(on: loop) {
            connection.value.context.write(Self.wrapOutboundOut(.head(responseHead)), promise: nil)
        }
        do {
            try await response.body.write(FrontBodyWriter(connection: connection, streaming: streaming))
        } catch {
            // The client went away; the chat handler has accounted for the call.
        }
        FrontBodyWriter.run(on: loop) {
            connection.value.handler.answered(keepAlive: keepAlive, context: connection.value.context)
        }
    }

    /// The chat answer has been written (or the connection is gone).
    private func answered(keepAlive: Bool, context: ChannelHandlerContext) {
        mode = .idle
        let lastWrite = self.lastWrite
        self.lastWrite = nil
        if !keepAlive || closeWhenIdle || !context.channel.isActive {
            let channel = context.channel
            if let lastWrite {
                lastWrite.whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
            return
        }
        drain(context: context)
    }

    static func isChat(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .POST else { return false }
        let uri = head.uri
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
        return paths.contains(path)
    }

    /// The request as Hummingbird's types (the chat handler reads a few headers).
    static func httpRequest(_ head: HTTPRequestHead) -> HTTPRequest {
        var fields = HTTPFields()
        fields.reserveCapacity(head.headers.count)
        for (name, value) in head.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return HTTPRequest(method: .post, scheme: nil, authority: nil, path: head.uri, headerFields: fields)
    }

    static func responseHead(_ response: Response, version: HTTPVersion, keepAlive: Bool) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 3)
        for field in response.headers { headers.add(name: field.name.rawName, value: field.value) }
        if let length = response.body.contentLength {
            headers.replaceOrAdd(name: "content-length", value: String(length))
        } else if version.minor >= 1 {
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        }
        if !keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        } else if version.minor == 0 {
            headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        headers.replaceOrAdd(name: "server", value: "switchyard")
        headers.replaceOrAdd(name: "date", value: DateHeader.now())
        return HTTPResponseHead(version: version, status: .init(statusCode: response.status.code), headers: headers)
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

/// Writes a response body to the client's channel. A whole body is written and flushed once
/// at the end; a stream flushes every chunk, and waits for the socket when it is full.
struct FrontBodyWriter: ResponseBodyWriter {
    let connection: NIOLoopBound<ChatFrontHandler.Connection>
    let streaming: Bool

    mutating func write(_ buffer: ByteBuffer) async throws {
        let bound = connection, streaming = streaming
        let pending: EventLoopFuture<Void>? = try await Self.onLoop(bound.eventLoop) {
            let context = bound.value.context
            guard context.channel.isActive else { throw ChannelError.ioOnClosedChannel }
            let part = ChatFrontHandler.wrapOutboundOut(HTTPServerResponsePart.body(.byteBuffer(buffer)))
            guard streaming else {
                context.write(part, promise: nil)
                return nil
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(part, promise: written)
            // Back-pressure: wait only when the socket cannot take more.
            return context.channel.isWritable ? nil : written.futureResult
        }
        try await pending?.get()
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        // Not waited for: the answer is complete once handed to the channel, and what follows
        // (the next request, or closing) runs on the loop after this write in any case.
        let bound = connection
        FrontBodyWriter.run(on: bound.eventLoop) {
            let context = bound.value.context
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(ChatFrontHandler.wrapOutboundOut(.end(nil)), promise: written)
            bound.value.handler.lastWrite = written.futureResult
        }
    }

    /// Runs `body` on `loop`: at once when already there (the usual case: tasks run on the
    /// connection's loop), else by hopping.
    static func onLoop<Value: Sendable>(_ loop: any EventLoop, _ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        if loop.inEventLoop { return try body() }
        return try await loop.submit(body).get()
    }

    static func run(on loop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }
}

/// Hummingbird's HTTP/1 child channel with `ChatFrontHandler` in front of its codec.
struct GatewayChildChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let chat: ChatCompletionHandler
    let maxBodyBytes: Int
    let logger: Logger

    func setup(channel: any Channel, logger setupLogger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: setupLogger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(ChatFrontHandler(chat: chat, maxBodyBytes: maxBodyBytes, logger: logger), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
