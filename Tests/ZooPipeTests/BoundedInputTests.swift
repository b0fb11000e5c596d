import Foundation
import Testing
import ZooTestSupport
@testable import ZooPipe

/// Every file zoobench reads is bounded in bytes and in time, whatever it
/// is: a regular file, a device that never ends, a FIFO with or without a
/// writer. Lines are bounded too.
@Suite("Bounded input")
struct BoundedInputTests {
    @Test func regularFilesAreReadUpToTheLimit() throws {
        let dir = try temporaryFolder("bounded")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f").path
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: path))
        #expect(try FileProblem.contents(of: path, limit: 1000).get().count == 1000)
        #expect(FileProblem.contents(of: path, limit: 999) == .failure(.tooLarge(limit: 999)))
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(FileProblem.contents(of: path, limit: 10) == .failure(.empty))
        #expect(FileProblem.contents(of: dir.path, limit: 10) == .failure(.folder))
        #expect(FileProblem.contents(of: dir.appendingPathComponent("none").path, limit: 10) == .failure(.missing))
        #expect(FileProblem.contents(of: path + "/below", limit: 10) == .failure(.missing))
    }

    /// Devices report no size: /dev/zero is refused once the limit has
    /// arrived (not after gigabytes), /dev/null is empty.
    @Test func devicesAreBoundedByWhatArrives() {
        let started = Date()
        #expect(FileProblem.contents(of: "/dev/zero", limit: 1 << 20) == .failure(.tooLarge(limit: 1 << 20)))
        #expect(FileProblem.contents(of: "/dev/urandom", limit: 1 << 20) == .failure(.tooLarge(limit: 1 << 20)))
        #expect(FileProblem.contents(of: "/dev/null", limit: 1 << 20) == .failure(.empty))
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// A FIFO with no writer is empty at once; one whose writer sends nothing
    /// stalls and is given up after the stall bound; one that is written to
    /// reads like a file.
    @Test func fifosNeverWaitForever() throws {
        let dir = try temporaryFolder("bounded")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        #expect(FileProblem.contents(of: path, limit: 100) == .failure(.empty))

        // A writer that holds the FIFO open and says nothing.
        let silent = Thread {
            let fd = open(path, O_WRONLY)
            Thread.sleep(forTimeInterval: 3)
            close(fd)
        }
        silent.start()
        Thread.sleep(forTimeInterval: 0.2)
        let started = Date()
        #expect(FileProblem.contents(of: path, limit: 100, stall: .milliseconds(500)) == .failure(.stalled(.milliseconds(500))))
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 0.5 && waited < 2.5, "gave up after \(waited) s")

        Thread.sleep(forTimeInterval: 3)
        let talking = Thread {
            let fd = open(path, O_WRONLY)
            Thread.sleep(forTimeInterval: 0.3)
            _ = "acks: 1\n".withCString { write(fd, $0, 8) }
            close(fd)
        }
        talking.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(try FileProblem.contents(of: path, limit: 100).get() == Data("acks: 1\n".utf8))
    }

    private func lines(_ text: String, longest: Int) throws -> [LineReader.Line] {
        var ends: [Int32] = [0, 0]
        #expect(Glibc.pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let bytes = Array(text.utf8)
        let writer = Thread {
            bytes.withUnsafeBytes { _ = write(writeEnd, $0.baseAddress, $0.count) }
            close(writeEnd)
        }
        writer.start()
        defer { close(readEnd) }
        var reader = LineReader(fd: readEnd, longestLine: longest)
        var result: [LineReader.Line] = []
        while let line = try reader.next() { result.append(line) }
        return result
    }

    @Test func linesAreSplitAndBounded() throws {
        #expect(try lines("a\r\nbb\n\nccc", longest: 10) == [.text(Array("a".utf8)), .text(Array("bb".utf8)), .text([]),
                                                              .text(Array("ccc".utf8))])
        // A line over the bound is reported once, by number, and skipped to its end; counting goes on.
        let long = String(repeating: "x", count: 50)
        #expect(try lines("ok\n\(long)\nnext\n", longest: 10) == [.text(Array("ok".utf8)), .tooLong(2), .text(Array("next".utf8))])
        #expect(try lines("\(long)", longest: 10) == [.tooLong(1)])
        #expect(try lines("", longest: 10) == [])
    }

    /// /dev/zero has no newline: the first line is reported too long as soon
    /// as the bound is passed, not after reading forever.
    @Test func aSourceWithoutNewlinesIsCutAtTheBound() throws {
        let fd = open("/dev/zero", O_RDONLY)
        defer { close(fd) }
        var reader = LineReader(fd: fd, longestLine: 1 << 20)
        #expect(try reader.next() == .tooLong(1))
    }

    @Test func uriUserInformationIsNeverEchoed() {
        #expect(redactingUserInfo("kafka://alice:hunter2@h:9092/t") == "kafka://[redacted]@h:9092/t")
        #expect(redactingUserInfo("bad 'kafka://p@ss@h/t' and http://u:v@x/y") == "bad 'kafka://[redacted]@h/t' and http://[redacted]@x/y")
        #expect(redactingUserInfo("kafka://h:9092/t?mail=a@b") == "kafka://h:9092/t?mail=a@b")
        #expect(redactingUserInfo("no uri at@all") == "no uri at@all")
        #expect(KafkaError.invalidURI("kafka://bob:secret@h/t", reason: "r").description.contains("secret") == false)
    }
}
