import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// Serves an exporter's metrics at `http://ADDRESS:PORT/metrics` (Prometheus
/// text format) while a run goes; anything else is 404. Made by
/// ``start(exporter:address:port:)``, which returns once the socket listens
/// or throws why it cannot. Its start and stop block the calling thread
/// until the server's tasks answer: call them from a thread of your own (as
/// the CLI does), not from async code on Swift's cooperative pool.
public final class MetricsServer: Sendable {
    /// Why the endpoint could not start.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let server: HTTPServer
    private let running: Task<Void, Never>
    /// The port it listens on (the one given, or the one the system chose for 0).
    public let port: UInt16
    public let address: String

    /// The URL Prometheus scrapes.
    public var url: String { "http://\(address.contains(":") ? "[\(address)]" : address):\(port)/metrics" }

    private init(server: HTTPServer, running: Task<Void, Never>, address: String, port: UInt16) {
        self.server = server
        self.running = running
        self.address = address
        self.port = port
    }

    /// Listens on `address` (an IPv4 or IPv6 literal) and `port` (0: any free one).
    public static func start(exporter: MetricsExporter, address: String, port: UInt16) throws(Failure) -> MetricsServer {
        let socketAddress: any SocketAddress
        do {
            socketAddress = address.contains(":") ? try sockaddr_in6.inet6(ip6: address, port: port)
                : try sockaddr_in.inet(ip4: address, port: port)
        } catch {
            throw Failure(description: "--metrics-address '\(address)' is not an IPv4 or IPv6 address")
        }
        let server = HTTPServer(address: socketAddress, timeout: 5, logger: .disabled)
        let failure = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let running = Task {
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                             body: Data(exporter.text().utf8))
            }
            await server.appendRoute("*") { _ in HTTPResponse(statusCode: .notFound, body: Data("see /metrics\n".utf8)) }
            do {
                try await server.run()
            } catch {
                failure.withLock { $0 = MetricsServer.reason(error) }
                done.signal()
            }
        }
        Task {
            try? await server.waitUntilListening(timeout: 10)
            done.signal()
        }
        done.wait()
        if let reason = failure.withLock({ $0 }) {
            throw Failure(description: "cannot serve metrics on \(address):\(port): \(reason)")
        }
        let listening = Mutex<UInt16?>(nil)
        let asked = DispatchSemaphore(value: 0)
        Task {
            if case .ip4(_, let bound)? = await server.listeningAddress { listening.withLock { $0 = bound } }
            if case .ip6(_, let bound)? = await server.listeningAddress { listening.withLock { $0 = bound } }
            asked.signal()
        }
        asked.wait()
        guard let bound = listening.withLock({ $0 }) else {
            running.cancel()
            throw Failure(description: "cannot serve metrics on \(address):\(port): it did not start listening within 10 s")
        }
        return MetricsServer(server: server, running: running, address: address, port: bound)
    }

    /// Stops listening and closes its connections.
    public func stop() {
        let done = DispatchSemaphore(value: 0)
        let server = self.server
        Task {
            await server.stop(timeout: 0)
            done.signal()
        }
        done.wait()
        running.cancel()
    }

    private static func reason(_ error: any Error) -> String {
        if let socket = error as? SocketError, case .failed(_, let errno, let message) = socket {
            return errno == EADDRINUSE ? "the address is in use" : message
        }
        return "\(error)"
    }
}
