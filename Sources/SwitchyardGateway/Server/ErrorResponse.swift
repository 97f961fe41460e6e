import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchyardCore

/// Renders an `OpenAIError` as an HTTP response with its retry hints.
enum ErrorResponse {
    static func make(_ error: OpenAIError) -> Response {
        var fields = HTTPFields()
        for (name, value) in headers(for: error) { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return Response(status: .init(code: error.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: error.body)))
    }

    /// The headers of every error answer, on the router and on the chat path: content type and
    /// the retry hints.
    static func headers(for error: OpenAIError) -> [(String, String)] {
        var headers = [("content-type", "application/json")]
        if let retry = error.shouldRetry { headers.append(("x-should-retry", retry ? "true" : "false")) }
        if let seconds = error.retryAfterSeconds { headers.append(("retry-after", String(seconds))) }
        return headers
    }
}

/// Turns every error that escapes a route — unknown paths, bad methods, oversized bodies,
/// anything unexpected — into the OpenAI error shape.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OpenAIError {
            return ErrorResponse.make(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: return ErrorResponse.make(.notFound(request.uri.path))
            case .contentTooLarge: return ErrorResponse.make(.bodyTooLarge(limit: maxBodyBytes))
            case .methodNotAllowed:
                return ErrorResponse.make(OpenAIError(status: 405, message: "Method \(request.method) is not allowed on \(request.uri.path.prefix(200)).",
                                                      type: "invalid_request_error", code: "method_not_allowed"))
            default:
                return ErrorResponse.make(OpenAIError(status: Int(error.status.code), message: error.body ?? error.status.reasonPhrase,
                                                      type: "invalid_request_error"))
            }
        } catch is NIOTooManyBytesError {
            return ErrorResponse.make(.bodyTooLarge(limit: maxBodyBytes))
        } catch {
            context.logger.error("unexpected error", metadata: ["error": .string(String(describing: error))])
            return ErrorResponse.make(.internalError)
        }
    }
}
