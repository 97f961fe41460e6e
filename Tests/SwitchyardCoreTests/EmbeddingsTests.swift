import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct EmbeddingsTests {
    func parse(_ json: String) throws(OpenAIError) -> EmbeddingsRequest {
        try EmbeddingsRequest(body: Array(json.utf8))
    }

    func refusal(_ json: String) -> OpenAIError? {
        do { _ = try parse(json); return nil } catch { return error }
    }

    @Test func inputShapes() throws {
        #expect(try parse(#"{"model":"m","input":"hello"}"#).inputs == [.text("hello")])
        #expect(try parse(#"{"model":"m","input":["a","b"]}"#).inputs == [.text("a"), .text("b")])
        #expect(try parse(#"{"model":"m","input":[1,2,3]}"#).inputs == [.tokens([1, 2, 3])])
        #expect(try parse(#"{"model":"m","input":[[1,2],[3]]}"#).inputs == [.tokens([1, 2]), .tokens([3])])
        let request = try parse(#"{"model":"m","input":"x","encoding_format":"base64","dimensions":64}"#)
        #expect(request.encoding == .base64)
        #expect(request.dimensions == 64)
        #expect(try parse(#"{"model":"m","input":"x"}"#).encoding == .float)
    }

    @Test func badInputsNameTheField() {
        let cases: [(String, String?, String?)] = [
            (#"{"input":"x"}"#, "model", "missing_required_parameter"),
            (#"{"model":"m"}"#, "input", "missing_required_parameter"),
            (#"{"model":"m","input":""}"#, "input", "invalid_value"),
            (#"{"model":"m","input":[]}"#, "input", "empty_array"),
            (#"{"model":"m","input":5}"#, "input", "invalid_type"),
            (#"{"model":"m","input":["a",""]}"#, "input[1]", "invalid_value"),
            (#"{"model":"m","input":["a",3]}"#, "input[1]", "invalid_type"),
            (#"{"model":"m","input":[1,-2]}"#, "input[1]", "invalid_type"),
            (#"{"model":"m","input":[[1],[]]}"#, "input[1]", "empty_array"),
            (#"{"model":"m","input":"x","encoding_format":"hex"}"#, "encoding_format", "invalid_value"),
            (#"{"model":"m","input":"x","dimensions":0}"#, "dimensions", "invalid_value"),
            (#"{"model":"m","input":"x","dimensions":1.5}"#, "dimensions", "invalid_type"),
            (#"{"model":"m","input":"x","model":"n"}"#, nil, "invalid_json"),
            ("[1]", nil, "invalid_json"),
        ]
        for (body, param, code) in cases {
            let error = refusal(body)
            #expect(error?.status == 400, "\(body)")
            #expect(error?.param == param, "\(body)")
            #expect(error?.code == code, "\(body)")
        }
        let many = "[" + Array(repeating: "\"a\"", count: EmbeddingsRequest.maxInputs + 1).joined(separator: ",") + "]"
        #expect(refusal(#"{"model":"m","input":\#(many)}"#)?.param == "input")
    }

    @Test func upstreamBodyAsksForFloatsAndDropsTheModelsList() throws {
        let request = try parse(#"{"model":"alias","models":["b"],"input":["a"],"encoding_format":"base64","user":"u"}"#)
        let body = String(decoding: request.upstreamBody(model: "text-embedding-v4"), as: UTF8.self)
        #expect(body == #"{"model":"text-embedding-v4","input":["a"],"user":"u","encoding_format":"float"}"#)
        #expect(try JSONDocument(bytes: Array(body.utf8), strict: true).root.kind == .object)
    }

    @Test func estimateCountsTextAndTokens() throws {
        #expect(try parse(#"{"model":"m","input":"abcdefgh"}"#).estimatedPromptTokens == 2)
        #expect(try parse(#"{"model":"m","input":[[1,2,3],[4]]}"#).estimatedPromptTokens == 4)
        #expect(try parse(#"{"model":"m","input":"你好世界"}"#).estimatedPromptTokens == 4)
    }

    @Test func vectorsAreDeterministicUnitVectors() {
        let a = EmbeddingVector.unit(for: .text("hello"), dimensions: 256)
        let b = EmbeddingVector.unit(for: .text("hello"), dimensions: 256)
        let c = EmbeddingVector.unit(for: .text("hello!"), dimensions: 256)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 256)
        let norm = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(norm - 1) < 1e-5)
        #expect(EmbeddingVector.unit(for: .tokens([1, 2]), dimensions: 3).count == 3)
    }

    @Test func responseRendersFloatAndBase64InInputOrder() throws {
        let upstream = #"{"data":[{"index":1,"embedding":[0.5,-1]},{"index":0,"embedding":[1.0,0.25]}],"usage":{"prompt_tokens":7,"total_tokens":7}}"#
        let answer = try EmbeddingsResponse(document: JSONDocument(bytes: Array(upstream.utf8)), expected: 2)
        #expect(answer.usage?.promptTokens == 7)
        let usage = TokenUsage(promptTokens: 7)
        let float = String(decoding: answer.render(model: "m", encoding: .float, usage: usage), as: UTF8.self)
        #expect(float == #"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1.0,0.25]},{"object":"embedding","index":1,"embedding":[0.5,-1]}],"model":"m","usage":{"prompt_tokens":7,"total_tokens":7}}"#)
        let base64 = try JSONDocument(bytes: answer.render(model: "m", encoding: .base64, usage: usage))
        let first = try #require(base64.value(at: "data").flatMap { base64.firstElement(of: $0) }.flatMap { base64.member("embedding", of: $0) })
        let text = try #require(base64.string(first))
        let bytes = try #require(Data(base64Encoded: text))
        let floats = bytes.withUnsafeBytes { raw in (0..<2).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
        #expect(floats == [1.0, 0.25])
    }

    @Test func unusableAnswersAreRefused() {
        let bad = [
            #"{"object":"list"}"#,
            #"{"data":[{"embedding":[1]}]}"#,  // one vector for two inputs
            #"{"data":[{"embedding":["x"]},{"embedding":[1]}]}"#,
            #"{"data":[{"embedding":[1,2]},{"embedding":[1]}]}"#,
            #"{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}"#,
            #"{"data":[{"index":5,"embedding":[1]},{"index":0,"embedding":[1]}]}"#,
        ]
        for body in bad {
            #expect(throws: EmbeddingsResponse.Problem.self, "\(body)") {
                try EmbeddingsResponse(document: JSONDocument(bytes: Array(body.utf8)), expected: 2)
            }
        }
    }

    @Test func catalogHasAPricedQwenEmbeddingModelThatDoesNotChat() throws {
        let model = try #require(Catalog.builtIn.model(named: "text-embedding-v4"))
        #expect(model.family == .qwen)
        #expect(model.capabilities == [.embeddings])
        #expect(!model.chats)
        let pricing = try #require(model.pricing)
        #expect(pricing.inputPer1M == Decimal(string: "0.07"))
        #expect(pricing.outputPer1M == 0)
        #expect(pricing.source.contains("alibabacloud.com"))
        #expect(model.embeddingDimensions == 1024)
        // 1M input tokens cost $0.07 = 70,000,000,000 picodollars.
        #expect(Cost.of(TokenUsage(promptTokens: 1_000_000), at: pricing).picodollars == 70_000_000_000)
        // Only Qwen publishes a USD embeddings price among the four families.
        #expect(Catalog.builtIn.models.filter { $0.capabilities.contains(.embeddings) }.map(\.id) == ["text-embedding-v4"])
    }

    @Test func planningKeepsChatAndEmbeddingsApart() throws {
        let planner = RoutePlanner(catalog: .builtIn, routing: RoutingSettings(), isServed: { _ in true })
        let plan = try planner.planEmbeddings(try parse(#"{"model":"qwen/text-embedding-v4","input":"x"}"#))
        #expect(plan.models.map(\.id) == ["text-embedding-v4"])
        #expect(try planner.planEmbeddings(try parse(#"{"model":"auto","input":"x"}"#)).models.map(\.id) == ["text-embedding-v4"])
        do {
            _ = try planner.planEmbeddings(try parse(#"{"model":"glm-5","input":"x"}"#))
            Issue.record("a chat model made embeddings")
        } catch {
            #expect(error.code == "no_capable_model")
        }
        let chat = try ChatRequest(body: Array(#"{"model":"text-embedding-v4","messages":[{"role":"user","content":"hi"}]}"#.utf8))
        do {
            _ = try planner.plan(chat, features: RequestFeatures(request: chat))
            Issue.record("an embeddings model chatted")
        } catch {
            #expect(error.code == "no_capable_model")
        }
        // `auto` chat never picks an embeddings model.
        let auto = try ChatRequest(body: Array(#"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#.utf8))
        #expect(try !planner.plan(auto, features: RequestFeatures(request: auto)).models.contains { !$0.chats })
    }

    @Test func qwenTakesTextOnlyAndAtMostTenInputs() throws {
        let model = try #require(Catalog.builtIn.model(named: "text-embedding-v4"))
        let adapter = ProviderAdapters.adapter(for: .qwen)
        let tokens = try parse(#"{"model":"m","input":[1,2]}"#)
        guard case .reject(let why) = adapter.prepareEmbeddings([], request: tokens, for: model) else { Issue.record("tokens sent"); return }
        #expect(why.contains("text input only"))
        let eleven = try parse(#"{"model":"m","input":[\#(Array(repeating: "\"a\"", count: 11).joined(separator: ","))]}"#)
        guard case .reject(let limit) = adapter.prepareEmbeddings([], request: eleven, for: model) else { Issue.record("11 sent"); return }
        #expect(limit.contains("at most 10"))
        #expect(adapter.prepareEmbeddings([1], request: try parse(#"{"model":"m","input":["a"]}"#), for: model) == .send([1]))
    }
}
