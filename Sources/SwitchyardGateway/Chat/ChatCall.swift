import Foundation
import NIOCore
import SwitchyardCore

/// One chat call, from authentication to its ledger row, filled in as the call goes. It is
/// owned by the one task that runs the call (`ChatCompletionHandler.serve`), which ends it
/// with exactly one `finish(_:_:)`, whatever happened: an answer, a client that left, an
/// upstream failure, a timeout or shutdown.
struct ChatCall: Sendable {
    let requestID: String
    let started: ContinuousClock.Instant
    let startedAt: Date
    /// The ledger row's own ID (the client's request ID need not be unique): a batch retried
    /// after a lost commit acknowledgement is not recorded twice. Time-ordered, so that the
    /// rows of a batch are neighbours in the ledger's ID index.
    let recordID: String
    var key: VirtualKey?
    var ticket: Admission.Ticket?
    var requestedModel = ""
    var stream = false
    /// The front door the call came through (its ledger row says so).
    var front: UsageRecord.Front = .chat
    /// The gateway's estimate of the prompt's tokens: what a call cut short is billed for its
    /// prompt when the upstream's usage never arrived.
    var promptEstimate = 0
    /// The served deployment's prices (set once an attempt succeeded).
    var pricing: Pricing?
    /// The attempt that lost a hedge race, billed with a ledger row of its own.
    var hedgeLoser: Executor.HedgeLoser?
    var trace: ResponseTrace
    /// The request's SERVER span (nil: traces off), ended by `finish`.
    var span: TraceSpan?
    /// A batch line's call: its rows go to the batch's commit, not to the ledger queue.
    var batch: BatchLineContext?

    init(requestID: String, key: VirtualKey?) {
        self.requestID = requestID
        self.key = key
        self.started = .now
        self.startedAt = Date()
        self.recordID = RandomID.uuidV7(at: startedAt)
        self.trace = ResponseTrace(requestID: requestID)
    }
}

/// How a call ended: what `finish` records.
struct CallEnd: Sendable {
    /// The HTTP status the client got (499 when it left first; a stream that failed after it
    /// started records the failure's status).
    var status: Int
    var usage: TokenUsage?
    var usageSource: UsageRecord.UsageSource?
    var cost: Cost?
    /// The upstream error class or the gateway's error code, for failures.
    var errorClass: String?
    var ttft: Duration?
    /// Answered from the response cache, and what that answer cost when it was made.
    var cacheHit = false
    var costSaved: Int64?

    init(status: Int, usage: TokenUsage? = nil, usageSource: UsageRecord.UsageSource? = nil, cost: Cost? = nil,
         errorClass: String? = nil, ttft: Duration? = nil) {
        self.status = status
        self.usage = usage
        self.usageSource = usageSource
        self.cost = cost
        self.errorClass = errorClass
        self.ttft = ttft
    }
}

/// Where the chat path writes its answer: the client's connection (`FrontChatClient`).
protocol ChatClient: Sendable {
    /// A whole answer. Never fails: a client that has left simply does not get it.
    func sendWhole(status: Int, headers: [(String, String)], body: ByteBuffer) async
    /// The head of a streamed answer.
    func startStream(headers: [(String, String)]) async throws(ClientGone)
    /// A piece of a stream. Waits while the client's socket is full: at most until `deadline`
    /// (the call's `total_ms`) or the client-stall limit, whichever comes first.
    func send(_ bytes: ByteBuffer, deadline: ContinuousClock.Instant) async throws(ClientGone)
    /// The end of a stream.
    func endStream() async
    /// The request was read and parsed (before routing): a translating client learns what it
    /// needs to render the answer.
    func accepted(_ request: ChatRequest, promptEstimate: Int)
    /// An error answer, before anything else was sent.
    func sendError(_ error: OpenAIError, headers: [(String, String)]) async
}

extension ChatClient {
    func accepted(_ request: ChatRequest, promptEstimate: Int) {}

    func sendError(_ error: OpenAIError, headers: [(String, String)]) async {
        await sendWhole(status: error.status, headers: headers, body: ByteBuffer(string: error.body))
    }
}

/// Why a client no longer takes the answer.
enum ClientGone: Error, Sendable {
    /// The connection closed or was reset.
    case disconnected
    /// The client accepted no bytes for `server.client_stall_ms`: disconnected by the gateway.
    case stalled
    /// The call's `total_ms` passed while the client was not reading: disconnected.
    case deadline

    var errorClass: String {
        switch self {
        case .disconnected: return "client_disconnected"
        case .stalled: return "client_stalled"
        case .deadline: return "timeout"
        }
    }
}
