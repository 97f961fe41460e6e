import Foundation
import SwitchyardCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes the access log — one JSON line per request — on a thread of its own, so that a slow
/// disk or a full stdout pipe never stalls an event loop. Each line is written with `write(2)`
/// as soon as the thread takes it (nothing waits in a user-space buffer). At most `capacity`
/// lines wait; past that, lines are dropped and counted rather than letting memory grow.
package final class AccessLog: @unchecked Sendable {
    package static let capacity = 65_536

    private let condition = NSCondition()
    private var pending: [String] = []
    private var stopping = false
    private var stopped = false
    private var reopenRequested = false
    private var droppedLines = 0
    private let path: String?
    private var fd: Int32 = -1
    private var thread: Thread?

    /// Opens the log: `path` (appended to, created 0640) or stdout when nil. Throws when the
    /// file cannot be opened, naming it.
    package init(path: String?) throws {
        self.path = path
        // A reader of stdout that went away must cost lines, not the process.
        signal(SIGPIPE, SIG_IGN)
        fd = try Self.open(path)
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "access-log"
        self.thread = thread
        thread.start()
    }

    /// Queues one line (without its newline).
    package func write(_ line: String) {
        condition.lock()
        if pending.count >= Self.capacity || stopping {
            droppedLines += 1
        } else {
            pending.append(line)
            condition.signal()
        }
        condition.unlock()
    }

    /// Lines dropped because the writer could not keep up.
    package var dropped: Int {
        condition.lock()
        defer { condition.unlock() }
        return droppedLines
    }

    /// Reopens the file (SIGUSR1, after a log rotation moved it away).
    package func reopen() {
        condition.lock()
        reopenRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Writes what is queued, then stops the thread and closes the file.
    package func close() {
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping && !reopenRequested { condition.wait() }
            let lines = pending
            pending.removeAll(keepingCapacity: true)
            let reopen = reopenRequested
            reopenRequested = false
            let stop = stopping
            condition.unlock()
            if reopen, path != nil, let fresh = try? Self.open(path) {
                Glibc.close(fd)
                fd = fresh
            }
            if !lines.isEmpty {
                var text = lines.joined(separator: "\n")
                text += "\n"
                text.withUTF8 { Self.writeAll(fd, $0) }
            }
            if stop && lines.isEmpty {
                if path != nil { Glibc.close(fd) }
                condition.lock()
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }

    private static func open(_ path: String?) throws -> Int32 {
        guard let path else { return STDOUT_FILENO }
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw AccessLogError(message: "cannot open the access log \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return   // a closed stdout or a full disk: the line is lost, the gateway goes on
            }
            offset += written
        }
    }
}

package struct AccessLogError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
