/// Protocol Buffers wire format, written by hand for the few messages the gateway sends (OTLP
/// traces): varints, fixed-width numbers and length-delimited fields. A nested message is
/// written in place and its length inserted in front of it once it is complete, so nothing is
/// encoded twice.
package struct ProtobufWriter: Sendable, Hashable {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    package enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// How many bytes `value` takes as a varint.
    package static func varintSize(_ value: UInt64) -> Int {
        // 1 + (index of the highest set bit) / 7, and 1 for zero.
        1 + (63 - (value | 1).leadingZeroBitCount) / 7
    }

    package mutating func varint(_ value: UInt64) {
        if value < 0x80 {
            bytes.append(UInt8(value))
            return
        }
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    package mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// A varint field (int32, int64, uint32, uint64, bool, enum); written even when zero, as a
    /// `oneof` member must be.
    package mutating func varintField(_ field: Int, _ value: UInt64) {
        tag(field, .varint)
        varint(value)
    }

    package mutating func int64Field(_ field: Int, _ value: Int64) {
        varintField(field, UInt64(bitPattern: value))
    }

    package mutating func boolField(_ field: Int, _ value: Bool) {
        varintField(field, value ? 1 : 0)
    }

    package mutating func fixed64Field(_ field: Int, _ value: UInt64) {
        tag(field, .fixed64)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func fixed32Field(_ field: Int, _ value: UInt32) {
        tag(field, .fixed32)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func doubleField(_ field: Int, _ value: Double) {
        fixed64Field(field, value.bitPattern)
    }

    /// The tag and length of a length-delimited field whose `length` bytes the caller writes next.
    package mutating func lengthDelimited(_ field: Int, length: Int) {
        tag(field, .lengthDelimited)
        varint(UInt64(length))
    }

    /// Bytes written as they are (the content of a field whose tag and length are written).
    package mutating func raw(_ value: String.UTF8View) {
        bytes.append(contentsOf: value)
    }

    package mutating func bytesField(_ field: Int, _ value: some Collection<UInt8>) {
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends what `other` wrote (its fields follow this writer's).
    package mutating func append(_ other: ProtobufWriter) {
        bytes.append(contentsOf: other.bytes)
    }

    package mutating func stringField(_ field: Int, _ value: String) {
        bytesField(field, value.utf8)
    }

    /// A `bytes` field of `first` and then `second` (if given), each as eight bytes, most
    /// significant first: a span ID, or a trace ID's two halves.
    package mutating func bigEndianBytesField(_ field: Int, _ first: UInt64, _ second: UInt64? = nil) {
        tag(field, .lengthDelimited)
        varint(second == nil ? 8 : 16)
        appendBigEndian(first)
        if let second { appendBigEndian(second) }
    }

    private mutating func appendBigEndian(_ word: UInt64) {
        withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// A nested message, its fields written by `body`. One byte is kept for the length (most
    /// messages here are under 128 bytes); a longer one moves its content up to make room.
    package mutating func messageField(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        tag(field, .lengthDelimited)
        let lengthAt = bytes.count
        bytes.append(0)
        body(&self)
        var length = UInt64(bytes.count - lengthAt - 1)
        guard length >= 0x80 else {
            bytes[lengthAt] = UInt8(length)
            return
        }
        var extra = 0
        var probe = length >> 7
        while probe > 0 {
            extra += 1
            probe >>= 7
        }
        bytes.insert(contentsOf: repeatElement(0, count: extra), at: lengthAt + 1)
        var index = lengthAt
        while length >= 0x80 {
            bytes[index] = UInt8(truncatingIfNeeded: length) | 0x80
            length >>= 7
            index += 1
        }
        bytes[index] = UInt8(length)
    }
}
