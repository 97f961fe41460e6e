import HTTPTypes
import Hummingbird
import SwitchyardCore

/// A SERVER span for each request the router answers (chat and Messages calls get theirs in
/// `ChatFrontHandler`). Outermost, so that it sees the status of every answer, errors included.
struct ServerSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    let tracer: GatewayTracer
    let serverPort: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var fields = HTTPServerSpan.Request(method: request.method.rawValue, path: request.uri.path, route: context.endpointPath)
        fields.userAgent = request.headers[.userAgent]
        fields.serverPort = serverPort
        fields.protocolVersion = "1.1"
        let span = tracer.startServer(fields, propagation: TracePropagation(traceparent: request.headers[.traceparent],
                                                                            tracestate: request.headers[.tracestate]))
        do {
            let response = try await TraceSpan.$current.withValue(span) { try await next(request, context) }
            span.end(HTTPServerSpan.endFields(status: Int(response.status.code), errorType: nil))
            return response
        } catch let error as any HTTPResponseError {
            span.end(HTTPServerSpan.endFields(status: Int(error.status.code), errorType: nil))
            throw error
        } catch {
            span.end(HTTPServerSpan.endFields(status: 500, errorType: "internal_error"))
            throw error
        }
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
    static let tracestate = HTTPField.Name("tracestate")!
}
