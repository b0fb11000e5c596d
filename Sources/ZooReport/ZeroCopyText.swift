import Foundation
import ZooBench

/// The console lines of a run's allocation figures.
extension AllocationFigures {
    /// `zero-copy: ok — 0.00 allocs/msg in zoobench, 1.00 in librdkafka, 168 B/msg allocated on the send path for 1000 B payloads`
    public var verdictLine: String {
        String(format: "zero-copy: %@ — %.2f allocs/msg in zoobench, %.2f in librdkafka, %.0f B/msg allocated on the %@ "
                   + "path for %.0f B payloads", zeroCopy ? "ok" : "VIOLATED", zoobenchAllocationsPerMessage,
               librdkafkaAllocationsPerMessage, pathBytesPerMessage, path, payloadBytes)
            + (bytesJudged ? "" : " (bytes not judged: the zb.seq header)")
            + (zeroCopy ? "" : " (" + violations.joined(separator: "; ") + ")")
    }

    /// The breakdown under the verdict.
    public var detailLine: String {
        let c = counts
        return String(format: "allocs    %ld in %.2f s over %ld messages: zoobench %ld (%ld B), zoobench timed bookkeeping "
                          + "%ld (%ld B), librdkafka calls %ld (%ld B), librdkafka threads %ld (%ld B), other threads "
                          + "%ld (%ld B); %ld frees",
                      c.mallocs, c.seconds, c.messages, c.zoobenchMallocs, c.zoobenchBytes, c.periodicMallocs, c.periodicBytes,
                      c.librdkafkaCallMallocs, c.librdkafkaCallBytes, c.librdkafkaThreadMallocs, c.librdkafkaThreadBytes,
                      c.otherMallocs, c.otherBytes, c.frees)
    }
}
