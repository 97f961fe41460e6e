/// Lowercase hexadecimal text, written straight into the string's storage (key digests and
/// random IDs are made on every request).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `prefix` followed by two hex digits per byte.
    public static func lowercase(_ bytes: some Collection<UInt8>, prefix: String = "") -> String {
        let head = Array(prefix.utf8)
        return String(unsafeUninitializedCapacity: head.count + 2 * bytes.count) { buffer in
            var index = 0
            for byte in head {
                buffer[index] = byte
                index += 1
            }
            for byte in bytes {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0xF)]
                index += 2
            }
            return index
        }
    }
}
