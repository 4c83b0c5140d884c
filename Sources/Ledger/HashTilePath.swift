/// A C2SP tlog-tiles hash tile's path, `tile/<L>/<N>[.p/<W>]`: level L (0-63), index N written in
/// three-digit groups with an `x` before all but the last (`x001/x234/067`), and for a partial tile its
/// width W (1-255).
public struct HashTilePath: Sendable, Equatable, CustomStringConvertible {
    /// A full tile holds 2^8 hashes.
    public static let heightBits = 8
    public static let fullWidth = 1 << heightBits

    public var level: Int
    public var index: Int
    public var width: Int

    public init(level: Int, index: Int, width: Int = HashTilePath.fullWidth) {
        self.level = level
        self.index = index
        self.width = width
    }

    public var isPartial: Bool { width < Self.fullWidth }

    /// The path after `tile/`.
    public var description: String {
        var groups: [String] = []
        var n = index
        repeat {
            let group = String(n % 1000)
            groups.insert(String(repeating: "0", count: 3 - group.count) + group, at: 0)
            n /= 1000
        } while n > 0
        let number = groups.enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
        return "\(level)/\(number)" + (isPartial ? ".p/\(width)" : "")
    }

    /// Parses the path after `tile/`; nil unless it is exactly as the spec writes it.
    public init?(path: some StringProtocol) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)[...]
        guard let levelText = parts.popFirst(), let level = Int(levelText), level >= 0, level <= 63, String(level) == levelText else { return nil }
        var width = Self.fullWidth
        if parts.count >= 2, parts[parts.endIndex - 2].hasSuffix(".p") {
            let widthText = parts.removeLast()
            guard let w = Int(widthText), w >= 1, w < Self.fullWidth, String(w) == widthText else { return nil }
            width = w
            parts[parts.endIndex - 1] = parts[parts.endIndex - 1].dropLast(2)
        }
        guard !parts.isEmpty else { return nil }
        var index = 0
        for (position, part) in parts.enumerated() {
            let last = position == parts.count - 1
            let digits = last ? part : (part.hasPrefix("x") ? part.dropFirst() : "")
            guard digits.count == 3, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }), let value = Int(digits), index <= (Int.max - value) / 1000 else {
                return nil
            }
            index = index * 1000 + value
        }
        self.init(level: level, index: index, width: width)
    }
}
