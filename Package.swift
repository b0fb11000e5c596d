// swift-tools-version: 6.1
import PackageDescription
import class Foundation.ProcessInfo

let package = Package(
    name: "zoobench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "zoobench", targets: ["zoobench"]),
        .library(name: "ZooPipe", targets: ["ZooPipe"]),
        .library(name: "ZooBench", targets: ["ZooBench"]),
        .library(name: "ZooReport", targets: ["ZooReport"]),
        .library(name: "ZooMetrics", targets: ["ZooMetrics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The live /metrics endpoint: Prometheus's data model and text format, and
        // the lightest HTTP server mirrored (no SwiftNIO; it adds ~N s to a clean build).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        // Not linked: its library replaces malloc for the whole process, which
        // costs every run. `swift build --product MallocInterposerSwift` builds
        // it; zoobench preloads it (re-executing itself) for --count-allocations.
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        // The only place C headers enter the package (DESIGN.md, principle 3).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The compression libraries, for the offline codec measurement; only ZooPipe imports it.
        .systemLibrary(
            name: "CCodecs",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev", "liblz4-dev", "zlib1g-dev", "libsnappy-dev"])]
        ),
        // A thread-local mark in C (see its header); only ZooPipe imports it.
        .target(name: "CThreadMark"),
        .target(
            name: "ZooPipe",
            dependencies: ["CRdKafka", "CCodecs", "CThreadMark"]
        ),
        // The measuring engine: workloads, runners (a run, a sweep, a plan, a
        // swarm session) and the results they return. No C, no printing.
        .target(
            name: "ZooBench",
            dependencies: [
                "ZooPipe",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Views only (console text, CSV and JSON files, HTML, compare's verdicts):
        // the results they render are the engine's.
        .target(
            name: "ZooReport",
            dependencies: [
                "ZooBench",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Live metrics: a run's intervals as Prometheus metrics, served at /metrics.
        .target(
            name: "ZooMetrics",
            dependencies: [
                "ZooBench",
                "ZooPipe",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        .executableTarget(
            name: "zoobench",
            dependencies: [
                "ZooPipe",
                "ZooBench",
                "ZooReport",
                "ZooMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What several test targets share: loopback ports, temporary folders and a Tansu broker.
        .target(name: "ZooTestSupport", dependencies: ["ZooPipe"], path: "Tests/ZooTestSupport"),
        .testTarget(name: "ZooPipeTests", dependencies: ["ZooPipe", "ZooTestSupport"]),
        .testTarget(name: "ZooBenchTests", dependencies: ["ZooBench", "ZooPipe"]),
        .testTarget(name: "ZooReportTests", dependencies: ["ZooReport", "ZooBench", "ZooPipe", "ZooTestSupport",
                                                    .product(name: "Histogram", package: "hdrhistogram-swift")]),
        .testTarget(name: "ZoobenchCLITests", dependencies: ["zoobench", "ZooBench", "ZooPipe", "ZooMetrics", "CCodecs", "ZooTestSupport"]),
    ]
)

// Benchmarks/ (package-benchmark): built only when asked for, so the main build
// and tests stay quick. Run: ZOOBENCH_BENCHMARKS=1 swift package benchmark
// (scripts/bench-check checks the committed thresholds).
if ProcessInfo.processInfo.environment["ZOOBENCH_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                "ZooPipe", "ZooBench",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
    // Draws scripts/bench-scaling's figures with zoobench's own chart code.
    package.targets.append(
        .executableTarget(name: "ScalingChart", dependencies: ["ZooReport"], path: "Tools/ScalingChart"))
}
