/// Whether a model produces reasoning (`reasoning_content`) and what it does when a request
/// does not say (`thinking.type`, `enable_thinking`, `reasoning_effort`). The catalog entry
/// names the provider documentation each value comes from.
package enum Thinking: String, Sendable, Hashable, CaseIterable {
    /// The model never reasons.
    case none
    /// Reasons only when the request turns thinking on.
    case offByDefault = "off_by_default"
    /// Reasons unless the request turns thinking off.
    case onByDefault = "on_by_default"
    /// Always reasons; thinking cannot be turned off.
    case always

    /// Whether the model reasons for a request that asked for `requested` (nil: did not say).
    package func isOn(requested: Bool?) -> Bool {
        switch self {
        case .none: return false
        case .always: return true
        case .offByDefault: return requested ?? false
        case .onByDefault: return requested ?? true
        }
    }
}
