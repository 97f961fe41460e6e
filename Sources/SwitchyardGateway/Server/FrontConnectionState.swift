import NIOCore
import NIOHTTP1
import SwitchyardCore

/// One client connection of the front handler as a value: events in, actions out.
/// `ChatFrontHandler` reports what the channel, the router and the chat call did and executes
/// what this answers; every decision about the connection — which request goes where, when reads
/// pause, when the connection closes, what a timeout or a half-close means — is made here and
/// nowhere else. It drives the connection's `ReadDeadline` and hands back the timer changes that
/// go with each step.
///
///                   ┌──────────── chat head, key refused, small body ───────────┐
///                   │                                                           ▼
///     idle ──chat head──▶ authenticating ──key ok──▶ reading ──end──▶ answering   discarding
///      ▲ ▲                                                              │          │
///      │ └───────────────────── answered (keep-alive) ◀─────────────────┘          │
///      │ └───────────────────── end of the refused body ◀──────────────────────────┘
///      └── end ── passing ◀── other head ── idle
///
///     any state ── timeout, cut or malformed request, `Connection: close` ──▶ closing
///
/// Requests on one connection are answered in order. A part that arrives while a chat answer is
/// in flight (or while parts already wait) is queued; a chat head waits in the queue until the
/// router has answered every request before it; reads pause while anything waits. When an answer
/// ends, the handler pulls the queued parts with `nextQueued()`. What the client did under an
/// answer — a half-close, bytes that do not parse — is held and replayed once the answer is out,
/// or it would end the connection under it.
struct FrontConnectionState {
    /// A refused request's body up to this size is read and dropped (the connection stays open).
    static let discardableBody = 64 << 10

    /// Parts that may wait in the queue. Reads pause once a part waits, but one read loop takes
    /// up to 4 × 64 KiB from the socket (and a half-close drains the socket whatever the reads),
    /// which is thousands of parts when each is an 18-byte pipelined `GET`: past this many, the
    /// connection closes.
    static let maxQueuedParts = 1_024

    struct Limits: Sendable, Equatable {
        /// Bytes of a chat body kept past this are dropped (the call answers 413 when it sees
        /// more than this).
        var maxBodyBytes: Int
        var deadlines: ReadDeadline.Limits
    }

    /// A chat request whose key passed, while its body is read.
    struct ChatRequest: Equatable {
        var head: HTTPRequestHead
        var caller: AccessLayer.Caller
        /// At most `maxBodyBytes + 1` bytes: one more than allowed is enough to answer 413.
        var body: ByteBuffer
        /// When its head arrived (its SERVER span starts there); only with traces on.
        var arrivedAt: UInt64?
    }

    enum Phase: Equatable {
        /// Between requests (parts may wait in the queue for the router's answers).
        case idle
        /// A chat head's key is being checked by the handler (`keyChecked` follows at once).
        case authenticating(HTTPRequestHead)
        /// Reading a chat request's body.
        case reading(ChatRequest)
        /// The chat call is answering.
        case answering
        /// Passing a request's parts to the router.
        case passing
        /// The request was refused from its head and answered; its small body is read and
        /// dropped, and the connection goes on.
        case discarding
        /// An answer that ends the connection was written (or the connection is being closed);
        /// nothing more is read, started or answered.
        case closing
    }

    /// An error held back until the answer in hand is out. Errors are not `Equatable`: two are
    /// the same when they print the same (enough to assert on in tests).
    struct HeldError: Equatable {
        let error: any Error

        static func == (a: HeldError, b: HeldError) -> Bool { String(reflecting: a.error) == String(reflecting: b.error) }
    }

