import Foundation
import Hummingbird

/// The API contract for both listeners, from the module's resources; nil only if a build left it out.
enum OpenAPIDocument {
    static let bytes: ByteBuffer? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = FileManager.default.contents(atPath: url.path)
        else { return nil }
        return ByteBuffer(bytes: data)
    }()
}

/// `GET /openapi.yaml` on both listeners, kept true by a test against the routers.
struct OpenAPIController<Context: RequestContext> {
    func addRoutes(to router: Router<Context>) {
        router.get("openapi.yaml") { _, _ in
            guard let body = OpenAPIDocument.bytes else { throw Problem.notFound("this build carries no OpenAPI document") }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: body))
        }
    }
}
