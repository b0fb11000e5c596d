import Foundation
import ZooBench

/// The console lines of a swarm run's `workers` section.
public enum SwarmSummary {
    public static func text(_ result: RunResult) -> String {
        guard let swarm = result.workers else { return "" }
        let fixed = NumberText.fixed
        let complete = swarm.members.filter { $0.status == .complete }.count
        var lines = ["workers   \(complete) of \(swarm.requested) complete"
            + (swarm.clockSkewBoundMs.map { "; clocks within ±\(fixed($0, 1)) ms of the coordinator's" } ?? "")
            + (swarm.startAlignmentMs.map { ", starts aligned to ±\(fixed($0, 1)) ms" } ?? "")]
        let e2e = result.kind == .e2e
        var rows = [["worker", "id", "host", "status", "producers", "sent", "delivered", "rec/s", "p99 ms"]
            + (e2e ? ["consumed", "e2e p99 ms"] : []) + ["clock ms"]]
        for member in swarm.members {
            var row: [String] = ["w\(member.index)", member.id, member.host, member.status.rawValue, String(member.producers)]
            row.append(String(member.sent))
            row.append(String(member.delivered) + (member.fromIntervals ? "*" : ""))
            row.append(fixed(member.recordsPerSecond, 0))
            row.append(member.p99Ms.map { fixed($0, 2) } ?? "-")
            if e2e {
                row.append(member.consumed.map(String.init) ?? "-")
                row.append(member.endToEndP99Ms.map { fixed($0, 2) } ?? "-")
            }
            row.append(member.clockOffsetMs.map { String(format: "%+.1f ±%.1f", $0, member.clockUncertaintyMs ?? 0) } ?? "-")
            rows.append(row)
        }
        lines += TextTable.lines(rows).map { "          " + $0 }
        if swarm.members.contains(where: \.fromIntervals) {
            lines.append("          * from the intervals it sent before it went silent (not in the summary above)")
        }
        for problem in swarm.problems { lines.append("degraded  " + problem) }
        if !swarm.late.isEmpty {
            lines.append("late      \(swarm.late.joined(separator: ", ")): arrived after the start, not part of the run")
        }
        lines.append("timeline  " + swarm.timelineNote)
        if let cpu = swarm.coordinatorCPUSeconds {
            lines.append("cpu       workers \(fixed(result.environment.cpuSeconds, 2)) s in all, coordinator \(fixed(cpu, 2)) s")
        }
        return lines.joined(separator: "\n")
    }
}
