import Foundation
import Testing
@testable import SwitchyardCore

/// The OTLP encoding read back with a minimal protobuf reader (the end-to-end tests decode the
/// gateway's exports with the official `opentelemetry-proto` classes).
@Suite struct OTLPTraceEncodingTests {
    let span = RecordedSpan(
        traceID: TraceID(high: 0x0af7_6519_16cd_43dd, low: 0x8448_eb21_1c80_319c), spanID: SpanID(0xb7ad_6b71_6920_3331),
        parentSpanID: SpanID(0x1122_3344_5566_7788), parentIsRemote: true, traceState: "congo=t61", name: "chat deepseek-v4-flash",
        kind: .client, startNanos: 1_700_000_000_123_456_789, endNanos: 1_700_000_001_000_000_000,
        attributes: [
            SpanFields.Item(name: "gen_ai.request.model", value: .string("deepseek-v4-flash")),
            SpanFields.Item(name: "switchyard.attempt", value: .int(2)),
            SpanFields.Item(name: "gen_ai.request.temperature", value: .double(0.5)),
            SpanFields.Item(name: "switchyard.hedge", value: .bool(false)),
            SpanFields.Item(name: "gen_ai.response.finish_reasons", value: .strings(["stop", "length"])),
        ],
        errorMessage: "timeout")

    @Test func varintsAndNestedLengths() throws {
        var writer = ProtobufWriter()
        writer.varintField(1, 300)
        #expect(writer.bytes == [0x08, 0xAC, 0x02])
        var nested = ProtobufWriter()
        nested.messageField(2) { $0.stringField(1, String(repeating: "x", count: 200)) }
        // Field 2, length-delimited; the body (3 + 200 bytes) needs a two-byte length.
        #expect(Array(nested.bytes.prefix(3)) == [0x12, 0xCB, 0x01])
        #expect(nested.bytes.count == 3 + 3 + 200)
        var large = ProtobufWriter()
        large.messageField(3) { $0.stringField(1, String(repeating: "y", count: 20_000)) }
        // 20,004 bytes of body (tag, a three-byte length, 20,000 bytes): a three-byte length in
        // front of it too, and the body intact after it.
        #expect(Array(large.bytes.prefix(4)) == [0x1A, 0xA4, 0x9C, 0x01])
        #expect(large.bytes.count == 4 + 20_004)
        #expect(try Message(Array(large.bytes[4...])).bytes(1)[0].count == 20_000)
        var short = ProtobufWriter()
        short.messageField(4) { _ in }
        #expect(short.bytes == [0x22, 0x00])
        var ids = ProtobufWriter()
        ids.bigEndianBytesField(1, 0x0102_0304_0506_0708, 0x090A_0B0C_0D0E_0F10)
        #expect(ids.bytes == [0x0A, 16] + Array(1...16))
        var fixed = ProtobufWriter()
        fixed.fixed64Field(7, 0x0102_0304_0506_0708)
        #expect(fixed.bytes == [0x39, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01])
    }

