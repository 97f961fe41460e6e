import Foundation
import SwitchyardCore
import Testing

/// The packed in-memory key table: every field reads back as put, a key is found by its digest
/// and its id, a replaced key leaves nothing of its old self behind, and shared teams and model
/// lists are held once.
@Suite struct KeyTableTests {
    /// A hex digest whose words are distinct per `n` (the table never hashes secrets itself).
    static func hash(_ n: Int, tail: UInt8 = 0) -> String {
        let bytes = (0..<32).map { index in index == 31 ? tail : UInt8(truncatingIfNeeded: (n >> ((index % 8) * 8)) &+ index) }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func key(_ n: Int, team: String? = nil, models: [String] = [], hash: String? = nil) -> VirtualKey {
        VirtualKey(id: "key_\(n)", name: "customer \(n)", team: team, hash: hash ?? Self.hash(n), hint: "ab\(n % 10)z",
                   allowedModels: models, createdAt: Date(timeIntervalSinceReferenceDate: 800_000_000 + Double(n) * 0.001))
    }

    @Test func digestsRoundTripHexAndRefuseOtherForms() throws {
        let hex = Self.hash(42)
        let digest = try #require(KeyDigest(hex: hex))
        #expect(digest.hex == hex)
        #expect(KeyDigest(bytes: Array(repeating: 0xAB, count: 32))?.hex == String(repeating: "ab", count: 32))
        #expect(KeyDigest(hex: hex.uppercased()) == nil)
        #expect(KeyDigest(hex: String(hex.dropLast())) == nil)
        #expect(KeyDigest(hex: String(hex.dropLast()) + "g") == nil)
        #expect(KeyDigest(bytes: [1, 2, 3]) == nil)
        // Equality looks at every word, not only the one that is hashed.
        let other = try #require(KeyDigest(hex: Self.hash(42, tail: 1)))
        #expect(digest.words.0 == other.words.0 && digest != other)
    }

    @Test func everyFieldReadsBackAsPut() throws {
        var table = KeyTable()
        let full = VirtualKey(
            id: "key_full", name: "A rather long customer name, well past fifteen bytes", team: "resellers", hash: Self.hash(1), hint: "Wxyz",
            allowedModels: ["deepseek", "qwen-max"], region: "eu", limits: RateLimits(requestsPerMinute: 600, tokensPerMinute: 90_000),
            budget: Budget(amount: Decimal(string: "25.123456789012")!, period: .month),
            expiresAt: Date(timeIntervalSince1970: 1_900_000_000.25), revokedAt: Date(timeIntervalSince1970: 1_800_000_000.5),
            createdAt: Date(timeIntervalSince1970: 1_700_000_000.125))
        let bare = Self.key(2)
        table.put(full)
        table.put(bare)
        #expect(table.key(id: "key_full") == full)
        #expect(table.key(id: "key_2") == bare)
        #expect(table.key(digest: try #require(KeyDigest(hex: full.hash))) == full)
        #expect(table.key(digest: try #require(KeyDigest(hex: bare.hash))) == bare)
        #expect(table.key(id: "key_3") == nil)
        #expect(table.key(digest: try #require(KeyDigest(hex: Self.hash(3)))) == nil)
        for period in BudgetPeriod.allCases {
            var key = bare
            key.budget = Budget(amount: 7, period: period)
            table.put(key)
            #expect(table.key(id: "key_2")?.budget == Budget(amount: 7, period: period))
        }
        #expect(table.all.map(\.id) == ["key_full", "key_2"])
        #expect(table.count == 2)
    }

    @Test func replacingAKeyMovesItsDigestAndKeepsOneEntry() throws {
        var table = KeyTable()
        table.put(Self.key(1))
        var revoked = Self.key(1)
        revoked.revokedAt = Date(timeIntervalSince1970: 1_800_000_000)
        table.put(revoked)
        #expect(table.count == 1)
        #expect(table.key(digest: try #require(KeyDigest(hex: Self.hash(1))))?.revokedAt == revoked.revokedAt)
        // A new hash for the same id: the old secret no longer finds the key.
        let rehashed = Self.key(1, hash: Self.hash(99))
        table.put(rehashed)
        #expect(table.count == 1)
        #expect(table.key(digest: try #require(KeyDigest(hex: Self.hash(1)))) == nil)
        #expect(table.key(digest: try #require(KeyDigest(hex: Self.hash(99)))) == rehashed)
        #expect(table.key(id: "key_1") == rehashed)
    }

    @Test func aHashInAnotherFormReadsBackButMatchesNothing() throws {
        var table = KeyTable()
        let odd = Self.key(5, hash: Self.hash(5).uppercased())
        table.put(odd)
        #expect(table.key(id: "key_5")?.hash == odd.hash)
        #expect(table.key(digest: try #require(KeyDigest(hex: Self.hash(5)))) == nil)
        // Fixed to the usual form, it is found; back to odd, it is not.
        table.put(Self.key(5))
        #expect(table.key(digest: try #require(KeyDigest(hex: Self.hash(5))))?.id == "key_5")
        table.put(odd)
        #expect(table.key(digest: try #require(KeyDigest(hex: Self.hash(5)))) == nil)
        #expect(table.key(id: "key_5") == odd)
    }

    @Test func teamsRegionsAndModelListsAreHeldOnce() {
        var table = KeyTable()
        for n in 0..<1_000 {
            var key = Self.key(n, team: "team-\(n % 10)", models: n % 2 == 0 ? [] : (n % 4 == 1 ? ["qwen"] : ["qwen", "glm"]))
            key.region = n % 3 == 0 ? nil : "eu"
            table.put(key)
        }
        // 10 teams + 1 region; 2 non-empty model lists.
        #expect(table.internedCounts.strings == 11)
        #expect(table.internedCounts.modelLists == 2)
        #expect(table.key(id: "key_7")?.team == "team-7")
        #expect(table.key(id: "key_7")?.allowedModels == ["qwen", "glm"])
        #expect(table.key(id: "key_5")?.allowedModels == ["qwen"])
        #expect(table.key(id: "key_4")?.allowedModels == [])
        #expect(table.key(id: "key_3")?.region == nil && table.key(id: "key_4")?.region == "eu")
        #expect(table.all.count == 1_000)
    }
}
