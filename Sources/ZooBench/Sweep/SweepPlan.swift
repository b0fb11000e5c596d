import Foundation
import ZooPipe

/// One dimension of a sweep: a workload field (a produce flag's name) or a
/// librdkafka property, and the values it takes, in order.
public struct SweepAxis: Sendable, Hashable, Codable {
    /// The flag name (`acks`, `batch-size` …) or the property key (`linger.ms`).
    public var name: String
    /// Whether `name` is a librdkafka property (`--axis key=v1,v2`).
    public var isProperty: Bool
    public var values: [String]

    public init(name: String, isProperty: Bool = false, values: [String]) {
        self.name = name
        self.isProperty = isProperty
        self.values = values
    }
}

/// A sweep: a base workload and axes whose cartesian product gives the cells.
public struct SweepPlan: Sendable {
    public var name = "sweep"
    public var base: ProduceWorkload
    public var axes: [SweepAxis]
    public var mode: RunMode = .produce
    /// Runs per cell (the median and spread are reported).
    public var repeats = SweepPlan.defaultRepeats
    /// Runs per cell unless told: three give each figure a 95 % interval.
    public static let defaultRepeats = 3

    public init(base: ProduceWorkload, axes: [SweepAxis]) {
        self.base = base
        self.axes = axes
    }

    /// One cell: a value for every axis, in the axes' order.
    public struct Cell: Sendable, Hashable {
        public var index: Int
        public var values: [String]
    }

    /// Every cell, first axis slowest (a stable order).
    public var cells: [Cell] {
        var result: [[String]] = [[]]
        for axis in axes {
            result = result.flatMap { prefix in axis.values.map { prefix + [$0] } }
        }
        return result.enumerated().map { Cell(index: $0.offset, values: $0.element) }
    }

    /// `acks=-1 batch-size=64k compression=zstd`.
    public func label(_ cell: Cell) -> String {
        zip(axes, cell.values).map { "\($0.name)=\($1)" }.joined(separator: " ")
    }

    /// The base workload with the cell's values set; a value the field does
    /// not accept is an error naming the axis.
    public func workload(for cell: Cell) throws(WorkloadError) -> ProduceWorkload {
        var workload = base
        workload.name = "\(name)-cell\(cell.index + 1)"
        for (axis, value) in zip(axes, cell.values) {
            if axis.isProperty {
                workload.properties[axis.name] = value
            } else {
                try workload.set(axis.name, to: value, label: "sweep axis \(axis.name)")
            }
        }
        try workload.validate()
        return workload
    }

    /// Checks the plan: at least one axis, no axis twice, no empty axis,
    /// every cell's workload valid. Nothing runs before this passes.
    public func validate() throws(WorkloadError) {
        if axes.isEmpty { throw .invalid("a sweep needs at least one axis (a flag with several values, or --axis)") }
        var seen = Set<String>()
        var count = 1
        for axis in axes {
            if axis.values.isEmpty { throw .invalid("sweep axis \(axis.name) has no values") }
            if !seen.insert(axis.name).inserted { throw .invalid("sweep axis \(axis.name) is given twice") }
            if let twice = try sameValue(in: axis) {
                throw .invalid("sweep axis \(axis.name) lists a value twice (\(twice.0) and \(twice.1) mean the same)")
            }
            // Counted before the cells are made: ten axes of ten values would be ten billion of them.
            count = count.multipliedReportingOverflow(by: axis.values.count).overflow ? Int.max : count * axis.values.count
            if count > Self.mostCells { throw .invalid("the sweep has more than \(Self.mostCells) cells") }
        }
        if !(1...Repeats.most).contains(repeats) { throw .invalid("repeat must be 1 to \(Repeats.most), not \(repeats)") }
        for cell in cells { _ = try workload(for: cell) }
    }

    /// The most cells a sweep may have.
    public static let mostCells = 10_000

    /// Two values of `axis` that mean the same (`-1` and `all`, `1k` and
    /// `1024`), if any: they set the workload alike.
    private func sameValue(in axis: SweepAxis) throws(WorkloadError) -> (String, String)? {
        var seen: [ProduceWorkload: String] = [:]
        for value in axis.values {
            var workload = base
            if axis.isProperty {
                workload.properties[axis.name] = value
            } else {
                try workload.set(axis.name, to: value, label: "sweep axis \(axis.name)")
            }
            if let earlier = seen[workload] { return (earlier, value) }
            seen[workload] = value
        }
        return nil
    }

    /// Splits a flag's text into an axis's values: at commas, when every
    /// piece is a valid value on its own (so `normal:500,50` stays whole).
    /// Returns nil when the text is a single value.
    public static func values(of field: String, _ text: String) -> [String]? {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count > 1 else { return nil }
        var probe = ProduceWorkload()
        for piece in pieces {
            do {
                try probe.set(field, to: piece)
            } catch {
                return nil
            }
        }
        return pieces
    }
}
