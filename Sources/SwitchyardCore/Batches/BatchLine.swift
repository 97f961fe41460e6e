import Foundation

/// One line's result, as committed to the store and written to the output file (`ok`: the
/// call answered 200) or the error file, in OpenAI's format:
/// `{"id":"batch_req_…","custom_id":…,"response":{"status_code","request_id","body"},"error":null}`,
/// or, for a line that never ran (the batch expired or was cancelled first),
/// `{"id":…,"custom_id":…,"response":null,"error":{"code","message"}}`.
package struct BatchLineResult: Sendable, Hashable {
    /// The line's number in the input file (from 1).
    package var line: Int
    package var customID: String
    package var ok: Bool
    /// The JSON line, without its newline.
    package var text: String

    package init(line: Int, customID: String, ok: Bool, text: String) {
        self.line = line
        self.customID = customID
        self.ok = ok
        self.text = text
    }

    package static func newID() -> String { RandomID.base62(prefix: "batch_req_", count: 24) }

    /// A line that ran: the answer the call got, as a live client would have.
    package static func response(line: Int, customID: String, statusCode: Int, requestID: String, body: [UInt8]) -> BatchLineResult {
        // The body is inlined when it is JSON (every answer of the gateway is), else quoted.
        let inlined: String
        if (try? JSONDocument(bytes: body)) != nil {
            inlined = String(decoding: body, as: UTF8.self)
        } else {
            inlined = JSONString.quoted(String(decoding: body, as: UTF8.self))
        }
        let text = "{\"id\":\(JSONString.quoted(newID())),\"custom_id\":\(JSONString.quoted(customID)),\"response\":{\"status_code\":\(statusCode)," +
            "\"request_id\":\(JSONString.quoted(requestID)),\"body\":\(inlined)},\"error\":null}"
        return BatchLineResult(line: line, customID: customID, ok: statusCode == 200, text: text)
    }

    /// A line that never ran.
    package static func notRun(line: Int, customID: String, code: String, message: String) -> BatchLineResult {
        let text = "{\"id\":\(JSONString.quoted(newID())),\"custom_id\":\(JSONString.quoted(customID)),\"response\":null," +
            "\"error\":{\"code\":\(JSONString.quoted(code)),\"message\":\(JSONString.quoted(message))}}"
        return BatchLineResult(line: line, customID: customID, ok: false, text: text)
    }

    package static let expiredMessage = "This request could not be executed before the completion window expired."
    package static let cancelledMessage = "This request was not executed: the batch was cancelled first."
}

/// What a batch does with a line once its call has ended, from how it ended. Pure: the
/// runner's accounting rule.
package enum BatchLineVerdict: Sendable, Hashable {
    /// The call ran: its result is committed (output file when `ok`, else error file).
    case record(ok: Bool)
    /// The key's RPM or TPM (or the batch's share of them) had no room: the line did not run;
    /// it runs again after `seconds`.
    case retry(seconds: Int, reason: BatchError)
    /// The key's budget has no room for the line: the batch pauses (the reason goes to its
    /// errors) and tries again later.
    case pauseForBudget(BatchError)
    /// The line could cost more than is left of `switchyard_max_cost_usd`: the batch is
    /// cancelled with this reason, the line never runs.
    case stopForMaxCost(BatchError)
    /// The gateway is shutting down and the call was cut before it was answered: no result; the
    /// line runs again after the restart (the ledger rows of what it spent are kept).
    case abandon

    /// `status` is what the call answered; `refusal` the admission's refusal when admission
    /// refused it (nothing was called); `maxCost` the batch's own cost limit refusal;
    /// `cancelled` whether the call's task was cancelled (shutdown).
    package static func of(status: Int, errorCode: String?, refusal: OpenAIError?, maxCost: BatchError?, cancelled: Bool) -> BatchLineVerdict {
        if let maxCost { return .stopForMaxCost(maxCost) }
        if let refusal {
            if refusal.type == APIError.insufficientQuota.type {
                return .pauseForBudget(BatchError(code: BatchError.budgetExhausted, message: "Paused: \(refusal.message)"))
            }
            if refusal.status == 429, refusal.shouldRetry == true {
                return .retry(seconds: max(1, refusal.retryAfterSeconds ?? 1),
                              reason: BatchError(code: BatchError.rateLimited, message: "Waiting: \(refusal.message)"))
            }
        }
        // An answer that came is the line's, even at shutdown: running it again would bill it twice.
        if status == 200 { return .record(ok: true) }
        if cancelled || errorCode == APIError.gatewayShuttingDown.code { return .abandon }
        return .record(ok: false)
    }
}
