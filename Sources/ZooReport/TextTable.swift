import Foundation

/// Columns of text right-aligned to their widest cell, two spaces apart,
/// without trailing blanks: the layout of every zoobench table.
enum TextTable {
    static func lines(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { i in rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { ProduceSummary.pad($0, $1) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}
