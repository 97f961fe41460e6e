import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwitchyardCore

/// Keep-alive HTTP/1.1 connections to upstreams, pooled per event loop: a request takes an
/// idle connection of the loop its task runs on (or opens one there), so the request, the
/// upstream socket and the client socket share one thread and nothing hops between threads.
package final class UpstreamConnections: Sendable {
    package struct Settings: Sendable {
        /// How long opening a connection (TCP and TLS) may take.
        package var connectTimeout: Duration
        /// Idle connections older than this are closed (sooner when the upstream announces a
        /// shorter `Keep-Alive: timeout`). Upstreams that drop idle connections without saying so
        /// (uvicorn after 5 s) cost nothing: a request that finds its connection closed before
        /// any answer is sent again on a fresh one.
        package var idleTimeout: Duration = .seconds(30)
        /// Open connections per origin and event loop; a request past it fails as a connect
        /// error (and fails over). A stream holds its connection until it ends.
        package var maxConnectionsPerOrigin = 4096

        package init(connectTimeout: Duration) {
            self.connectTimeout = connectTimeout
        }
    }

    private let group: any EventLoopGroup
    private let homes: [ObjectIdentifier: LoopConnections]
    private let fallback: LoopConnections

    package init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, settings: Settings) {
        // One TLS context for every HTTPS upstream (system trust roots, certificate and host
        // name verified). Without one, HTTPS deployments fail as connect errors.
        let tls = try? NIOSSLContext(configuration: .makeClientConfiguration())
        var homes: [ObjectIdentifier: LoopConnections] = [:]
        var first: LoopConnections?
        for loop in group.makeIterator() {
            let home = LoopConnections(loop: loop, settings: settings, tls: tls)
            homes[ObjectIdentifier(loop)] = home
            first = first ?? home
        }
        self.group = group
        self.homes = homes
        self.fallback = first ?? LoopConnections(loop: group.next(), settings: settings, tls: tls)
    }

    /// One executor per event loop of the pool's group, in the group's order.
    package func loopExecutors() -> [LoopTaskExecutor] {
        let loops = Array(group.makeIterator())
        return (loops.isEmpty ? [fallback.loop] : loops).map { LoopTaskExecutor(loop: $0) }
    }

    /// The pool of the loop the caller runs on, else any.
    func home() -> LoopConnections {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, let home = homes[ObjectIdentifier(current)] { return home }
        return homes[ObjectIdentifier(group.next())] ?? fallback
    }

    /// Closes every idle connection (at shutdown; requests in flight finish first).
    package func closeIdle() async {
        for home in homes.values {
            try? await home.loop.submit { home.closeIdle() }.get()
        }
    }
}

/// The connections of one event loop. Used only on that loop.
final class LoopConnections: @unchecked Sendable {
    let loop: any EventLoop
    private let settings: UpstreamConnections.Settings
    private let tls: NIOSSLContext?
    private var idle: [UpstreamTarget.Origin: [UpstreamConnection]] = [:]
    private var open: [UpstreamTarget.Origin: Int] = [:]
    private var targets: [TargetKey: UpstreamTarget] = [:]
    private var contexts: [String: Result<NIOSSLContext, UpstreamTransportError>] = [:]

    private struct TargetKey: Hashable {
        var baseURL: String
        var tls: DeploymentTLS?
        var proxy: EgressProxy?
    }
    private var sweeper: RepeatedTask?
    /// After `closeIdle`: connections whose answers end are closed, not pooled.
    private var shutDown = false

