import Foundation

/// Per-request instructions to the simulator, written in the last user message as
/// `[sim fail=mid_stream after=3 tokens=40 tps=100 ttft_ms=50 echo tool_call tool_calls=2 finish=sensitive]`.
/// They let tests and demos ask for one exact behaviour, deterministically.
package struct SimDirectives: Sendable, Hashable {
    package var fault: SimulatedFault?
    /// Content chunks sent before a `mid_stream` or `drop` fault.
    package var faultAfter: Int = 0
    package var tokens: Int?
    package var tokensPerSecond: Double?
    package var ttftMs: Double?
    package var echo = false
    package var toolCall = false
    /// How many tool calls to make at once (when the request allows parallel calls).
    package var toolCalls: Int?
    /// A finish reason to end with (GLM: `sensitive`, `model_context_window_exceeded`, …).
    package var finish: String?

    package init() {}

    /// Reads every `[sim …]` group in `text`; unknown words are ignored.
    package init(text: String) {
        self.init()
        var rest = Substring(text)
        while let open = rest.range(of: "[sim") {
            guard let close = rest[open.upperBound...].firstIndex(of: "]") else { break }
            for word in rest[open.upperBound..<close].split(whereSeparator: { $0 == " " || $0 == "," }) {
                let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard let key = parts.first, !key.isEmpty else { continue }
                let value = parts.count > 1 ? parts[1] : ""
                switch key {
                case "fail": fault = SimulatedFault(rawValue: value)
                case "after": faultAfter = max(0, Int(value) ?? 0)
                case "tokens": tokens = Int(value).map { min(max($0, 0), 100_000) }
                case "tps": tokensPerSecond = Double(value).flatMap { $0 > 0 ? min($0, 1_000_000) : nil }
                case "ttft_ms": ttftMs = Double(value).map { min(max($0, 0), 3_600_000) }
                case "echo": echo = true
                case "tool_call": toolCall = true
                case "tool_calls":
                    toolCall = true
                    toolCalls = Int(value).map { min(max($0, 1), 16) }
                case "finish": finish = value.isEmpty ? nil : String(value.prefix(64))
                default: break
                }
            }
            rest = rest[rest.index(after: close)...]
        }
    }
}
