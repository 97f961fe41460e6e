import Foundation
import Hummingbird
import NIOCore
import SwitchyardCore

/// `GET /v1/models` and `GET /v1/models/{id}`: OpenAI's list shape, each entry extended with
/// what the catalog knows (family, context window, capabilities, pricing) and where it is served.
struct ModelsEndpoint: Sendable {
    let catalog: Catalog
    let pool: DeploymentPool

    var servedModels: [CatalogModel] { catalog.models.filter { pool.serves($0.id) } }

    func list() -> Response {
        let data = servedModels.map(entry).joined(separator: ",")
        return json("{\"object\":\"list\",\"data\":[\(data)]}")
    }

    func one(_ rawID: String) -> Response {
        let id = rawID.removingPercentEncoding ?? rawID
        guard let model = catalog.model(named: id), pool.serves(model.id) else {
            return ErrorResponse.make(.modelNotFound(id))
        }
        return json(entry(model))
    }

    private func entry(_ model: CatalogModel) -> String {
        let vendor = catalog.families.first { $0.family == model.family }?.vendor ?? model.family.rawValue
        let deployments = pool.deployments.filter { $0.models[model.id] != nil }
        var s = "{\"id\":\(JSONString.quoted(model.id)),\"object\":\"model\",\"created\":1764000000,\"owned_by\":\(JSONString.quoted(vendor))"
        s += ",\"name\":\(JSONString.quoted(model.name)),\"family\":\(JSONString.quoted(model.family.rawValue))"
        s += ",\"aliases\":[\(model.aliases.map(JSONString.quoted).joined(separator: ","))]"
        s += ",\"context_window\":\(model.contextWindow)"
        s += ",\"max_output_tokens\":\(model.maxOutputTokens)"
        s += ",\"capabilities\":[\(model.sortedCapabilities.map { JSONString.quoted($0.rawValue) }.joined(separator: ","))]"
        if let p = model.pricing {
            s += ",\"pricing\":{\"currency\":\"USD\",\"unit\":\"1M tokens\""
            s += ",\"input\":\(JSONString.quoted(p.inputPer1M.priceString)),\"output\":\(JSONString.quoted(p.outputPer1M.priceString))"
            s += ",\"cached_input\":\(JSONString.quoted(p.cachedInputPer1M.priceString)),\"source\":\(JSONString.quoted(p.source))}"
        } else {
            s += ",\"pricing\":null"
        }
        s += ",\"tokens_per_second\":" + (model.tokensPerSecond.map(String.init) ?? "null")
        s += ",\"regions\":[\(Set(deployments.map(\.region)).sorted().map(JSONString.quoted).joined(separator: ","))]"
        s += ",\"notes\":\(JSONString.quoted(model.notes))}"
        return s
    }

    private func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