    init(loop: any EventLoop, settings: UpstreamConnections.Settings, tls: NIOSSLContext?) {
        self.loop = loop
        self.settings = settings
        self.tls = tls
        let interval = TimeAmount.nanoseconds(max(1_000_000_000, settings.idleTimeout.nanosecondsClamped / 4))
        sweeper = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in self?.sweep() }
    }

    deinit {
        sweeper?.cancel()
    }

    /// The parsed target of a `base_url` (cached).
    func target(_ baseURL: String, tls: DeploymentTLS? = nil, proxy: EgressProxy? = nil) -> UpstreamTarget? {
        let key = TargetKey(baseURL: baseURL, tls: tls, proxy: proxy)
        if let known = targets[key] { return known }
        guard let parsed = UpstreamTarget(baseURL: baseURL, tls: tls, proxy: proxy) else { return nil }
        if targets.count > 4096 { targets.removeAll() }
        targets[key] = parsed
        return parsed
    }

    /// The TLS context of an origin: the system's trust roots, or only the CAs of its `ca_file`
    /// (loaded once per loop; a file that cannot be loaded fails every connection, saying why).
    private func tlsContext(_ origin: UpstreamTarget.Origin) -> Result<NIOSSLContext, UpstreamTransportError> {
        guard let caFile = origin.tlsOptions?.caFile else {
            if let tls { return .success(tls) }
            return .failure(.connect("TLS is not available on this machine"))
        }
        if let known = contexts[caFile] { return known }
        let result: Result<NIOSSLContext, UpstreamTransportError>
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            result = .success(try NIOSSLContext(configuration: configuration))
        } catch {
            result = .failure(.connect("TLS: cannot load the CA certificates of \(caFile): \(error)"))
        }
        contexts[caFile] = result
        return result
    }

    /// Sends a request on an idle or new connection to `target`; the exchange reports the
    /// response. The head must arrive by `headDeadline`.
    func send(_ head: HTTPRequestHead, body: ByteBuffer, to target: UpstreamTarget, headDeadline: ContinuousClock.Instant) -> UpstreamExchange {
        let exchange = UpstreamExchange(loop: loop)
        exchange.armHeadDeadline(headDeadline)
        if let connection = takeIdle(target.origin) {
            // Used only if the state machine allows a resend (see `UpstreamExchangeState`).
            // Weak: the exchange keeps this closure, which must not keep the exchange (and the
            // request's head and body) alive after the exchange ends.
            exchange.resend = { [weak self, weak exchange] in
                guard let exchange else { return }
                guard let self else { return exchange.fail(.connect("the gateway is shutting down")) }
                sendOnNewConnection(head, body: body, to: target, exchange: exchange)
            }
            connection.send(head, body: body, exchange: exchange)
        } else {
            sendOnNewConnection(head, body: body, to: target, exchange: exchange)
        }
        return exchange
    }

    private func sendOnNewConnection(_ head: HTTPRequestHead, body: ByteBuffer, to target: UpstreamTarget, exchange: UpstreamExchange) {
        guard open[target.origin, default: 0] < settings.maxConnectionsPerOrigin else {
            exchange.fail(.connect("\(settings.maxConnectionsPerOrigin) connections to \(target.origin.host):\(target.origin.port) are busy"))
            return
        }
        open[target.origin, default: 0] += 1
        connect(target).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let connection):
                if exchange.isOver {
                    // The deadline passed (or the caller gave up) while connecting: keep the
                    // fresh connection for the next request.
                    self.release(connection)
                } else {
                    connection.send(head, body: body, exchange: exchange)
                }
            case .failure(let error):
                self.open[target.origin, default: 1] -= 1
                exchange.fail(.connect(Self.describe(error)))
            }
        }
    }

    private func takeIdle(_ origin: UpstreamTarget.Origin) -> UpstreamConnection? {
        let now = NIODeadline.now()
        while let connection = idle[origin]?.popLast() {
            if connection.channel.isActive && now < connection.idleUntil { return connection }
            connection.close()
        }
        return nil
    }

    /// A connection whose response ended cleanly: back to the idle list, newest last, until
    /// our idle timeout or the upstream's (less a second), whichever is sooner.
    func release(_ connection: UpstreamConnection, upstreamIdleTimeout: TimeAmount? = nil) {
        guard connection.channel.isActive else { return }
        guard !shutDown else {
            connection.close()
            return
        }
        var limit = TimeAmount.nanoseconds(settings.idleTimeout.nanosecondsClamped)
        if let upstream = upstreamIdleTimeout { limit = min(limit, upstream - .seconds(1)) }
        guard limit > .zero else {
            connection.close()
            return
        }
        connection.idleUntil = .now() + limit
        idle[connection.origin, default: []].append(connection)
    }

    /// Closes idle connections past their time (the oldest sit at the front of each list).
    private func sweep() {
        let now = NIODeadline.now()
        for (origin, list) in idle {
            let expired = list.prefix { now >= $0.idleUntil || !$0.channel.isActive }
            guard !expired.isEmpty else { continue }
            idle[origin] = Array(list.dropFirst(expired.count))
            for connection in expired { connection.close() }
        }
    }

    /// A connection closed: it is no longer open, nor idle.
    func closed(_ connection: UpstreamConnection) {
        open[connection.origin, default: 1] -= 1
        if var list = idle[connection.origin], let index = list.firstIndex(where: { $0 === connection }) {
            list.remove(at: index)
            idle[connection.origin] = list
        }
    }

    func closeIdle() {
        shutDown = true
        sweeper?.cancel()
        sweeper = nil
        let all = idle.values.flatMap { $0 }
        idle.removeAll()
        for connection in all { connection.close() }
    }

    private func connect(_ target: UpstreamTarget) -> EventLoopFuture<UpstreamConnection> {
        let origin = target.origin
        var context: NIOSSLContext?
        if origin.tls {
            switch tlsContext(origin) {
            case .success(let loaded): context = loaded
            case .failure(let error): return loop.makeFailedFuture(error)
            }
        }
        let tls = context
        let serverName = origin.tlsOptions?.serverName
        // Through a proxy to an https upstream, TLS and HTTP start only once the tunnel is up.
        let tunnel = origin.tls ? origin.proxy : nil
        let addHandlers: @Sendable (any Channel) throws -> Void = { channel in
            let pipeline = channel.pipeline.syncOperations
            if let tls {
                // SNI and name verification need a host name, not an IP literal (an IP is
                // checked against the certificate's IP addresses); `server_name` names the host
                // when the URL cannot.
                let isIP = (try? SocketAddress(ipAddress: origin.host, port: 0)) != nil
                try pipeline.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName ?? (isIP ? nil : origin.host)))
            }
            let handler = UpstreamConnectionHandler()
            try pipeline.addHandler(UpstreamFirstByteWatcher(handler))
            try pipeline.addHTTPClientHandlers()
            try pipeline.addHandler(handler)
        }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(settings.connectTimeout.nanosecondsClamped))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: ReceiveBuffers.allocator)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tunnel {
                        try channel.pipeline.syncOperations.addHandler(ProxyTunnelHandler(host: origin.host, port: origin.port,
                                                                                          authorization: tunnel.authorization?.value))
                    } else {
                        try addHandlers(channel)
                    }
                }
            }
        let connectHost = origin.proxy?.host ?? origin.host
        let connectPort = origin.proxy?.port ?? origin.port
        let loop = self.loop
        return bootstrap.connect(host: connectHost, port: connectPort).flatMap { channel -> EventLoopFuture<any Channel> in
            guard tunnel != nil else { return loop.makeSucceededFuture(channel) }
            do {
                let opener = try channel.pipeline.syncOperations.handler(type: ProxyTunnelHandler.self)
                return opener.established.flatMapThrowing { _ in
                    try addHandlers(channel)
                    return channel
                }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            } catch {
                channel.close(promise: nil)
                return loop.makeFailedFuture(error)
            }
        }.flatMapThrowing { channel in
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
            let connection = UpstreamConnection(channel: channel, handler: handler, origin: origin, home: self)
            channel.closeFuture.assumeIsolated().whenComplete { _ in self.closed(connection) }
            return connection
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? UpstreamTransportError, case .connect(let message) = error { return message }
        if case ChannelError.connectTimeout = error { return "connect timeout" }
        return String(describing: error)
    }
}