    @Test func protobufCarriesTheResourceScopeAndSpan() throws {
        let encoding = OTLPTraceEncoding(serviceName: "gw", attributes: ["deployment.environment": "e2e", "service.name": "ignored"])
        let request = try Message(encoding.protobuf([span, span]))
        let resourceSpans = try Message(request.bytes(1)[0])
        let resource = try Message(resourceSpans.bytes(1)[0])
        let resourceAttributes = try resource.bytes(1).map { try KeyValue($0) }
        #expect(resourceAttributes.first?.key == "service.name")
        #expect(resourceAttributes.first?.string == "gw")
        #expect(resourceAttributes.contains { $0.key == "deployment.environment" && $0.string == "e2e" })
        #expect(resourceAttributes.contains { $0.key == "telemetry.sdk.language" && $0.string == "swift" })
        let scopeSpans = try Message(resourceSpans.bytes(2)[0])
        let scope = try Message(scopeSpans.bytes(1)[0])
        #expect(String(decoding: try scope.bytes(1)[0], as: UTF8.self) == "switchyard")
        let spans = try scopeSpans.bytes(2).map { try Message($0) }
        #expect(spans.count == 2)
        let decoded = spans[0]
        #expect(try decoded.bytes(1)[0] == span.traceID.bytes)
        #expect(try decoded.bytes(2)[0] == span.spanID.bytes)
        #expect(String(decoding: try decoded.bytes(3)[0], as: UTF8.self) == "congo=t61")
        #expect(try decoded.bytes(4)[0] == SpanID(0x1122_3344_5566_7788).bytes)
        #expect(String(decoding: try decoded.bytes(5)[0], as: UTF8.self) == "chat deepseek-v4-flash")
        #expect(decoded.varints[6] == 3)
        #expect(decoded.fixed64s[7] == 1_700_000_000_123_456_789)
        #expect(decoded.fixed64s[8] == 1_700_000_001_000_000_000)
        #expect(decoded.fixed32s[16] == 0x301)
        let attributes = try decoded.bytes(9).map { try KeyValue($0) }
        #expect(attributes.map(\.key) == ["gen_ai.request.model", "switchyard.attempt", "gen_ai.request.temperature", "switchyard.hedge",
                                          "gen_ai.response.finish_reasons"])
        #expect(attributes[1].value.varints[3] == 2)
        #expect(attributes[2].value.fixed64s[4] == (0.5).bitPattern)
        #expect(attributes[3].value.varints[2] == 0)  // false is written: a oneof member always is
        let array = try Message(try attributes[4].value.bytes(5)[0])
        #expect(try array.bytes(1).map { String(decoding: try Message($0).bytes(1)[0], as: UTF8.self) } == ["stop", "length"])
        let status = try Message(try decoded.bytes(15)[0])
        #expect(status.varints[3] == 2)
        #expect(String(decoding: try status.bytes(2)[0], as: UTF8.self) == "timeout")
    }

    @Test func jsonUsesHexIDsAndStringInt64s() throws {
        let text = OTLPTraceEncoding(serviceName: "gw", attributes: [:]).json([span])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let resourceSpans = try #require((root["resourceSpans"] as? [[String: Any]])?.first)
        let scopeSpans = try #require((resourceSpans["scopeSpans"] as? [[String: Any]])?.first)
        let decoded = try #require((scopeSpans["spans"] as? [[String: Any]])?.first)
        #expect(decoded["traceId"] as? String == "0af7651916cd43dd8448eb211c80319c")
        #expect(decoded["spanId"] as? String == "b7ad6b7169203331")
        #expect(decoded["parentSpanId"] as? String == "1122334455667788")
        #expect(decoded["kind"] as? Int == 3)
        #expect(decoded["startTimeUnixNano"] as? String == "1700000000123456789")
        let attributes = try #require(decoded["attributes"] as? [[String: Any]])
        #expect(attributes.count == 5)
        #expect((attributes[1]["value"] as? [String: Any])?["intValue"] as? String == "2")
        #expect(((decoded["status"] as? [String: Any])?["code"]) as? Int == 2)
    }

    @Test func aSpanDecodesBackToWhatWasEncoded() throws {
        #expect(try RecordedSpan(protobuf: span.protobuf) == span)
        var unsampledParent = span
        unsampledParent.parentSpanID = nil
        unsampledParent.parentIsRemote = false
        unsampledParent.traceState = ""
        unsampledParent.errorMessage = nil
        #expect(try RecordedSpan(protobuf: unsampledParent.protobuf) == unsampledParent)
        // Bytes that are not a span are refused, never trapped on.
        #expect(throws: ProtobufReader.Malformed.self) { try RecordedSpan(protobuf: [0x0A, 0x10, 0x01]) }
        #expect(throws: ProtobufReader.Malformed.self) { try RecordedSpan(protobuf: [0x0F]) }
        #expect(throws: ProtobufReader.Malformed.self) { try RecordedSpan(protobuf: [0x08, 0xFF]) }
    }

    @Test func attributesAreEncodedAsTheyAreSet() throws {
        var fields = SpanFields()
        fields.set("s", String(repeating: "v", count: 200))     // a value past one length byte
        fields.set("n", -1)                                       // ten varint bytes
        fields.set("zero", 0)
        fields.set("big", Int.max)
        fields.set("d", 0.25)
        fields.set("b", true)
        fields.set("a", ["x", "y"])
        fields.set(String(repeating: "k", count: 130), "long name")
        fields.set("skipped", nil as String?)
        #expect(fields.count == 8)
        #expect(fields.items.map(\.name) == ["s", "n", "zero", "big", "d", "b", "a", String(repeating: "k", count: 130)])
        #expect(fields["s"] == .string(String(repeating: "v", count: 200)))
        #expect(fields["n"] == .int(-1))
        #expect(fields["zero"] == .int(0))
        #expect(fields["big"] == .int(Int64.max))
        #expect(fields["d"] == .double(0.25))
        #expect(fields["b"] == .bool(true))
        #expect(fields["a"] == .strings(["x", "y"]))
        #expect(fields[String(repeating: "k", count: 130)] == .string("long name"))
        #expect(fields.namesAreDistinct)
        // Each attribute is one `Span.attributes` field whose length is exactly its content.
        var reader = ProtobufReader(fields.encoded.bytes[...])
        var seen = 0
        while let (field, value) = try reader.next() {
            #expect(field == 9)
            guard case .bytes(let keyValue) = value else { Issue.record("not length-delimited"); continue }
            #expect(try KeyValue(Array(keyValue)).key.isEmpty == false)
            seen += 1
        }
        #expect(seen == 8)
        var twice = fields
        twice.set("b", false)
        #expect(!twice.namesAreDistinct)
    }

    @Test func varintSizes() {
        for value: UInt64 in [0, 1, 127, 128, 16_383, 16_384, UInt64(UInt32.max), UInt64.max] {
            var writer = ProtobufWriter()
            writer.varint(value)
            #expect(ProtobufWriter.varintSize(value) == writer.bytes.count, "\(value)")
        }
    }

    // MARK: A minimal protobuf reader

    struct Message {
        var varints: [Int: UInt64] = [:]
        var fixed64s: [Int: UInt64] = [:]
        var fixed32s: [Int: UInt32] = [:]
        var lengthDelimited: [Int: [[UInt8]]] = [:]

        struct Malformed: Error {}

        init(_ bytes: [UInt8]) throws {
            var index = 0
            func varint() throws -> UInt64 {
                var value: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    guard index < bytes.count, shift < 64 else { throw Malformed() }
                    let byte = bytes[index]
                    index += 1
                    value |= UInt64(byte & 0x7F) << shift
                    if byte < 0x80 { return value }
                    shift += 7
                }
            }
            func fixed(_ count: Int) throws -> UInt64 {
                guard index + count <= bytes.count else { throw Malformed() }
                var value: UInt64 = 0
                for offset in 0..<count { value |= UInt64(bytes[index + offset]) << UInt64(8 * offset) }
                index += count
                return value
            }
            while index < bytes.count {
                let key = try varint()
                let field = Int(key >> 3)
                switch key & 7 {
                case 0: varints[field] = try varint()
                case 1: fixed64s[field] = try fixed(8)
                case 5: fixed32s[field] = UInt32(try fixed(4))
                case 2:
                    let length = Int(try varint())
                    guard index + length <= bytes.count else { throw Malformed() }
                    lengthDelimited[field, default: []].append(Array(bytes[index..<index + length]))
                    index += length
                default: throw Malformed()
                }
            }
        }

        func bytes(_ field: Int) throws -> [[UInt8]] {
            guard let values = lengthDelimited[field] else { throw Malformed() }
            return values
        }
    }

    struct KeyValue {
        let key: String
        let value: Message
        var string: String? { (try? value.bytes(1)[0]).map { String(decoding: $0, as: UTF8.self) } }

        init(_ bytes: [UInt8]) throws {
            let message = try Message(bytes)
            key = String(decoding: try message.bytes(1)[0], as: UTF8.self)
            value = try Message(try message.bytes(2)[0])
        }
    }
}
