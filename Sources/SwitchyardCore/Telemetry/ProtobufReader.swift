/// Reads the Protocol Buffers wire format back, one field at a time: what the gateway wrote
/// itself (a span's encoded attributes, for the OTLP/JSON encoding and for tests). Never traps
/// on bad input: a truncated or unknown wire type is `Malformed`.
package struct ProtobufReader {
    package enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    package struct Malformed: Error {
        package init() {}
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    package init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    /// The next field's number and value; nil at the end.
    package mutating func next() throws(Malformed) -> (field: Int, value: Value)? {
        guard index < bytes.endIndex else { return nil }
        let key = try varint()
        let field = Int(truncatingIfNeeded: key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: return (field, .fixed64(try fixed(8)))
        case 5: return (field, .fixed32(UInt32(truncatingIfNeeded: try fixed(4))))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - index) else { throw Malformed() }
            let end = index + Int(length)
            defer { index = end }
            return (field, .bytes(bytes[index..<end]))
        default: throw Malformed()
        }
    }

    private mutating func varint() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.endIndex, shift < 64 else { throw Malformed() }
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A little-endian number of `count` bytes.
    private mutating func fixed(_ count: Int) throws(Malformed) -> UInt64 {
        guard bytes.endIndex - index >= count else { throw Malformed() }
        var value: UInt64 = 0
        for offset in 0..<count { value |= UInt64(bytes[index + offset]) << UInt64(8 * offset) }
        index += count
        return value
    }
}
