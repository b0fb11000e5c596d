import Foundation

/// Wakes the embedded cluster's thread while a call into it waits.
///
/// librdkafka's mock cluster runs one thread that polls its brokers' sockets
/// with a timeout of up to 1 s and serves requests from the application (a
/// broker down, a round-trip time, a new topic, its own end) when the poll
/// returns. The wake-up that should end the poll early is sometimes lost
/// (measured here on 2.0.2: about one call in ten, always the first after a
/// topic was created, waited 1.00 s; 2.8.0 loses the one of the cluster's
/// end instead). A fault meant for 5 s then lands at 6 s. Any socket event
/// ends the poll as well, so while a call waits this connects to one of the
/// cluster's own listening brokers every few milliseconds: the mock accepts,
/// serves the waiting request, and drops the connection when it sees it
/// closed. Loopback only; calls that return at once start no connection.
struct MockWakeup {
    /// The brokers' loopback ports.
    let ports: [UInt16]
    /// How long a call may wait before the first wake-up is sent.
    var grace: Duration = .milliseconds(5)

    init(bootstrapServers: String) {
        ports = bootstrapServers.split(separator: ",").compactMap { entry in
            entry.split(separator: ":").last.flatMap { UInt16($0) }
        }
    }

    /// Runs `call`, waking the mock cluster's thread while it waits.
    func during<T>(_ call: () -> T) -> T {
        guard !ports.isEmpty else { return call() }
        let returned = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        Thread.named("zb-mock-wakeup") { [ports, grace] in
            defer { finished.signal() }
            var wait = DispatchTimeInterval.milliseconds(Int(milliseconds(grace)))
            var next = 0
            while returned.wait(timeout: .now() + wait) == .timedOut {
                Self.touch(port: ports[next % ports.count])
                next += 1
                wait = .milliseconds(5)
            }
        }.start()
        let result = call()
        returned.signal()
        finished.wait()
        return result
    }

    /// Opens and at once closes a non-blocking TCP connection to 127.0.0.1:`port`.
    private static func touch(port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
