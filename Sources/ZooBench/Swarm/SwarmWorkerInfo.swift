import Foundation
import ZooPipe

/// Who a worker is, as its heartbeats say.
public struct SwarmWorkerInfo: Sendable, Codable, Hashable {
    public var id: String
    public var host: String
    public var cores: Int
    public var zoobenchVersion: String
    public var librdkafkaVersion: String
    public var pid: Int32

    public init(id: String, host: String, cores: Int, zoobenchVersion: String, librdkafkaVersion: String, pid: Int32) {
        self.id = id
        self.host = host
        self.cores = cores
        self.zoobenchVersion = zoobenchVersion
        self.librdkafkaVersion = librdkafkaVersion
        self.pid = pid
    }

    /// This process as a worker called `id`.
    public static func current(id: String) -> SwarmWorkerInfo {
        let info = ProcessInfo.processInfo
        return SwarmWorkerInfo(id: id, host: info.hostName, cores: info.activeProcessorCount,
                               zoobenchVersion: ZooBenchVersion.current, librdkafkaVersion: KafkaVersion.librdkafka,
                               pid: info.processIdentifier)
    }
}
