/// A failure to get a response, or of the body while it streams.
package enum UpstreamTransportError: Error, Sendable {
    case connect(String)
    case timeout
    /// The connection broke or the body could not be read.
    case broken(String)
    case cancelled
}
