import SharingPolicy

/// Unknown keys in a configuration mapping are errors, with the nearest known spelling.
enum ConfigurationKeys {
    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func refuseUnknown<Known: CodingKey & CaseIterable>(in decoder: any Decoder, known: Known.Type) throws {
        let names = Known.allCases.map(\.stringValue)
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !names.contains(key.stringValue) {
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: container,
                debugDescription: "unknown key '\(key.stringValue)'\(suggestion(for: key.stringValue, among: names))"
            )
        }
    }
}
