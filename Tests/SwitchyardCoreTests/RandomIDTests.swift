import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct RandomIDTests {
    @Test func hexIDsHave128RandomBits() {
        let ids = (0..<1000).map { _ in RandomID.hex(prefix: "req_") }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(50) {
            #expect(id.hasPrefix("req_"))
            #expect(id.utf8.count == 36)
            #expect(id.dropFirst(4).allSatisfy { "0123456789abcdef".contains($0) })
        }
    }

    @Test func uuidsAreVersion4InLowercase() {
        let ids = (0..<1000).map { _ in RandomID.uuid() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(50) {
            let groups = id.split(separator: "-")
            #expect(groups.map(\.count) == [8, 4, 4, 4, 12])
            #expect(groups[2].first == "4")
            #expect("89ab".contains(groups[3].first!))
            #expect(id == id.lowercased())
        }
    }
}

extension RandomIDTests {
    @Test func version7UUIDsCarryTheirMillisecondAndSortByIt() {
        let time = Date(timeIntervalSince1970: 1_764_000_000.123)
        let ids = (0..<1000).map { _ in RandomID.uuidV7(at: time) }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(50) {
            let groups = id.split(separator: "-")
            #expect(groups.map(\.count) == [8, 4, 4, 4, 12])
            #expect(groups[0] + groups[1] == String(1_764_000_000_123, radix: 16).leftPadded(to: 12))
            #expect(groups[2].first == "7")
            #expect("89ab".contains(groups[3].first!))
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
        }
        // Later milliseconds sort after earlier ones, as text too.
        let later = RandomID.uuidV7(at: time.addingTimeInterval(0.001))
        #expect(ids.allSatisfy { $0 < later })
        // Times outside the 48 bits are clamped, never trapped on.
        #expect(RandomID.uuidV7(at: Date(timeIntervalSince1970: -5)).hasPrefix("00000000-0000-7"))
        #expect(RandomID.uuidV7(at: Date(timeIntervalSince1970: 1e15)).hasPrefix("ffffffff-ffff-7"))
        #expect(RandomID.uuidV7(at: Date(timeIntervalSince1970: .nan)).hasPrefix("00000000-0000-7"))
        #expect(RandomID.uuidV7(at: Date(timeIntervalSince1970: .infinity)).hasPrefix("ffffffff-ffff-7"))
    }

    @Test func aRecordWithoutAnIDGetsATimeOrderedOne() {
        let time = Date(timeIntervalSince1970: 1_764_000_000)
        let record = UsageRecord(time: time, requestID: "r", keyID: nil, team: nil, requestedModel: "m", servedModel: nil, provider: nil,
                                 deployment: nil, region: nil, route: nil, attempts: 0, usage: TokenUsage(promptTokens: 0, completionTokens: 0),
                                 costPicodollars: nil, latencyMicroseconds: 0, ttftMicroseconds: nil, status: 200, errorClass: nil, stream: false)
        #expect(record.recordID.split(separator: "-")[2].first == "7")
        #expect(record.recordID.hasPrefix(String(String(1_764_000_000_000, radix: 16).leftPadded(to: 12).prefix(8))))
    }
}

extension RandomIDTests {
    /// Words from the shared buffer across many refills and four threads at once: none is
    /// handed out twice (a missed refill or an unlocked read would repeat words), and their
    /// bits are spread (a buffer left unfilled would give zeros).
    @Test func bufferedRandomWordsAreEachHandedOutOnce() async {
        let words = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var random = BufferedRandom()
                    return (0..<5_000).map { _ in random.next() }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(words.count == 20_000)
        #expect(Set(words).count == words.count)
        let ones = words.reduce(0) { $0 + $1.nonzeroBitCount }
        #expect(abs(Double(ones) / Double(words.count * 64) - 0.5) < 0.01)
    }
}

private extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}

@Suite struct HexTests {
    @Test func bytesBecomeLowercaseHex() {
        #expect(Hex.lowercase([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.lowercase([UInt8](), prefix: "req_") == "req_")
        #expect(Hex.lowercase([0xde, 0xad], prefix: "x-") == "x-dead")
    }
}
