import Foundation
import Hummingbird

/// `GET /openapi.yaml` on both listeners: the API contract, kept true by a test against the routers.
struct OpenAPIController<Context: RequestContext> {
    /// Read once from the module's resources; nil only if the build left the resource out.
    static var document: ByteBuffer? {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let data = FileManager.default.contents(atPath: url.path)
        else { return nil }
        return ByteBuffer(bytes: data)
    }

    let document: ByteBuffer?

    func addRoutes(to router: Router<Context>) {
        let body = document
        router.get("openapi.yaml") { _, _ in
            guard let body else { throw Problem.notFound("this build carries no OpenAPI document") }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: body))
        }
    }
}
