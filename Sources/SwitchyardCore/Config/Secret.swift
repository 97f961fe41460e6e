/// A credential. Its description is a mask, so that it cannot end up in a log line or an error
/// by accident; read `value` only where the secret is really sent.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    package let value: String

    package init(_ value: String) { self.value = value }

    package var description: String { "***" }
    package var debugDescription: String { "Secret(***)" }
}
