import Foundation

extension SweepPlan {
    /// The sweep a command line describes. The base workload is the file's
    /// (with its `sweep:` axes) or the defaults; a field given as a list of
    /// values (`acks: 0,1,-1`) becomes an axis, any other is set as in a
    /// produce run; `propertyAxes` (`linger.ms=0,5,20`) are librdkafka
    /// properties as axes. Cells run for `durationPerCell` (default 10 s)
    /// after `warmupPerCell` (default 2 s), unless a record count or warm-up
    /// count was given.
    public static func load(_ request: WorkloadRequest, propertyAxes: [String] = [], durationPerCell: String? = nil,
                            warmupPerCell: String? = nil, mode: RunMode = .produce, repeats: Int = SweepPlan.defaultRepeats) throws(WorkloadError) -> SweepPlan {
        var base: ProduceWorkload
        var axes: [SweepAxis] = []
        if let file = request.file {
            (base, axes) = try WorkloadFile.loadSweep(file)
        } else {
            base = ProduceWorkload()
            base.name = "sweep"
        }
        var single = request
        single.fields = []
        for (field, text) in request.fields {
            if let values = SweepPlan.values(of: field, text) {
                axes.removeAll { $0.name == field }
                axes.append(SweepAxis(name: field, values: values))
            } else {
                single.fields.append((field, text))
            }
        }
        try base.apply(single)
        try FaultSchedule.check(base.faults, brokers: request.brokers)
        for spec in propertyAxes {
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else {
                throw .invalid("--axis: '\(spec)' is not key=v1,v2,…")
            }
            let values = spec[spec.index(after: equals)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            axes.append(SweepAxis(name: String(spec[..<equals]), isProperty: true, values: values))
        }
        // Cells are bounded by time unless a record count was given.
        if !request.gives("num-records") {
            base.numRecords = nil
            base.duration = try durationPerCell.map { text throws(WorkloadError) in
                try DurationText.parse(text, label: "--duration-per-cell", positive: true)
            } ?? base.duration ?? .seconds(10)
        }
        if !request.gives("warmup-records") {
            base.warmup = try warmupPerCell.map { text throws(WorkloadError) in
                try DurationText.parse(text, label: "--warmup-per-cell")
            } ?? base.warmup ?? .seconds(2)
        }
        var plan = SweepPlan(base: base, axes: axes)
        plan.name = base.name == "produce" ? "sweep" : base.name
        plan.mode = mode
        plan.repeats = repeats
        try plan.validate()
        return plan
    }
}
