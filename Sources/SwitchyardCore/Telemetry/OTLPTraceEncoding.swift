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

    /// The request as binary protobuf.
    package func protobuf(_ spans: [RecordedSpan]) -> [UInt8] {
        var writer = ProtobufWriter(capacity: 64 + spans.count * 700)
        writer.messageField(1) { resourceSpans in                          // ExportTraceServiceRequest.resource_spans
            resourceSpans.messageField(1) { resource in                    // ResourceSpans.resource
                for (name, value) in self.resource {
                    resource.messageField(1) { Self.keyValue(&$0, name, .string(value)) }  // Resource.attributes
                }
            }
            resourceSpans.messageField(2) { scopeSpans in                  // ResourceSpans.scope_spans
                scopeSpans.messageField(1) { scope in                      // ScopeSpans.scope
                    scope.stringField(1, scopeName)
                    scope.stringField(2, scopeVersion)
                }
                for span in spans {
                    scopeSpans.messageField(2) { Self.span(&$0, span) }     // ScopeSpans.spans
                }
            }
        }
        return writer.bytes
    }

    private static func span(_ writer: inout ProtobufWriter, _ span: RecordedSpan) {
        writer.bigEndianBytesField(1, span.traceID.high, span.traceID.low)
        writer.bigEndianBytesField(2, span.spanID.value)
        if !span.traceState.isEmpty { writer.stringField(3, span.traceState) }
        if let parent = span.parentSpanID { writer.bigEndianBytesField(4, parent.value) }
        writer.stringField(5, span.name)
        writer.varintField(6, UInt64(span.kind.rawValue))
        writer.fixed64Field(7, span.startNanos)
        writer.fixed64Field(8, span.endNanos)
        for item in span.distinctAttributes {
            writer.messageField(9) { keyValue(&$0, item.name, item.value) }
        }
        if let message = span.errorMessage {
            writer.messageField(15) { status in                            // Status
                if !message.isEmpty { status.stringField(2, message) }
                status.varintField(3, 2)                                   // STATUS_CODE_ERROR
            }
        }
        writer.fixed32Field(16, flags(span))
    }

    private static func keyValue(_ writer: inout ProtobufWriter, _ name: String, _ value: SpanValue) {
        writer.stringField(1, name)
        writer.messageField(2) { anyValue(&$0, value) }
    }

    private static func anyValue(_ writer: inout ProtobufWriter, _ value: SpanValue) {
        switch value {
        case .string(let text): writer.stringField(1, text)
        case .bool(let flag): writer.boolField(2, flag)
        case .int(let number): writer.int64Field(3, number)
        case .double(let number): writer.doubleField(4, number)
        case .strings(let texts):
            writer.messageField(5) { array in                              // ArrayValue
                for text in texts { array.messageField(1) { $0.stringField(1, text) } }
            }
        }
    }

    /// W3C trace flags (sampled: every exported span is) and "the parent's remoteness is known",
    /// with "remote" set for a span continuing a client's trace.
    private static func flags(_ span: RecordedSpan) -> UInt32 {
        0x01 | 0x100 | (span.parentIsRemote ? 0x200 : 0)
    }

    // MARK: JSON

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
        out += span.distinctAttributes.map { jsonKeyValue($0.name, $0.value) }.joined(separator: ",")
        out += "]"
        if let message = span.errorMessage { out += ",\"status\":{\"message\":\(JSONString.quoted(message)),\"code\":2}" }
        out += ",\"flags\":\(flags(span))}"
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
