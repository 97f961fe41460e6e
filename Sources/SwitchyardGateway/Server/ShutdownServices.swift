import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwitchyardCore

/// Bounds graceful shutdown. Put it last in the service group so that it hears the shutdown
/// first (services are shut down in reverse order): it starts the grace period, after which
/// every call still in flight is cancelled (each still writes its ledger row), then lets the
/// HTTP server stop accepting and drain. The grace is read when the shutdown starts (a reload
/// may have changed it).
package struct ShutdownGrace: Service {
    let calls: CallTracker
    let grace: @Sendable () -> Duration
    let logger: Logger

    package init(calls: CallTracker, grace: Duration, logger: Logger) {
        self.init(calls: calls, grace: { grace }, logger: logger)
    }

    package init(calls: CallTracker, grace: @escaping @Sendable () -> Duration, logger: Logger) {
        self.calls = calls
        self.grace = grace
        self.logger = logger
    }

    package func run() async throws {
        try? await gracefulShutdown()
        let grace = self.grace()
        let inFlight = calls.count
        logger.notice("shutting down: no new connections; calls in flight may finish", metadata: [
            "calls": .stringConvertible(inFlight), "grace_s": .stringConvertible(grace.components.seconds)])
        // A timer on an event loop, not a task: it must outlive this service's run().
        let calls = self.calls
        let logger = self.logger
        MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .nanoseconds(grace.nanosecondsClamped)) {
            let left = calls.count
            if left > 0 {
                logger.warning("shutdown grace is over: cancelling the calls still in flight", metadata: ["calls": .stringConvertible(left)])
            }
            calls.cancelAll()
        }
    }
}

/// Waits, after the HTTP server has stopped, for the calls whose clients had already left (their
/// tasks outlive their connections), so that every call has queued its ledger row before the
/// ledger writer flushes. Put it just before the application in the service group.
package struct CallDrain: Service {
    let calls: CallTracker
    let connections: ConnectionCount?
    /// How long to wait for client connections that are still open once the server has stopped
    /// (read when the shutdown starts).
    let connectionWait: @Sendable () -> Duration

    package init(calls: CallTracker) {
        self.calls = calls
        self.connections = nil
        self.connectionWait = { .zero }
    }

    init(calls: CallTracker, connections: ConnectionCount, connectionWait: @escaping @Sendable () -> Duration) {
        self.calls = calls
        self.connections = connections
        self.connectionWait = connectionWait
    }

    package func run() async throws {
        try? await gracefulShutdown()
        await calls.waitUntilIdle()
        // A client connection can outlive the server's own drain by a moment (it closes after
        // the answer it is writing); a request it carries in that moment starts a call, whose
        // ledger row must still reach the writer. So wait for the connections too, then for
        // their calls.
        guard let connections else { return }
        let deadline = ContinuousClock.now + connectionWait()
        while connections.current > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        await calls.waitUntilIdle()
    }
}