    enum Action: Equatable {
        /// Nothing to do.
        case none
        /// Change the read timer (and nothing else).
        case deadline(ReadDeadline.Action)
        /// Ask the channel for more bytes.
        case read
        /// Change the read timer, check this chat head's key and report it with `keyChecked`.
        case authenticate(HTTPRequestHead, deadline: ReadDeadline.Action)
        /// Change the read timer, then hand the part to the router.
        case forward(HTTPServerRequestPart, deadline: ReadDeadline.Action)
        /// Change the read timer (no read deadline while answering), then start the chat call.
        case startChat(ChatRequest, deadline: ReadDeadline.Action)
        /// Answer a refused key from the head. `keepConnection`: answer with keep-alive (its
        /// small body is read and dropped); otherwise answer with `Connection: close` and close
        /// once the answer is out.
        case refuseKey(OpenAIError, HTTPRequestHead, keepConnection: Bool)
        /// Answer `error` with `Connection: close` and close once it is out. `request`: the chat
        /// request whose body was being read (the answer takes its front door's shape, and its
        /// SERVER span starts at `arrivedAt`).
        case refuseAndClose(OpenAIError, request: HTTPRequestHead?, arrivedAt: UInt64?)
        /// Change the read timer, then run what waited: pull `nextQueued()` until it is nil.
        /// After an answer of the router: once its end is written. After a chat answer: once
        /// its last write is out (or the client stalls).
        case resume(deadline: ReadDeadline.Action)
        /// Close once the answer's last write is out (or the client stalls).
        case closeOnceWritten
        /// Close now.
        case close
        /// Pass the event or error that was reported on to the router, unchanged.
        case passOn
        /// The router's answer head must say `Connection: close` (its request asked for it).
        case addConnectionClose
        /// Replay a half-close that was held back.
        case fireInputClosed
        /// Replay an error that was held back.
        case fireError(HeldError)
    }

    let limits: Limits
    private(set) var phase = Phase.idle
    private(set) var deadline: ReadDeadline
    /// Keep-alive of each request passed to the router whose answer has not ended yet.
    private(set) var routerAnswersDue = CircularBuffer<Bool>()
    /// Parts that arrived while an earlier answer was due.
    private(set) var queued = CircularBuffer<HTTPServerRequestPart>()
    /// The channel asked to read while reads were paused: it reads once the wait is over.
    private(set) var readHeld = false
    /// Graceful shutdown asked this connection to close: no new request starts.
    private(set) var shuttingDown = false
    /// The client half-closed (or sent bytes that do not parse) while a chat request was being
    /// answered: held back from the router until the answer is out.
    private(set) var heldInputClosed = false
    private(set) var heldError: HeldError?

    init(limits: Limits) {
        self.limits = limits
        self.deadline = ReadDeadline(limits: limits.deadlines)
    }

    // MARK: Queries

    private var isAnswering: Bool { phase == .answering }

    /// A chat request is being read or answered, or parts wait their turn.
    var holdsChat: Bool {
        switch phase {
        case .authenticating, .reading, .answering: return true
        case .idle, .passing, .closing, .discarding: return !queued.isEmpty
        }
    }

    /// A chat body is being read (and nothing waits behind it).
    private var isReadingChatBody: Bool {
        if case .reading = phase { return queued.isEmpty }
        return false
    }

    // MARK: The socket

    /// The connection opened (or the handler was added to an open one): the header deadline
    /// counts from now.
    func connected() -> Action { .deadline(deadline.initialAction) }

    /// Raw bytes arrived (before the HTTP decoder).
    mutating func bytesArrived() -> Action { .deadline(deadline.bytesArrived()) }

    /// The armed read timer fired.
    mutating func deadlineFired() -> Action {
        switch deadline.expired() {
        case .none:
            return .none
        case .idleTimeout:
            return closeNow()
        case .headTimeout:
            return end(with: .requestTimeout("The request head did not arrive within \(limits.deadlines.header.milliseconds) ms."))
        case .bodyTimeout:
            // The router has the request; it must not write after us. Nothing was answered.
            if phase == .passing { return closeNow() }
            return end(with: .requestTimeout("The request body paused for more than \(limits.deadlines.body.milliseconds) ms."))
        }
    }

    /// The channel wants to read. Reads go on under a chat answer until the client sends
    /// something (the next request, a half-close, bytes that do not parse): pausing them for
    /// every answer cost two `epoll_ctl` calls per request, and a client that sends nothing more
    /// costs nothing. Once something arrived (the deadline notes bytes under an answer), or a
    /// part waits, reads pause until the answer has ended and the queue is worked off: what the
    /// client sends then is held back by TCP, not read and kept or dropped without limit.
    mutating func readRequested() -> Action {
        if !queued.isEmpty || (isAnswering && (deadline.bytesSinceHead || heldInputClosed || heldError != nil)) {
            readHeld = true
            return .none
        }
        return .read
    }

    // MARK: Inbound

