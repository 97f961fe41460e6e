import NIOCore
import NIOPosix
import Testing
@testable import SwitchyardHTTPClient

/// A task that prefers a `LoopTaskExecutor` runs on that loop's thread: at its start, after
/// awaiting a future completed on another loop, in its child tasks, and after `sleep(until:)`.
@Suite struct LoopTaskExecutorTests {
    @Test func aTaskAndItsChildrenStayOnTheirLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let home = LoopTaskExecutor(loop: loops[0])
        let other = loops[1]

        let checks = await Task(executorPreference: home) { () -> [Bool] in
            var onHome = [home.loop.inEventLoop]
            // Completed on the other loop's thread; the task must come back to its own.
            let elsewhere = other.submit { other.inEventLoop }
            onHome.append(try! await elsewhere.get() && home.loop.inEventLoop)
            let children = await withTaskGroup(of: Bool.self) { children in
                for _ in 0..<4 { children.addTask { home.loop.inEventLoop } }
                return await children.reduce(into: [Bool]()) { $0.append($1) }
            }
            onHome += children
            let due = ContinuousClock.now + .milliseconds(5)
            await home.sleep(until: due)
            onHome.append(ContinuousClock.now >= due && home.loop.inEventLoop)
            // Already past: returns at once, still on the loop.
            await home.sleep(until: due - .seconds(1))
            onHome.append(home.loop.inEventLoop)
            return onHome
        }.value
        try await group.shutdownGracefully()
        #expect(checks == Array(repeating: true, count: 8))
    }

    @Test func thePoolOffersOneExecutorPerLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let expected = group.makeIterator().map { ObjectIdentifier($0) }
        do {
            // The pool ends before its loops do (its sweeper runs on them).
            let connections = UpstreamConnections(group: group, settings: .init(connectTimeout: .seconds(1)))
            #expect(connections.loopExecutors().map { ObjectIdentifier($0.loop) } == expected)
        }
        try await group.shutdownGracefully()
    }

    @Test func aCancelledSleepEndsEarly() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = LoopTaskExecutor(loop: group.next())
        let sleeper = Task(executorPreference: executor) {
            await executor.sleep(until: .now + .seconds(3600))
            return executor.loop.inEventLoop
        }
        sleeper.cancel()
        #expect(await sleeper.value)
        try await group.shutdownGracefully()
    }
}
