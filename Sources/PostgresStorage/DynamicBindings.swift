import PostgresNIO

/// Bindings for SQL assembled at run time (optional filters): each value bound returns its `$n`.
struct DynamicBindings {
    private(set) var bindings = PostgresBindings()

    /// Binds a value and returns its placeholder.
    mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }
}