/// One open upstream connection. Used only on its loop.
final class UpstreamConnection: @unchecked Sendable {
    let channel: any Channel
    let handler: UpstreamConnectionHandler
    let origin: UpstreamTarget.Origin
    /// While idle in the pool: when it stops being reused.
    var idleUntil = NIODeadline.now()
    private unowned let home: LoopConnections
    private var closing = false
    /// Requests sent on this connection so far (a reused connection may have been closed by
    /// the upstream while it sat idle).
    private var requestsSent = 0

    init(channel: any Channel, handler: UpstreamConnectionHandler, origin: UpstreamTarget.Origin, home: LoopConnections) {
        self.channel = channel
        self.handler = handler
        self.origin = origin
        self.home = home
    }

    func send(_ head: HTTPRequestHead, body: ByteBuffer, exchange: UpstreamExchange) {
        exchange.attach(self, reused: requestsSent > 0)
        requestsSent += 1
        handler.exchange = exchange
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: written)
        let channel = self.channel
        written.futureResult.assumeIsolated().whenFailure { error in
            exchange.connectionLost(.broken("sending the request failed: \(error)"), channel: channel)
        }
    }

    func resumeReading() { handler.resumeReading() }

    /// The exchange is over: reuse the connection, or close it.
    func exchangeEnded(reusable: Bool, upstreamIdleTimeout: TimeAmount? = nil) {
        handler.exchange = nil
        if reusable && !closing {
            home.release(self, upstreamIdleTimeout: upstreamIdleTimeout)
        } else {
            close()
        }
    }

    func close() {
        guard !closing else { return }
        closing = true
        channel.close(promise: nil)
    }
}
