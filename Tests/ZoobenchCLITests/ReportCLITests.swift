import CCodecs
import Foundation
import Testing

/// The pixels of a PNG (8-bit RGB or RGBA, not interlaced): what Chromium's
/// screenshots are.
struct PNGImage {
    var width = 0
    var height = 0
    var pixels: [UInt32] = []

    init?(_ data: Data) {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0] == 0x89, bytes[1] == 0x50 else { return nil }
        var offset = 8
        var compressed: [UInt8] = []
        var channels = 0
        func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        while offset + 8 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let body = offset + 8
            guard body + length <= bytes.count else { return nil }
            if type == "IHDR" {
                width = be32(body)
                height = be32(body + 4)
                guard bytes[body + 8] == 8, bytes[body + 12] == 0 else { return nil }  // 8 bits, no interlace
                switch bytes[body + 9] {
                case 2: channels = 3
                case 6: channels = 4
                default: return nil
                }
            } else if type == "IDAT" {
                compressed += bytes[body..<body + length]
            }
            offset = body + length + 4
        }
        guard channels > 0 else { return nil }
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        var rawLength = uLongf(raw.count)
        guard uncompress(&raw, &rawLength, compressed, uLong(compressed.count)) == Z_OK else { return nil }
        var previous = [UInt8](repeating: 0, count: stride)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            var line = Array(raw[(row * (stride + 1) + 1)..<((row + 1) * (stride + 1))])
            for i in 0..<stride {
                let a = i >= channels ? Int(line[i - channels]) : 0
                let b = Int(previous[i])
                let c = i >= channels ? Int(previous[i - channels]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: predictor = 0
                }
                line[i] = UInt8((Int(line[i]) + predictor) & 0xFF)
            }
            for x in 0..<width {
                let p = x * channels
                pixels.append(UInt32(line[p]) << 16 | UInt32(line[p + 1]) << 8 | UInt32(line[p + 2]))
            }
            previous = line
        }
    }
}

@Suite("zoobench report")
struct ReportCLITests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile)

    /// Real runs with --html, and `zoobench report` on them: every page is
    /// written, the .hgrm files exist, and (where Chromium is installed) a
    /// page renders to a screenshot that is not blank.
    @Test func reportsForRealRuns() throws {
        let folder = try scratchFolder("report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let runs: [[String]] = [
            ["produce", "--num-records", "20000", "--name", "first"],
            ["consume", "--backlog", "2MB", "--name", "drain"],
            ["e2e", "--throughput", "4000", "--duration", "3s", "--name", "ends", "--fault", "at=1s rtt broker=all 20ms for=1s"],
            ["sweep", "--acks", "0,1", "--compression", "none,lz4", "--duration", "1s", "--warmup", "0s", "--name", "grid"],
            ["plan", "--slo", "p99<=200ms", "--max-rate", "4000", "--steps", "2", "--step-duration", "1s", "--step-warmup", "200ms",
             "--precision", "50%", "--name", "cap"],
        ]
        for arguments in runs {
            let result = try ZoobenchProcess.run(arguments + ["--html", "--quiet", "--output", folder.path], timeout: 120)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        for name in ["first", "drain", "ends", "grid", "cap"] {
            #expect(files.contains { $0.hasSuffix("-\(name).html") }, "no page for \(name): \(files)")
        }
        let first = try #require(files.first { $0.hasSuffix("-first.json") })
        let ends = try #require(files.first { $0.hasSuffix("-ends.json") })
        let compared = folder.appendingPathComponent("compared.html").path
        let report = try ZoobenchProcess.run(["report", folder.appendingPathComponent(first).path,
                                              folder.appendingPathComponent(ends).path, "-o", compared])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("report    \(compared)"))
        let hgrm = try ZoobenchProcess.run(["report", folder.appendingPathComponent(ends).path, "--hgrm"])
        #expect(hgrm.status == 0)
        #expect(hgrm.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("hgrm      ") }.count == 4, "\(hgrm.stdout)")
        let page = try String(contentsOfFile: folder.appendingPathComponent(ends.replacingOccurrences(of: ".json", with: ".html")).path,
                              encoding: .utf8)
        #expect(page.contains("every broker rtt 20ms"))
        // Throughput, spectrum, latency over time, and the consumers' rate, lag and send → consume latency.
        #expect(page.components(separatedBy: "<svg").count - 1 == 6)
        let drain = try String(contentsOfFile: folder.appendingPathComponent(try #require(files.first { $0.hasSuffix("-drain.html") })).path,
                               encoding: .utf8)
        #expect(drain.contains("fetch wait") && drain.contains("consumed records/s"))

        guard let chromium = Self.chromium else {
            print("zoobench report: no Chromium here (apt-get install chromium); the rendering check is skipped")
            return
        }
        let screenshot = folder.appendingPathComponent("page.png")
        let render = Process()
        render.executableURL = URL(fileURLWithPath: chromium)
        render.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600",
                            "--screenshot=\(screenshot.path)",
                            "file://" + folder.appendingPathComponent(ends.replacingOccurrences(of: ".json", with: ".html")).path]
        render.standardOutput = FileHandle.nullDevice
        render.standardError = FileHandle.nullDevice
        try render.run()
        let deadline = Date().addingTimeInterval(60)
        while render.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if render.isRunning { render.terminate() }
        let image = try #require(PNGImage(try Data(contentsOf: screenshot)), "the screenshot is not a PNG zoobench can read")
        #expect(image.width == 1280)
        let colours = Set(image.pixels)
        // A blank page has one colour; text, lines, bands and the series' colours give hundreds.
        #expect(colours.count > 50, "\(colours.count) distinct colours")
        let white = image.pixels.filter { $0 == 0xFFFFFF }.count
        #expect(white < image.pixels.count * 97 / 100, "the page is almost all white")
    }
}

@Suite("Progress on a terminal")
struct ProgressCLITests {
    /// On a terminal (made by `script`), one status line rewritten in place
    /// with a bar; into a file, plain interval lines; with CI set, none.
    @Test func liveLineOnATerminalPlainLinesElsewhere() throws {
        let script = "/usr/bin/script"
        guard FileManager.default.isExecutableFile(atPath: script) else {
            print("progress: no 'script' here to make a terminal; the live-line check is skipped")
            return
        }
        let folder = try scratchFolder("tty")
        defer { try? FileManager.default.removeItem(at: folder) }
        let transcript = folder.appendingPathComponent("tty.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = ["-qc", "\(ZoobenchProcess.binary.path) produce --duration 3s --throughput 2000 --no-save", transcript.path]
        var environment = ProcessInfo.processInfo.environment
        environment["CI"] = nil
        environment["TERM"] = "xterm"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let tty = try String(contentsOf: transcript, encoding: .utf8)
        #expect(tty.contains("\r\u{1B}[2K1.0s of 3s  [########----------------] 33%"), "\(tty.prefix(600))")
        #expect(!tty.contains("in-flight"), "interval lines on a terminal")

        let plain = try ZoobenchProcess.run(["produce", "--duration", "2s", "--throughput", "2000", "--no-save"],
                                            environment: ["CI": ""])
        #expect(!plain.stdout.contains("\u{1B}["))
        let ci = try ZoobenchProcess.run(["produce", "--duration", "2s", "--throughput", "2000", "--no-save"], environment: ["CI": "true"])
        #expect(!ci.stdout.contains("in-flight"), "interval lines with CI set")
    }
}
