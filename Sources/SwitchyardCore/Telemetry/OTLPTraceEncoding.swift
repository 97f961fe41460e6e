/// An OTLP `ExportTraceServiceRequest` (opentelemetry-proto, `collector/trace/v1`) for a batch
/// of spans of one service, in either OTLP/HTTP encoding: binary protobuf (`http/protobuf`) or
/// the protobuf JSON mapping with hex IDs (`http/json`).
package struct OTLPTraceEncoding: Sendable {
    /// The resource: `service.name` and the operator's resource attributes.
    package var resource: [(String, String)]
    package var scopeName = "switchyard"
    package var scopeVersion = SwitchyardVersion.number

    /// `service.name` first, then `attributes` sorted by name, plus the SDK's own
    /// `telemetry.sdk.*` attributes unless the operator set them.
    package init(serviceName: String, attributes: [String: String]) {
        var resource: [(String, String)] = [("service.name", serviceName)]
        var extra = attributes
        extra["service.name"] = nil
        for (name, value) in [("telemetry.sdk.name", "switchyard"), ("telemetry.sdk.language", "swift"),
                              ("telemetry.sdk.version", SwitchyardVersion.number)] where extra[name] == nil {
            extra[name] = value
        }
        resource += extra.sorted { $0.key < $1.key }
        self.resource = resource
    }

    // MARK: Protobuf

    /// The request as binary protobuf, around spans already encoded (each one `Span` message,
    /// as `RecordedSpan.encode` makes it when a span ends): nothing is encoded twice.
    package func protobuf(_ spans: [[UInt8]]) -> [UInt8] {
        var writer = ProtobufWriter(capacity: 256 + spans.reduce(0) { $0 + $1.count + 3 })
        writer.messageField(1) { resourceSpans in                          // ExportTraceServiceRequest.resource_spans
            resourceSpans.messageField(1) { resource in                    // ResourceSpans.resource
                for (name, value) in self.resource {
                    resource.messageField(1) { attribute in                // Resource.attributes: KeyValue
                        attribute.stringField(1, name)
                        attribute.messageField(2) { $0.stringField(1, value) }
                    }
                }
            }
            resourceSpans.messageField(2) { scopeSpans in                  // ResourceSpans.scope_spans
                scopeSpans.messageField(1) { scope in                      // ScopeSpans.scope
                    scope.stringField(1, scopeName)
                    scope.stringField(2, scopeVersion)
                }
                for span in spans {
                    scopeSpans.bytesField(2, span)                         // ScopeSpans.spans
                }
            }
        }
        return writer.bytes
    }

    /// The request as binary protobuf, for spans as plain values.
    package func protobuf(_ spans: [RecordedSpan]) -> [UInt8] {
        protobuf(spans.map(\.protobuf))
    }

    // MARK: JSON

    /// The request in the OTLP/JSON encoding, for spans already encoded as protobuf (decoded
    /// back first: OTLP/JSON is the rarer choice, and it pays for itself).
    package func json(_ spans: [[UInt8]]) -> String {
        json(spans.compactMap { try? RecordedSpan(protobuf: $0) })
    }

    /// The request in the OTLP/JSON encoding.
    package func json(_ spans: [RecordedSpan]) -> String {
        var out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
        out += resource.map { Self.jsonKeyValue($0.0, .string($0.1)) }.joined(separator: ",")
        out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\(JSONString.quoted(scopeName)),\"version\":\(JSONString.quoted(scopeVersion))},\"spans\":["
        out += spans.map(Self.jsonSpan).joined(separator: ",")
        out += "]}]}]}"
        return out
    }

    private static func jsonSpan(_ span: RecordedSpan) -> String {
        var out = "{\"traceId\":\"\(span.traceID.hex)\",\"spanId\":\"\(span.spanID.hex)\""
        if !span.traceState.isEmpty { out += ",\"traceState\":\(JSONString.quoted(span.traceState))" }
        if let parent = span.parentSpanID { out += ",\"parentSpanId\":\"\(parent.hex)\"" }
        out += ",\"name\":\(JSONString.quoted(span.name)),\"kind\":\(span.kind.rawValue)"
        out += ",\"startTimeUnixNano\":\"\(span.startNanos)\",\"endTimeUnixNano\":\"\(span.endNanos)\",\"attributes\":["
        out += span.attributes.map { jsonKeyValue($0.name, $0.value) }.joined(separator: ",")
        out += "]"
        if let message = span.errorMessage { out += ",\"status\":{\"message\":\(JSONString.quoted(message)),\"code\":2}" }
        out += ",\"flags\":\(RecordedSpan.flags(parentIsRemote: span.parentIsRemote))}"
        return out
    }

    private static func jsonKeyValue(_ name: String, _ value: SpanValue) -> String {
        "{\"key\":\(JSONString.quoted(name)),\"value\":\(jsonAnyValue(value))}"
    }

    private static func jsonAnyValue(_ value: SpanValue) -> String {
        switch value {
        case .string(let text): "{\"stringValue\":\(JSONString.quoted(text))}"
        case .bool(let flag): "{\"boolValue\":\(flag)}"
        case .int(let number): "{\"intValue\":\"\(number)\"}"
        case .double(let number):
            // The protobuf JSON mapping spells the values JSON cannot hold as strings.
            if number.isNaN { "{\"doubleValue\":\"NaN\"}" } else if number.isInfinite {
                number > 0 ? "{\"doubleValue\":\"Infinity\"}" : "{\"doubleValue\":\"-Infinity\"}"
            } else { "{\"doubleValue\":\(number)}" }
        case .strings(let texts):
            "{\"arrayValue\":{\"values\":[\(texts.map { "{\"stringValue\":\(JSONString.quoted($0))}" }.joined(separator: ","))]}}"
        }
    }
}
