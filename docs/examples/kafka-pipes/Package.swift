// swift-tools-version: 6.1
// An example package that uses zoobench's ZooPipe library: two pipes,
// JSONL → Kafka and Kafka → CSV, on an embedded cluster. The test suite
// builds and runs it (Tests/ZoobenchCLITests/LibraryExampleTests.swift), so
// docs/library.md's lines cannot drift from what compiles.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, not after the `name:` in
// its manifest, so `package:` below must be the folder's name. In a package
// of your own, with zoobench cloned beside it as `zoobench/`, the two lines are
//
//     .package(path: "../zoobench"),
//     .product(name: "ZooPipe", package: "zoobench")
//
// and from git (a URL dependency is named after the URL's last part, less `.git`):
//
//     .package(url: "https://example.com/you/zoobench.git", branch: "main"),
//     .product(name: "ZooPipe", package: "zoobench")
//
// Here zoobench is this package's grandparent's parent, whatever its folder is called.
let zoobench = URL(fileURLWithPath: Context.packageDirectory).appendingPathComponent("../../..").standardized

let package = Package(
    name: "kafka-pipes",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: zoobench.path),
    ],
    targets: [
        .executableTarget(
            name: "KafkaPipes",
            dependencies: [.product(name: "ZooPipe", package: zoobench.lastPathComponent)]
        ),
    ]
)
