/// A credential. Its description is a mask, so that it cannot end up in a log line or an error
/// by accident; read `value` only where the secret is really sent.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "***" }
    public var debugDescription: String { "Secret(***)" }
}
