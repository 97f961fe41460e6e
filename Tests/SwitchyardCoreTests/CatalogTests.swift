import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct CatalogTests {
    /// The catalog compiled into the binary (EmbedCatalog) is today's `Resources/catalog.json`,
    /// byte for byte: no stale copy, no resource bundle.
    @Test func theEmbeddedCatalogIsTheJSONFile() throws {
        let file = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../Sources/SwitchyardCore/Resources/catalog.json")
        let onDisk = try Data(contentsOf: file.standardizedFileURL)
        #expect(CatalogFile.builtInData() == onDisk)
        #expect(try CatalogFile.decode(onDisk).models.map(\.id) == Catalog.builtIn.models.map(\.id))
    }

    let catalog = Catalog.builtIn

    /// Every model of the seed with its figure copied exactly (shared/reference/seed-facts.md).
    @Test(arguments: [
        ("deepseek-v4-flash", "0.25"), ("deepseek-v3.2", "0.38"), ("deepseek-v4-pro", "0.78"), ("deepseek-r1", "2.50"),
        ("deepseek-coder", "0.25"), ("Qwen/Qwen3-8B", "0.01"), ("Qwen/Qwen3-32B", "0.28"), ("Qwen/Qwen3-Coder-30B", "0.35"),
        ("Qwen/Qwen3-VL-32B", "0.52"), ("Qwen/Qwen3-Omni-30B", "0.52"), ("Qwen/Qwen3.5-397B", "2.34"), ("kimi-k2.5", "3.00"),
        ("glm-4-9b", "0.01"), ("glm-5", "1.92"),
    ])
    func seedPrices(id: String, price: String) throws {
        let model = try #require(catalog.model(named: id))
        let pricing = try #require(model.pricing)
        let expected = try #require(Decimal(exactly: price))
        #expect(pricing.inputPer1M == expected)
        #expect(pricing.outputPer1M == expected)
        #expect(pricing.cachedInputPer1M == expected)
        #expect(pricing.source.contains("seed"))
    }

    @Test func unpricedModelIsUnknownNotZero() throws {
        let model = try #require(catalog.model(named: "glm-4.6v"))
        #expect(model.pricing == nil)
        #expect(Cost.of(TokenUsage(promptTokens: 10, completionTokens: 10), at: model.pricing) == .unknown)
        #expect(model.capabilities.isSuperset(of: [.vision, .chinese]))
    }

    @Test func aliasesAndCaseInsensitiveLookup() throws {
        #expect(catalog.model(named: "qwen3-32b")?.id == "Qwen/Qwen3-32B")
        #expect(catalog.model(named: "QWEN/QWEN3-VL-32B")?.id == "Qwen/Qwen3-VL-32B")
        #expect(catalog.model(named: "deepseek-chat")?.id == "deepseek-v4-flash")
        #expect(catalog.model(named: "no-such-model") == nil)
    }

    @Test func seedNotesAndCapabilities() throws {
        let flash = try #require(catalog.model(named: "deepseek-v4-flash"))
        #expect(flash.tokensPerSecond == 60)
        #expect(!flash.capabilities.contains(.vision))
        #expect(flash.capabilities.contains(.code))
        #expect(catalog.model(named: "Qwen/Qwen3-Omni-30B")?.capabilities.isSuperset(of: [.audio, .video]) == true)
        #expect(catalog.model(named: "kimi-k2.5")?.capabilities.contains(.reasoning) == true)
        #expect(catalog.model(named: "kimi-k2.5")?.capabilities.contains(.vision) == false)
        #expect(catalog.models.count == 16)
        // The seed says "up to 128K"; where the provider documents a window, the catalog follows
        // it and names the source.
        #expect(catalog.model(named: "deepseek-v4-flash")?.contextWindow == 1_048_576)
        #expect(catalog.model(named: "deepseek-r1")?.contextWindow == 65_536)
        #expect(catalog.model(named: "glm-5")?.contextWindow == 200_000)
        #expect(catalog.model(named: "kimi-k2.5")?.contextWindow == 131_072)  // the seed names 128K for K2.5
        for id in ["deepseek-v4-flash", "deepseek-r1", "glm-5"] {
            #expect(catalog.model(named: id)?.notes.contains("Provider docs (") == true, "\(id)")
        }
        #expect(Set(catalog.models.map(\.family)) == [.deepseek, .qwen, .kimi, .glm])
    }

    @Test func upsertReplacesAndKeepsAliasesConsistent() throws {
        var catalog = self.catalog
        var model = try #require(catalog.model(named: "glm-5"))
        model.aliases = ["my-glm"]
        catalog.upsert(model)
        #expect(catalog.model(named: "my-glm")?.id == "glm-5")
        #expect(catalog.model(named: "zai-org/GLM-5") == nil)
        #expect(catalog.models.count == 16)
    }

    /// Default reasoning from the providers' docs (provider-apis.md §7.4).
    @Test func thinkingDefaults() throws {
        let expected: [String: Thinking] = [
            "deepseek-v4-flash": .onByDefault, "deepseek-v4-pro": .onByDefault, "deepseek-r1": .always, "deepseek-v3.2": .none,
            "Qwen/Qwen3-8B": .onByDefault, "Qwen/Qwen3-32B": .onByDefault, "Qwen/Qwen3-Coder-30B": .none,
            "kimi-k2.5": .onByDefault, "glm-5": .onByDefault, "glm-4-9b": .none,
        ]
        for (id, thinking) in expected {
            let model = try #require(catalog.model(named: id))
            #expect(model.thinking == thinking, "\(id)")
            if thinking != .none { #expect(model.notes.contains("Provider docs"), "\(id)") }
        }
        #expect(Thinking.onByDefault.isOn(requested: nil) && !Thinking.onByDefault.isOn(requested: false))
        #expect(!Thinking.offByDefault.isOn(requested: nil) && Thinking.offByDefault.isOn(requested: true))
        #expect(Thinking.always.isOn(requested: false) && !Thinking.none.isOn(requested: true))
    }
}
