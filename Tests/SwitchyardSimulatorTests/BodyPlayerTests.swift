import Testing
@testable import SwitchyardSimulator

/// The in-process upstream reads simulated bodies with per-read deadlines.
@Suite struct BodyPlayerTests {
    func body(_ steps: [SimulatedBody.Step]) -> SimulatedBody { SimulatedBody(steps: steps, ticket: nil) }
    func after(_ ms: Int) -> ContinuousClock.Instant { .now.advanced(by: .milliseconds(ms)) }

    @Test func playsBytesInOrderThenEnds() async throws {
        let player = body([.bytes([1]), .wait(.milliseconds(1)), .bytes([2, 3])]).player()
        #expect(try await player.next(deadline: after(5_000)) == [1])
        #expect(try await player.next(deadline: after(5_000)) == [2, 3])
        #expect(try await player.next(deadline: after(5_000)) == nil)
        #expect(try await player.next(deadline: after(5_000)) == nil)
    }

    @Test func aPauseLongerThanTheDeadlineTimesOutAndKeepsTheRestOfThePause() async throws {
        let player = body([.bytes([1]), .wait(.milliseconds(300)), .bytes([2])]).player()
        #expect(try await player.next(deadline: after(5_000)) == [1])
        let start = ContinuousClock.now
        await #expect(throws: BodyPlayer.Failure.timedOut) { try await player.next(deadline: after(20)) }
        // The next read waits out what is left of the pause, not the whole pause again.
        #expect(try await player.next(deadline: after(5_000)) == [2])
        #expect(ContinuousClock.now - start >= .milliseconds(300))
    }

    @Test func aDeadlineAlreadyPastTimesOutAtOnce() async throws {
        let player = body([.wait(.seconds(60)), .bytes([1])]).player()
        await #expect(throws: BodyPlayer.Failure.timedOut) { try await player.next(deadline: .now) }
    }

    @Test func hangsOnlyUntilTheDeadline() async throws {
        let player = body([.bytes([1]), .hang]).player()
        #expect(try await player.next(deadline: after(5_000)) == [1])
        await #expect(throws: BodyPlayer.Failure.timedOut) { try await player.next(deadline: after(10)) }
    }

    @Test func aDropBreaksTheRead() async throws {
        let player = body([.bytes([1]), .drop, .bytes([2])]).player()
        #expect(try await player.next(deadline: after(5_000)) == [1])
        await #expect(throws: BodyPlayer.Failure.dropped) { try await player.next(deadline: after(5_000)) }
    }

    @Test func cancellingTheReaderEndsItsRead() async throws {
        let player = body([.hang]).player()
        let read = Task { () throws(BodyPlayer.Failure) -> [UInt8]? in try await player.next(deadline: .now.advanced(by: .seconds(60))) }
        read.cancel()
        await #expect(throws: BodyPlayer.Failure.cancelled) { try await read.value }
    }
}
