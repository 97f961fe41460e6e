import NIOCore

/// Opens a CONNECT tunnel through an HTTP proxy: on connect it asks for `host:port`, reads the
/// proxy's answer head, and succeeds `established` on a 2xx (then removes itself, leaving a
/// byte stream to the upstream), or fails it with the proxy's status as a connect error.
final class ProxyTunnelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// An answer head larger than this is not a proxy's.
    static let maxHeadBytes = 16 * 1024

    private let host: String
    private let port: Int
    private let authorization: String?
    private var promise: EventLoopPromise<Void>?
    private var received = ByteBuffer()
    private var done = false

    init(host: String, port: Int, authorization: String?) {
        self.host = host
        self.port = port
        self.authorization = authorization
    }

    var established: EventLoopFuture<Void> { promise!.futureResult }

    func handlerAdded(context: ChannelHandlerContext) {
        promise = context.eventLoop.makePromise()
        if context.channel.isActive { sendConnect(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendConnect(context: context)
        context.fireChannelActive()
    }

    private func sendConnect(context: ChannelHandlerContext) {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var head = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let authorization { head += "Proxy-Authorization: \(authorization)\r\n" }
        head += "\r\n"
        context.writeAndFlush(NIOAny(ByteBuffer(string: head)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return context.fireChannelRead(data) }
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        let bytes = received.readableBytesView
        guard let end = Self.headEnd(bytes) else {
            if bytes.count > Self.maxHeadBytes { finish(context: context, .failure(UpstreamTransportError.connect("the proxy's answer to CONNECT is too long"))) }
            return
        }
        let statusLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            return finish(context: context, .failure(UpstreamTransportError.connect("the proxy did not answer CONNECT with HTTP")))
        }
        guard (200..<300).contains(status) else {
            return finish(context: context, .failure(UpstreamTransportError.connect("the proxy refused the tunnel: \(statusLine.prefix(120))")))
        }
        // Bytes after the head belong to the tunnel (a proxy should send none before TLS).
        received.moveReaderIndex(forwardBy: end)
        let rest = received
        finish(context: context, .success(()))
        if rest.readableBytes > 0 { context.fireChannelRead(NIOAny(rest)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { finish(context: context, .failure(UpstreamTransportError.connect("the proxy closed the connection before the tunnel was up"))) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { finish(context: context, .failure(UpstreamTransportError.connect("proxy: \(error)"))) }
        context.fireErrorCaught(error)
    }

    private func finish(context: ChannelHandlerContext, _ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        switch result {
        case .success:
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
            promise?.succeed(())
        case .failure(let error):
            promise?.fail(error)
            context.close(promise: nil)
        }
    }

    /// The index just past `\r\n\r\n`, when the head is complete.
    static func headEnd(_ bytes: ByteBufferView) -> Int? {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            if bytes[index] == cr, bytes[index + 1] == lf, bytes[index + 2] == cr, bytes[index + 3] == lf {
                return index + 4 - bytes.startIndex
            }
            index += 1
        }
        return nil
    }
}
