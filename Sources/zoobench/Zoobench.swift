import ArgumentParser
import Foundation
import ZooBench
import ZooPipe

/// The `zoobench` command: parses, runs a subcommand, maps errors to exit codes.
@main
struct Zoobench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoobench",
        abstract: "Benchmark and load-test Apache Kafka.",
        discussion: """
            With no --brokers (or URI) zoobench starts an embedded Kafka cluster \
            (librdkafka's mock cluster, 3 brokers on loopback) so every command works \
            on a fresh machine; figures measured there describe the client, not a cluster.

            Exit codes: 0 ok, 1 failure, 2 bad input, 3 cannot reach the cluster, 4 regression (compare), 5 zero-copy budget broken (--require-zero-copy), 6 swarm short of workers or degraded, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM); \
            what was measured is saved, marked partial.
            """,
        version: """
            zoobench \(ZooBenchVersion.current) (librdkafka \(KafkaVersion.librdkafka))
            librdkafka builtin.features: \(KafkaVersion.builtinFeatures.joined(separator: ","))
            allocator: \(ProcessAllocator.name)
            """,
        subcommands: [ProduceCommand.self, ConsumeCommand.self, EndToEndCommand.self, SweepCommand.self, PlanCommand.self, CodecsCommand.self, CompareCommand.self, ReportCommand.self,
                      ClusterCommand.self, SwarmCommand.self, WorkerCommand.self, PipeCommand.self, WorkloadsCommand.self]
    )

    /// Parses and runs; every error becomes one line on stderr and an exit code.
    static func main() {
        MimallocPreload.ensure(arguments: Array(CommandLine.arguments.dropFirst()))
        // `help NAME`: ArgumentParser prints the root help for a name it does not know, and exits 0.
        let given = Array(CommandLine.arguments.dropFirst())
        if given.first == "help", let name = given.dropFirst().first(where: { !$0.hasPrefix("-") }),
           !configuration.subcommands.contains(where: { $0._commandName == name }) || given.count > 2 {
            fail("'help \(given.dropFirst().joined(separator: " "))': no such command",
                 hint: "commands: " + configuration.subcommands.map { $0._commandName }.joined(separator: ", "), code: .usage)
        }
        let command: ParsableCommand
        do {
            command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)  // --help and --version print and exit 0
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad arguments"
            let arguments = CommandLine.arguments.dropFirst()
            let subcommand = configuration.subcommands.lazy.map { $0._commandName }
                .first { name in arguments.first == name }
            fail(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message,
                 hint: "see 'zoobench \(subcommand.map { "\($0) " } ?? "")--help'", code: .usage)
        }
        MemoryTrim.start()
        do {
            var command = command
            try command.run()
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch is RunStopped {
            Foundation.exit(Interrupt.exit.rawValue)  // stopped before anything was measured
        } catch where exitCode(for: error) == .success {
            exit(withError: error)  // the root command without a subcommand prints its help
        } catch {
            let (code, message) = ExitStatus.classify(error)
            fail(message, hint: nil, code: code)
        }
    }

    /// `--acks -1` as `--acks=-1`: the argument parser reads a word that
    /// starts with `-` as a flag, so a negative value after an option would
    /// be "missing". A word that is a negative number (or `-inf`, `-nan`) after
    /// a `--option` is joined to it; the option's own check then judges it.
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" {
                result += arguments[index...]
                break
            }
            if word.hasPrefix("--"), !word.contains("="), index + 1 < arguments.count,
               isNegativeNumber(arguments[index + 1]) {
                result.append(word + "=" + arguments[index + 1])
                index += 2
                continue
            }
            result.append(word)
            index += 1
        }
        return result
    }

    private static func isNegativeNumber(_ word: String) -> Bool {
        let rest = word.dropFirst()
        guard word.hasPrefix("-"), let first = rest.first else { return false }
        return first.isNumber || first == "." || ["inf", "nan", "infinity"].contains(rest.lowercased())
    }

    /// Prints `zoobench: error: …` on stderr and exits with `code`.
    static func fail(_ message: String, hint: String?, code: ExitStatus) -> Never {
        let line = SecretValues.scrub("zoobench: error: \(message)" + (hint.map { " (\($0))" } ?? "")) + "\n"
        FileHandle.standardError.write(Data(line.utf8))
        Foundation.exit(code.rawValue)
    }
}
