import NIOCore

/// How big a connection's receive buffer may grow: NIO's adaptive sizing (it starts at 2 KiB
/// and doubles while reads fill it) up to 16 KiB instead of NIO's 64 KiB. Each connection keeps
/// its buffer for reuse as long as it is open, and a gateway holds two connections per call —
/// the client's and the upstream's — for as long as a stream lasts: with 1,000 streams, buffers
/// grown to 64 KiB were the largest part of the heap. LLM traffic arrives in small chunks; a
/// large body takes a few more reads.
package enum ReceiveBuffers {
    package static let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 16_384)
}
