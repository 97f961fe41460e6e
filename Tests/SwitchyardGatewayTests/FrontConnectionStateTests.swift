import NIOCore
import NIOHTTP1
import SwitchyardCore
import Testing
@testable import SwitchyardGateway

/// Every transition of a front connection, driven on the value alone (no channel, no clock):
/// each event in each state, the impossible ones included.
@Suite struct FrontConnectionStateTests {
    typealias State = FrontConnectionState
    typealias Action = FrontConnectionState.Action

    let limits = State.Limits(maxBodyBytes: 10, deadlines: .init(header: .seconds(10), body: .seconds(5), idle: .seconds(60)))
    let headerDeadline = ReadDeadline.Action.arm(.seconds(10))
    let bodyGap = ReadDeadline.Action.arm(.seconds(5))
    let idleDeadline = ReadDeadline.Action.arm(.seconds(60))
    let badKey = OpenAIError(.invalidAPIKey, "Incorrect API key provided.")
    let arrived: UInt64 = 7

    // MARK: Requests

    func chatHead(path: String = "/v1/chat/completions", contentLength: Int? = 5, close: Bool = false,
                  version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: version, method: .POST, uri: path)
        if let contentLength { head.headers.add(name: "content-length", value: String(contentLength)) }
        if close { head.headers.add(name: "connection", value: "close") }
        return head
    }

    func routerHead(path: String = "/v1/models", close: Bool = false) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        if close { head.headers.add(name: "connection", value: "close") }
        return head
    }

    func bytes(_ count: Int) -> ByteBuffer { ByteBuffer(repeating: UInt8(ascii: "x"), count: count) }

    func request(_ head: HTTPRequestHead, body: ByteBuffer = ByteBuffer()) -> State.ChatRequest {
        State.ChatRequest(head: head, caller: .anonymous, body: body, arrivedAt: arrived)
    }

    // MARK: States to start from

    func fresh() -> State {
        let state = State(limits: limits)
        #expect(state.connected() == .deadline(headerDeadline))
        return state
    }

    func reading(_ head: HTTPRequestHead? = nil) -> State {
        let head = head ?? chatHead()
        var state = fresh()
        #expect(state.partReceived(.head(head)) == .authenticate(head, deadline: bodyGap))
        #expect(state.phase == .authenticating(head))
        #expect(state.keyChecked(.success(.anonymous), arrivedAt: arrived) == .none)
        #expect(state.phase == .reading(request(head)))
        return state
    }

    func answering(_ head: HTTPRequestHead? = nil) -> State {
        let head = head ?? chatHead()
        var state = reading(head)
        #expect(state.partReceived(.end(nil)) == .startChat(request(head), deadline: .cancel))
        #expect(state.phase == .answering)
        return state
    }

    /// A router request read whole, its answer due.
    func routerAnswerDue(close: Bool = false) -> State {
        var state = fresh()
        let head = routerHead(close: close)
        #expect(state.partReceived(.head(head)) == .forward(.head(head), deadline: bodyGap))
        #expect(state.phase == .passing)
        #expect(state.partReceived(.end(nil)) == .forward(.end(nil), deadline: .cancel))
        #expect(state.phase == .idle)
        #expect(state.routerAnswersDue.count == 1)
        return state
    }

    func discarding() -> State {
        var state = fresh()
        let head = chatHead()
        #expect(state.partReceived(.head(head)) == .authenticate(head, deadline: bodyGap))
        #expect(state.keyChecked(.failure(badKey), arrivedAt: arrived) == .refuseKey(badKey, head, keepConnection: true))
        #expect(state.phase == .discarding)
        return state
    }

    func closing() -> State {
        var state = fresh()
        #expect(state.partReceived(.body(bytes(1))) == .close)
        #expect(state.phase == .closing)
        return state
    }

    /// Pulls `nextQueued()` until it is nil.
    func drained(_ state: inout State) -> [Action] {
        var actions: [Action] = []
        while let action = state.nextQueued() {
            actions.append(action)
            if actions.count > 100 { break }  // A machine that never stops fails here, not by hanging.
        }
        return actions
    }

    // MARK: A chat request's life

    @Test func aChatRequestIsAuthenticatedReadAnsweredAndTheConnectionKept() {
        var state = reading()
        #expect(state.bytesArrived() == .deadline(bodyGap))
        #expect(state.partReceived(.body(ByteBuffer(string: "hello"))) == .none)
        let head = chatHead()
        #expect(state.partReceived(.end(nil)) == .startChat(request(head, body: ByteBuffer(string: "hello")), deadline: .cancel))
        #expect(state.phase == .answering)
        #expect(state.deadlineFired() == .none)  // No read deadline while answering.
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(state.phase == .idle)
        #expect(drained(&state).isEmpty)
        #expect(state.deadlineFired() == .close)  // Idle too long: closed without a word.
        #expect(state.phase == .closing)
    }

    @Test func aBodyIsKeptUpToOneByteMoreThanAllowed() {
        var state = reading()
        #expect(state.partReceived(.body(bytes(8))) == .none)
        #expect(state.partReceived(.body(bytes(8))) == .none)
        #expect(state.partReceived(.body(bytes(8))) == .none)
        #expect(state.partReceived(.end(nil)) == .startChat(request(chatHead(), body: bytes(11)), deadline: .cancel))
    }

    @Test func theMessagesDoorsAreChatRequestsToo() {
        for path in ["/v1/messages", "/v1/messages/count_tokens", "/chat/completions", "/v1/chat/completions?x=1"] {
            var state = fresh()
            let head = chatHead(path: path)
            #expect(state.partReceived(.head(head)) == .authenticate(head, deadline: bodyGap))
        }
        // A GET on a chat path is the router's (it answers 405).
        var state = fresh()
        let get = routerHead(path: "/v1/chat/completions")
        #expect(state.partReceived(.head(get)) == .forward(.head(get), deadline: bodyGap))
    }

    @Test func anAnswerThatCannotKeepTheConnectionClosesItOnceWritten() {
        var state = answering()
        #expect(state.chatAnswered(keepAlive: false) == .closeOnceWritten)
        #expect(state.phase == .closing)
        #expect(state.partReceived(.head(chatHead())) == .none)
        #expect(state.nextQueued() == nil)
    }

    @Test func bytesOfTheNextRequestUnderAnAnswerGetTheHeaderDeadlineAfterIt() {
        var state = answering()
        #expect(state.bytesArrived() == .deadline(.keep))
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: headerDeadline))
    }

    // MARK: Pipelining

    @Test func partsUnderAChatAnswerWaitAndReadsPause() {
        var state = answering()
        let get = routerHead()
        #expect(state.partReceived(.head(get)) == .none)
        #expect(state.partReceived(.end(nil)) == .none)
        #expect(state.queued.count == 2)
        #expect(state.readRequested() == .none)
        #expect(state.readHeld)
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(drained(&state) == [.forward(.head(get), deadline: bodyGap), .forward(.end(nil), deadline: .cancel), .read])
        #expect(!state.readHeld && state.queued.isEmpty)
        #expect(state.readRequested() == .read)
    }

    @Test func aChatRequestWaitsForTheRoutersAnswersBeforeIt() {
        var state = routerAnswerDue()
        let head = chatHead()
        #expect(state.partReceived(.head(head)) == .none)
        #expect(state.partReceived(.body(ByteBuffer(string: "hello"))) == .none)
        #expect(state.partReceived(.end(nil)) == .none)
        #expect(state.queued.count == 3)
        #expect(state.readRequested() == .none)
        #expect(state.nextQueued() == nil)  // Still waiting for the router.
        #expect(state.routerHeadWritten() == .none)
        #expect(state.routerEndWritten() == .resume(deadline: idleDeadline))
        #expect(state.nextQueued() == .authenticate(head, deadline: bodyGap))
        #expect(state.keyChecked(.success(.anonymous), arrivedAt: arrived) == .none)
        #expect(state.nextQueued() == .startChat(request(head, body: ByteBuffer(string: "hello")), deadline: .cancel))
        #expect(state.nextQueued() == nil)  // Answering: the held read waits for the answer.
        #expect(state.readHeld)
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(drained(&state) == [.read])
    }

    @Test func aChatRequestBehindAChatAnswerStartsAfterIt() {
        var state = answering()
        let next = chatHead(path: "/v1/messages")
        #expect(state.partReceived(.head(next)) == .none)
        #expect(state.partReceived(.body(bytes(3))) == .none)
        #expect(state.partReceived(.end(nil)) == .none)
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(state.nextQueued() == .authenticate(next, deadline: bodyGap))
        #expect(state.keyChecked(.success(.anonymous), arrivedAt: nil) == .none)
        let expected = State.ChatRequest(head: next, caller: .anonymous, body: bytes(3), arrivedAt: nil)
        #expect(state.nextQueued() == .startChat(expected, deadline: .cancel))
        #expect(state.nextQueued() == nil)
    }

    @Test func routerRequestsPassStraightThroughInOrder() {
        var state = routerAnswerDue()
        let second = routerHead(path: "/healthz")
        #expect(state.partReceived(.head(second)) == .forward(.head(second), deadline: bodyGap))
        #expect(state.partReceived(.body(bytes(2))) == .forward(.body(bytes(2)), deadline: .keep))
        #expect(state.partReceived(.end(nil)) == .forward(.end(nil), deadline: .cancel))
        #expect(state.routerAnswersDue.count == 2)
        #expect(state.readRequested() == .read)  // Router requests do not pause reads.
        // The first answer ends: another is still due, so no idle deadline yet.
        #expect(state.routerEndWritten() == .resume(deadline: .keep))
        #expect(state.routerEndWritten() == .resume(deadline: idleDeadline))
        #expect(drained(&state).isEmpty)
    }

    @Test func aRouterAnswerEndingWhileTheNextRequestIsReadLeavesItsDeadline() {
        var state = routerAnswerDue()
        let second = routerHead()
        #expect(state.partReceived(.head(second)) == .forward(.head(second), deadline: bodyGap))
        #expect(state.routerEndWritten() == .resume(deadline: .keep))
        #expect(drained(&state).isEmpty)
    }

    @Test func aRouterRequestThatAskedToCloseGetsConnectionCloseAndCloses() {
        var state = routerAnswerDue(close: true)
        #expect(state.routerHeadWritten() == .addConnectionClose)
        #expect(state.routerEndWritten() == .closeOnceWritten)
        #expect(state.routerAnswersDue.isEmpty)
    }

    @Test func anAnswerTheRouterWritesOnItsOwnKeepsTheConnection() {
        // Hummingbird's 400 for bytes that do not parse: no request of ours is due.
        var state = fresh()
        #expect(state.routerHeadWritten() == .none)
        #expect(state.routerEndWritten() == .resume(deadline: .keep))
    }

    // MARK: Refused keys

    @Test func aRefusedKeyWithASmallBodyIsAnsweredAndTheBodyDiscarded() {
        var state = discarding()
        #expect(state.bytesArrived() == .deadline(bodyGap))
        #expect(state.partReceived(.body(bytes(5))) == .none)
        #expect(state.partReceived(.end(nil)) == .resume(deadline: idleDeadline))
        #expect(state.phase == .idle)
        #expect(drained(&state).isEmpty)
        // The connection goes on.
        let next = routerHead()
        #expect(state.partReceived(.head(next)) == .forward(.head(next), deadline: bodyGap))
    }

    @Test func aRefusedKeyWithALargeUnannouncedOrClosingBodyClosesAfterTheAnswer() {
        let heads = [
            chatHead(contentLength: State.discardableBody + 1),
            chatHead(contentLength: nil),
            chatHead(close: true),
            chatHead(version: .http1_0),
        ]
        for head in heads {
            var state = fresh()
            #expect(state.partReceived(.head(head)) == .authenticate(head, deadline: bodyGap))
            #expect(state.keyChecked(.failure(badKey), arrivedAt: nil) == .refuseKey(badKey, head, keepConnection: false))
            #expect(state.phase == .closing)
            #expect(state.partReceived(.body(bytes(5))) == .none)
            #expect(state.nextQueued() == nil)
        }
        // Exactly the limit is still discarded.
        var state = fresh()
        let limit = chatHead(contentLength: State.discardableBody)
        _ = state.partReceived(.head(limit))
        #expect(state.keyChecked(.failure(badKey), arrivedAt: nil) == .refuseKey(badKey, limit, keepConnection: true))
    }

    @Test func aRefusedKeyWhileShuttingDownClosesAfterTheAnswer() {
        var state = fresh()
        #expect(state.quiesce() == .passOn)
        let head = chatHead()
        _ = state.partReceived(.head(head))
        #expect(state.keyChecked(.failure(badKey), arrivedAt: nil) == .refuseKey(badKey, head, keepConnection: false))
    }

    @Test func aRefusedRequestThatWaitedIsDiscardedAndTheNextOneRuns() {
        var state = answering()
        let refused = chatHead()
        let next = routerHead()
        for part: HTTPServerRequestPart in [.head(refused), .body(bytes(5)), .end(nil), .head(next), .end(nil)] {
            #expect(state.partReceived(part) == .none)
        }
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(state.nextQueued() == .authenticate(refused, deadline: bodyGap))
        #expect(state.keyChecked(.failure(badKey), arrivedAt: nil) == .refuseKey(badKey, refused, keepConnection: true))
        #expect(state.nextQueued() == .resume(deadline: idleDeadline))  // The refused body is read and dropped.
        #expect(drained(&state) == [.forward(.head(next), deadline: bodyGap), .forward(.end(nil), deadline: .cancel)])
    }

    @Test func aHalfCloseAfterARefusalClosesTheConnection() {
        var state = discarding()
        #expect(state.inputClosed() == .close)
        #expect(state.phase == .closing)
    }

    @Test func aBodyTimeoutAfterARefusalClosesWithoutASecondAnswer() {
        var state = discarding()
        #expect(state.deadlineFired() == .close)
        #expect(state.phase == .closing)
    }

    // MARK: Timeouts

    @Test func aHeadThatDoesNotArriveInTimeIsAnswered408() {
        var state = fresh()
        #expect(state.bytesArrived() == .deadline(.keep))
        let timeout = OpenAIError.requestTimeout("The request head did not arrive within 10000 ms.")
        #expect(state.deadlineFired() == .refuseAndClose(timeout, request: nil, arrivedAt: nil))
        #expect(state.phase == .closing)
        #expect(state.deadlineFired() == .close)  // A late second firing: the connection is closing anyway.
    }

    @Test func aLaterHeadThatDoesNotArriveInTimeIsAnswered408() {
        var state = routerAnswerDue()
        #expect(state.routerEndWritten() == .resume(deadline: idleDeadline))
        #expect(state.bytesArrived() == .deadline(headerDeadline))
        let timeout = OpenAIError.requestTimeout("The request head did not arrive within 10000 ms.")
        #expect(state.deadlineFired() == .refuseAndClose(timeout, request: nil, arrivedAt: nil))
    }

    @Test func aChatBodyThatPausesIsAnswered408InItsDoorsShape() {
        let head = chatHead(path: "/v1/messages")
        var state = reading(head)
        let timeout = OpenAIError.requestTimeout("The request body paused for more than 5000 ms.")
        #expect(state.deadlineFired() == .refuseAndClose(timeout, request: head, arrivedAt: arrived))
        #expect(state.phase == .closing)
        #expect(state.queued.isEmpty)
    }

    @Test func aRouterBodyThatPausesClosesWithoutAnAnswer() {
        // The router has the request; it must not write after us.
        var state = fresh()
        let head = routerHead()
        _ = state.partReceived(.head(head))
        #expect(state.deadlineFired() == .close)
        #expect(state.phase == .closing)
    }

    // MARK: Half-close

    @Test func aHalfCloseMidChatBodyIsAnIncompleteRequest() {
        let head = chatHead()
        var state = reading(head)
        #expect(state.inputClosed() == .refuseAndClose(.incompleteRequest, request: head, arrivedAt: arrived))
        #expect(state.phase == .closing)
    }

    @Test func aHalfCloseUnderAChatAnswerIsHeldUntilItIsOut() {
        var state = answering()
        #expect(state.inputClosed() == .none)
        #expect(state.heldInputClosed)
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(drained(&state) == [.fireInputClosed])
        #expect(!state.heldInputClosed)
    }

    @Test func aHalfCloseBehindQueuedPartsWaitsForThemToo() {
        var state = routerAnswerDue()
        let head = chatHead()
        _ = state.partReceived(.head(head))
        #expect(state.inputClosed() == .none)
        #expect(state.routerEndWritten() == .resume(deadline: idleDeadline))
        // The chat request starts; its body never comes, and the half-close goes on once it is answered.
        #expect(state.nextQueued() == .authenticate(head, deadline: bodyGap))
        #expect(state.keyChecked(.success(.anonymous), arrivedAt: nil) == .none)
        #expect(state.nextQueued() == nil)
        #expect(state.heldInputClosed)
    }

    @Test func aHalfCloseWithNothingInHandGoesToTheRouter() {
        var idle = fresh()
        #expect(idle.inputClosed() == .passOn)
        var passing = fresh()
        _ = passing.partReceived(.head(routerHead()))
        #expect(passing.inputClosed() == .passOn)
        var due = routerAnswerDue()
        #expect(due.inputClosed() == .passOn)
    }

    // MARK: Bytes that do not parse

    @Test func aHeadThatDoesNotParseIsAnsweredMalformed() {
        var state = fresh()
        #expect(state.errorCaught(HTTPParserError.invalidHeaderToken) == .refuseAndClose(.malformedRequest, request: nil, arrivedAt: nil))
        #expect(state.phase == .closing)
    }

    @Test func aChatBodyThatDoesNotParseIsAnsweredMalformed() {
        let head = chatHead(contentLength: nil)
        var state = reading(head)
        #expect(state.errorCaught(HTTPParserError.invalidChunkSize) == .refuseAndClose(.malformedRequest, request: head, arrivedAt: arrived))
    }

    @Test func aMalformedRequestUnderAChatAnswerIsAnsweredAfterIt() {
        var state = answering()
        #expect(state.errorCaught(HTTPParserError.invalidHeaderToken) == .none)
        #expect(state.inputClosed() == .none)
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(drained(&state) == [.refuseAndClose(.malformedRequest, request: nil, arrivedAt: nil)])
        #expect(state.phase == .closing)
    }

    @Test func aMalformedRequestBehindARouterAnswerIsAnsweredAfterIt() {
        var state = routerAnswerDue()
        #expect(state.errorCaught(HTTPParserError.invalidHeaderToken) == .none)
        #expect(drained(&state).isEmpty)  // The router's answer is still due.
        #expect(state.routerEndWritten() == .resume(deadline: idleDeadline))
        #expect(drained(&state) == [.refuseAndClose(.malformedRequest, request: nil, arrivedAt: nil)])
    }

    @Test func theFirstHeldErrorWinsAndOtherErrorsAreReplayedAsThemselves() {
        struct Broken: Error {}
        var state = answering()
        #expect(state.errorCaught(Broken()) == .none)
        #expect(state.errorCaught(HTTPParserError.invalidHeaderToken) == .none)
        #expect(state.inputClosed() == .none)
        #expect(state.chatAnswered(keepAlive: true) == .resume(deadline: idleDeadline))
        #expect(drained(&state) == [.fireError(State.HeldError(error: Broken())), .fireInputClosed])
    }

    @Test func errorsWithNothingInHandGoToTheRouter() {
        struct Broken: Error {}
        var idle = fresh()
        #expect(idle.errorCaught(Broken()) == .passOn)
        var passing = fresh()
        _ = passing.partReceived(.head(routerHead()))
        #expect(passing.errorCaught(HTTPParserError.invalidChunkSize) == .passOn)
        #expect(passing.errorCaught(Broken()) == .passOn)
    }

    // MARK: Graceful shutdown

    @Test func shutdownWithNothingInHandIsTheRoutersToClose() {
        var state = fresh()
        #expect(state.quiesce() == .passOn)
        #expect(state.shuttingDown)
        var passing = fresh()
        _ = passing.partReceived(.head(routerHead()))
        #expect(passing.quiesce() == .passOn)
    }

    @Test func shutdownFinishesTheChatAnswerInHandThenCloses() {
        var state = answering()
        _ = state.partReceived(.head(routerHead()))
        #expect(state.quiesce() == .none)
        #expect(state.chatAnswered(keepAlive: true) == .closeOnceWritten)
        #expect(state.phase == .closing)
        #expect(state.queued.isEmpty)
    }

    @Test func shutdownWhileReadingAChatBodyLetsItFinish() {
        let head = chatHead()
        var state = reading(head)
        #expect(state.quiesce() == .none)
        #expect(state.partReceived(.end(nil)) == .startChat(request(head), deadline: .cancel))
        #expect(state.chatAnswered(keepAlive: true) == .closeOnceWritten)
    }

    @Test func shutdownDropsRequestsNotStartedAndClosesOnceTheRouterHasAnswered() {
        var state = routerAnswerDue()
        _ = state.partReceived(.head(chatHead()))
        _ = state.partReceived(.end(nil))
        #expect(state.readRequested() == .none)
        #expect(state.quiesce() == .none)  // A chat request waits: the router must not close yet.
        #expect(state.routerEndWritten() == .resume(deadline: idleDeadline))
        #expect(drained(&state) == [.close])
        #expect(state.phase == .closing)
        #expect(state.queued.isEmpty)
    }

    // MARK: Impossible events

    @Test func aPartOutOfSequenceClosesTheConnection() {
        var idle = fresh()
        #expect(idle.partReceived(.end(nil)) == .close)
        #expect(idle.phase == .closing)
        var reading = reading()
        #expect(reading.partReceived(.head(chatHead())) == .close)
        var passing = fresh()
        _ = passing.partReceived(.head(routerHead()))
        #expect(passing.partReceived(.head(routerHead())) == .close)
        var discarding = discarding()
        #expect(discarding.partReceived(.head(routerHead())) == .close)
        #expect(discarding.phase == .closing)
    }

    @Test func aPartDuringTheKeyCheckClosesTheConnection() {
        var state = fresh()
        let head = chatHead()
        _ = state.partReceived(.head(head))
        #expect(state.partReceived(.body(bytes(1))) == .close)
        #expect(state.phase == .closing)
        #expect(state.keyChecked(.success(.anonymous), arrivedAt: nil) == .close)
    }

    @Test func aKeyCheckNobodyAskedForClosesTheConnection() {
        var idle = fresh()
        #expect(idle.keyChecked(.success(.anonymous), arrivedAt: nil) == .close)
        #expect(idle.phase == .closing)
        var answering = answering()
        #expect(answering.keyChecked(.failure(badKey), arrivedAt: nil) == .close)
    }

    @Test func aChatAnswerWithNoChatCallClosesTheConnection() {
        var idle = fresh()
        #expect(idle.chatAnswered(keepAlive: true) == .closeOnceWritten)
        #expect(idle.phase == .closing)
        var reading = reading()
        #expect(reading.chatAnswered(keepAlive: true) == .closeOnceWritten)
        var passing = fresh()
        _ = passing.partReceived(.head(routerHead()))
        #expect(passing.chatAnswered(keepAlive: true) == .closeOnceWritten)
    }

    @Test func aClosingConnectionReadsStartsAndAnswersNothing() {
        var state = closing()
        #expect(state.partReceived(.head(chatHead())) == .none)
        #expect(state.partReceived(.body(bytes(1))) == .none)
        #expect(state.nextQueued() == nil)
        #expect(state.deadlineFired() == .close)  // The head deadline passed, but nothing more is answered.
        #expect(state.inputClosed() == .passOn)
        #expect(state.quiesce() == .passOn)
        #expect(state.routerEndWritten() == .resume(deadline: .keep))
        #expect(state.nextQueued() == nil)
        #expect(state.chatAnswered(keepAlive: true) == .closeOnceWritten)
    }

    @Test func readsGoOnWhenNothingWaits() {
        var idle = fresh()
        #expect(idle.readRequested() == .read)
        // Under a chat answer too, until the client sends something.
        var answering = answering()
        #expect(answering.readRequested() == .read)
        #expect(!answering.readHeld)
        #expect(answering.bytesArrived() == .deadline(.keep))
        #expect(answering.readRequested() == .none)
        #expect(answering.readHeld)
        // Held until the answer has ended, then read once; the next answer starts afresh.
        #expect(answering.chatAnswered(keepAlive: true) == .resume(deadline: headerDeadline))
        #expect(drained(&answering) == [.read])
        #expect(!answering.readHeld && !answering.deadline.bytesSinceHead)
    }

    @Test func bytesThatMakeNoPartUnderAnAnswerPauseReadsToo() {
        // Bytes that do not parse: the decoder drops what follows without producing a part.
        var garbage = answering()
        #expect(garbage.errorCaught(HTTPParserError.invalidCharactersUsed) == .none)
        #expect(garbage.readRequested() == .none)
        // A half-close.
        var halfClosed = answering()
        #expect(halfClosed.inputClosed() == .none)
        #expect(halfClosed.readRequested() == .none)
        // A part of the next request.
        var pipelined = answering()
        #expect(pipelined.partReceived(.head(routerHead())) == .none)
        #expect(pipelined.readRequested() == .none)
    }

    @Test func aFloodOfPipelinedPartsClosesTheConnection() {
        var state = answering()
        for _ in 0..<State.maxQueuedParts {
            #expect(state.partReceived(.end(nil)) == .none)
        }
        #expect(state.queued.count == State.maxQueuedParts)
        #expect(state.partReceived(.head(routerHead())) == .close)
        #expect(state.queued.isEmpty && state.phase == .closing)
        var reading = reading()
        #expect(reading.readRequested() == .read)
        var discarding = discarding()
        #expect(discarding.readRequested() == .read)
        #expect(!discarding.readHeld)
    }
}
