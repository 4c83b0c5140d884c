import Hummingbird
import Reports

extension CSVTable {
    /// The table as a file download: `text/csv`, named `name`.
    func download(name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