    /// The decoder produced a part of a request.
    mutating func partReceived(_ part: HTTPServerRequestPart) -> Action {
        switch phase {
        case .closing:
            return .none
        case .authenticating:
            return closeNow()  // The key check is synchronous: no part can arrive during it.
        case .idle, .reading, .answering, .passing, .discarding:
            if !queued.isEmpty || isAnswering {
                guard queued.count < Self.maxQueuedParts else { return closeNow() }
                queued.append(part)
                return .none
            }
            return process(part)
        }
    }

    /// The handler checked the key of the head it was asked to authenticate. `arrivedAt`: when
    /// the head was taken up (only with traces on).
    mutating func keyChecked(_ result: Result<AccessLayer.Caller, OpenAIError>, arrivedAt: UInt64?) -> Action {
        guard case .authenticating(let head) = phase else { return closeNow() }
        switch result {
        case .success(let caller):
            phase = .reading(ChatRequest(head: head, caller: caller, body: ByteBuffer(), arrivedAt: arrivedAt))
            return .none
        case .failure(let error):
            // Refused from the head alone: the body is never buffered. A small one (it is usually
            // here already) is read and dropped to keep the connection; a large or unannounced
            // one ends the connection.
            let length = head.headers.first(name: "content-length").flatMap(Int.init)
            if let length, length <= Self.discardableBody, head.isKeepAlive, !shuttingDown {
                phase = .discarding
                return .refuseKey(error, head, keepConnection: true)
            }
            phase = .closing
            queued.removeAll()
            return .refuseKey(error, head, keepConnection: false)
        }
    }

    /// Graceful shutdown: finish the answer in hand, start nothing new, then close.
    /// `.none`: swallowed (the router would close at once: it does not see our requests).
    mutating func quiesce() -> Action {
        shuttingDown = true
        return holdsChat ? .none : .passOn
    }

    /// The client half-closed its side.
    mutating func inputClosed() -> Action {
        if phase == .discarding {
            // The refused request was answered already: one answer per request, then close.
            return closeNow()
        }
        if isReadingChatBody {
            // The client half-closed in the middle of a body: it will never be complete.
            return end(with: .incompleteRequest)
        }
        if holdsChat {
            heldInputClosed = true
            return .none
        }
        return .passOn
    }

    /// The pipeline reported an error (an `HTTPParserError`: bytes that do not parse).
    mutating func errorCaught(_ error: any Error) -> Action {
        let unparsable = error is HTTPParserError
        if unparsable, isReadingChatBody || (!holdsChat && phase == .idle && routerAnswersDue.isEmpty) {
            // Inside a chat body (a bad chunk size, …) or as a request head (two Content-Lengths,
            // a header without a colon, …). Answered in OpenAI's shape.
            return end(with: .malformedRequest)
        }
        // A request that does not parse, pipelined behind an answer still being written: the
        // 400 would land in the middle of it. It gets it after.
        if holdsChat || (unparsable && phase == .idle) {
            if heldError == nil { heldError = HeldError(error: error) }
            return .none
        }
        return .passOn
    }

    // MARK: Outbound

    /// The router writes an answer's head.
    func routerHeadWritten() -> Action {
        routerAnswersDue.first == false ? .addConnectionClose : .none
    }

    /// The router writes an answer's end. An end with no request due is an answer the router
    /// wrote on its own (Hummingbird's 400 for bytes that do not parse): it goes on as one that
    /// keeps the connection.
    mutating func routerEndWritten() -> Action {
        let keepAlive = routerAnswersDue.popFirst() ?? true
        guard keepAlive else { return .closeOnceWritten }
        let timer = routerAnswersDue.isEmpty && phase == .idle ? deadline.answerEnded() : .keep
        return .resume(deadline: timer)
    }

    /// The chat call ended. `keepAlive`: its answer announced keep-alive and the connection is
    /// still open.
    mutating func chatAnswered(keepAlive: Bool) -> Action {
        guard phase == .answering else {
            // Only a call started here ends here; anything else is a bug: close.
            phase = .closing
            queued.removeAll()
            return .closeOnceWritten
        }
        if !keepAlive || shuttingDown {
            phase = .closing
            queued.removeAll()
            return .closeOnceWritten
        }
        phase = .idle
        return .resume(deadline: deadline.answerEnded())
    }

