#if canImport(Glibc)
import Glibc
#endif

/// Hands memory the allocator holds but no longer uses back to the system. A first load of a
/// million keys decodes rows a page at a time; the rows are freed, but glibc keeps the pages
/// they used (between the keys' long-lived allocations) as resident memory until trimmed.
enum FreedMemory {
    static func release() {
        #if canImport(Glibc)
        // malloc_trim is in <malloc.h>, which the Glibc module does not import.
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
