import Foundation
import Testing

/// A run of the built binary with its peak memory: started with
/// `posix_spawn` and reaped with `wait4`, whose resource usage holds the
/// child's own peak resident set (Foundation's `Process` reaps its children
/// itself, so their usage is out of reach).
struct MeasuredProcess {
    var result: ZoobenchProcess
    /// The child's peak resident set, in bytes.
    var peakBytes: Int
    /// Wall-clock seconds from start to exit.
    var seconds: Double
    /// True when it outlived its timeout and was killed.
    var killed: Bool

    /// Runs `zoobench arguments` with `stdin` (a path; /dev/null unless
    /// given) in `workingDirectory`; kills it after `timeout` seconds.
    static func run(_ arguments: [String], stdin: String = "/dev/null", timeout: TimeInterval = 20,
                    workingDirectory: URL? = nil) throws -> MeasuredProcess {
        let folder = FileManager.default.temporaryDirectory
        let outPath = folder.appendingPathComponent("zoobench-out-\(UUID().uuidString)").path
        let errPath = folder.appendingPathComponent("zoobench-err-\(UUID().uuidString)").path
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A FIFO given as stdin must not block the spawn: opened without waiting for a writer.
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY | O_NONBLOCK, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a kill reaches anything it started.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        // `env -C DIR` changes the folder, then execs zoobench in the same process (so wait4 measures zoobench).
        let program = workingDirectory == nil ? ZoobenchProcess.binary.path : "/usr/bin/env"
        let prefix = workingDirectory.map { ["/usr/bin/env", "-C", $0.path, ZoobenchProcess.binary.path] } ?? [program]
        let argv = (prefix + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }

        var status: Int32 = 0
        var usage = rusage()
        var killed = false
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            if Date().timeIntervalSince(started) > timeout && !killed {
                kill(-pid, SIGKILL)
                killed = true
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let seconds = Date().timeIntervalSince(started)
        // The exit code, or 128 + the signal that ended it, as a shell reports it.
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        let result = ZoobenchProcess(status: code,
                                     stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                                     stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        // ru_maxrss is in kilobytes on Linux.
        return MeasuredProcess(result: result, peakBytes: Int(usage.ru_maxrss) * 1024, seconds: seconds, killed: killed)
    }
}
