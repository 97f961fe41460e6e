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

@Suite struct HexTests {
    @Test func bytesBecomeLowercaseHex() {
        #expect(Hex.lowercase([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.lowercase([UInt8](), prefix: "req_") == "req_")
        #expect(Hex.lowercase([0xde, 0xad], prefix: "x-") == "x-dead")
    }
}
