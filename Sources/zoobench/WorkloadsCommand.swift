import ArgumentParser
import ZooBench

/// `zoobench workloads`: the workloads that come with zoobench.
struct WorkloadsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workloads",
        abstract: "List the builtin workloads, or print one as a workload file.",
        discussion: """
            Every builtin is a workload file that comes with zoobench; run one with \
            --workload builtin:NAME on the command its header names (produce or e2e). \
            Flags given with it win over its fields, as with any workload file; \
            'show' prints it, to start a file of your own from.

            Examples:
              zoobench workloads
              zoobench produce --workload builtin:omb-16p-1kb-max --duration 20s
              zoobench e2e --workload builtin:rebalance-storm
              zoobench workloads show hot-partition > my-workload.yaml
            """,
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per builtin workload: name, command, what it measures.")

        func run() {
            let width = BuiltinWorkload.all.map(\.name.count).max() ?? 0
            for workload in BuiltinWorkload.all {
                let name = workload.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                let command = workload.command.padding(toLength: 9, withPad: " ", startingAt: 0)
                print(name + command + workload.summary)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a builtin workload as a workload file.")

        @Argument(help: "A name 'zoobench workloads' lists.") var name: String

        func run() throws {
            guard let workload = try BuiltinWorkload.named(BuiltinWorkload.prefix + name) else { return }
            print(workload.text, terminator: "")
        }
    }
}
