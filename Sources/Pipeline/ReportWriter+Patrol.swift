import CaseStore
import Foundation

extension ReportWriter {
    /// The "Routes" section: one offline SVG map per stored drive with the cases near it
    /// (docs/patrol.md). Empty when the store holds no drives (fixed cameras only).
    func routesSection(_ maps: [(drive: DriveRecord, svg: String, cases: [CaseRecord])]) -> String {
        guard !maps.isEmpty else { return "" }
        var h = "<h2>Routes</h2>\n"
        for (d, svg, cases) in maps {
            let km = String(format: "%.2f km", d.lengthMetres / 1000)
            h += "<div class=\"route\" data-drive=\"\(d.id)\" data-cases=\"\(cases.count)\">"
            h += "<h3>\(Self.esc(d.trackSource))</h3><p class=\"muted\">\(CaseFormatter.isoString(d.startedAt)) – "
            h += "\(CaseFormatter.isoString(d.endedAt)), \(km), \(cases.count) case(s) on the route</p>\n"
            h += svg
            h += "</div>\n"
        }
        return h
    }
}