    /// What to do next once an answer has ended: the queued parts in order until an answer is
    /// due again, then what was held back, then the held read. Nil: nothing (more) to do.
    mutating func nextQueued() -> Action? {
        while let part = queued.first {
            switch phase {
            case .answering, .closing, .authenticating: return nil
            case .idle, .reading, .passing, .discarding: break
            }
            if case .head(let head) = part {
                if shuttingDown {
                    // Shutting down: requests not started yet are not started (the client retries
                    // them elsewhere; nothing was sent upstream or billed).
                    queued.removeAll()
                    break
                }
                if ChatFrontHandler.isChat(head), !routerAnswersDue.isEmpty {
                    return nil  // A chat request still waits for the router.
                }
            }
            queued.removeFirst()
            let action = process(part)
            if case .none = action { continue }
            return action
        }
        switch phase {
        case .answering, .closing, .authenticating:
            return nil
        case .reading, .passing, .discarding:
            return takeHeldRead()
        case .idle:
            if let held = heldError {
                if held.error is HTTPParserError {
                    // Answered once every earlier answer is out.
                    guard routerAnswersDue.isEmpty else { return nil }
                    heldError = nil
                    return end(with: .malformedRequest)
                }
                heldError = nil
                return .fireError(held)
            }
            if heldInputClosed {
                heldInputClosed = false
                return .fireInputClosed
            }
            if shuttingDown && routerAnswersDue.isEmpty { return closeNow() }
            return takeHeldRead()
        }
    }

    // MARK: Steps

    private mutating func takeHeldRead() -> Action? {
        guard readHeld else { return nil }
        readHeld = false
        return .read
    }

    private mutating func process(_ part: HTTPServerRequestPart) -> Action {
        switch phase {
        case .idle:
            guard case .head(let head) = part else { return closeNow() }
            if ChatFrontHandler.isChat(head) {
                guard routerAnswersDue.isEmpty else {
                    // Answer in order: wait for the router's answers first.
                    queued.append(part)
                    return .none
                }
                phase = .authenticating(head)
                return .authenticate(head, deadline: deadline.headReceived())
            }
            phase = .passing
            routerAnswersDue.append(head.isKeepAlive)
            return .forward(part, deadline: deadline.headReceived())
        case .reading(var request):
            switch part {
            case .body(var chunk):
                phase = .idle  // Drop the buffer's second reference before writing to it.
                if request.body.readableBytes <= limits.maxBodyBytes {
                    let room = limits.maxBodyBytes + 1 - request.body.readableBytes
                    if chunk.readableBytes > room { chunk.moveWriterIndex(to: chunk.readerIndex + room) }
                    request.body.writeBuffer(&chunk)
                }
                phase = .reading(request)
                return .none
            case .end:
                phase = .answering
                return .startChat(request, deadline: deadline.requestEnded())
            case .head:
                return closeNow()
            }
        case .discarding:
            switch part {
            case .body:
                return .none
            case .end:
                phase = .idle
                _ = deadline.requestEnded()
                return .resume(deadline: deadline.answerEnded())
            case .head:
                return closeNow()
            }
        case .passing:
            switch part {
            case .end:
                phase = .idle
                return .forward(part, deadline: deadline.requestEnded())
            case .body:
                return .forward(part, deadline: .keep)
            case .head:
                return closeNow()
            }
        case .authenticating, .answering, .closing:
            // A part out of sequence (the decoder does not produce these): drop the connection.
            return closeNow()
        }
    }

    /// Answers `error` with `Connection: close` and closes once the answer is out. Only when
    /// nothing else is being written on the connection; otherwise it just closes.
    private mutating func end(with error: OpenAIError) -> Action {
        let canAnswer: Bool
        var request: ChatRequest?
        switch phase {
        case .reading(let reading):
            canAnswer = routerAnswersDue.isEmpty
            request = reading
        case .idle:
            canAnswer = routerAnswersDue.isEmpty
        case .authenticating, .answering, .passing, .closing, .discarding:
            canAnswer = false
        }
        phase = .closing
        queued.removeAll()
        guard canAnswer else { return .close }
        return .refuseAndClose(error, request: request?.head, arrivedAt: request?.arrivedAt)
    }

    private mutating func closeNow() -> Action {
        phase = .closing
        queued.removeAll()
        return .close
    }
}
