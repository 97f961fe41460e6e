/// Random identifiers from the system's generator (`getrandom`), formatted without Foundation:
/// Foundation's `UUID()` opens and reads `/dev/urandom` on every call on Linux, which showed up
/// as a file open per request in the gateway's profile.
public enum RandomID {
    /// `prefix` and 32 random lowercase hex digits (128 bits).
    public static func hex(prefix: String = "") -> String {
        Hex.lowercase(randomBytes(), prefix: prefix)
    }

    /// A random (version 4) UUID in its lowercase text form, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
    public static func uuid() -> String {
        var bytes = randomBytes()
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10xx
        return [bytes[0..<4], bytes[4..<6], bytes[6..<8], bytes[8..<10], bytes[10..<16]].map { Hex.lowercase($0) }.joined(separator: "-")
    }

    /// `prefix` and `count` random base-62 characters (about 5.95 bits each).
    public static func base62(prefix: String, count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<count).map { _ in alphabet[Int.random(in: 0..<62, using: &generator)] })
    }

    private static func randomBytes() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
