import Foundation

/// How a generalise rule coarsens a value.
public enum Generalisation: String, Sendable, Hashable, CaseIterable, Codable {
    /// Date of birth to a band: under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65 and over.
    case ageBand = "age_band"
    /// A date or time to its month, "2026-11".
    case month
    /// A date or time to its year, "2026".
    case year
    /// An address or location to its postcode district, "W5".
    case postcodeDistrict = "postcode_district"
    /// An address or location to its postcode sector, "W5 2".
    case postcodeSector = "postcode_sector"

    var appliesTo: Set<FieldKind> {
        switch self {
        case .ageBand: [.dateOfBirth]
        case .month, .year: [.timestamp, .dateOfBirth]
        case .postcodeDistrict, .postcodeSector: [.address, .location]
        }
    }
}

/// What happens to one field in a partner's view.
public enum FieldRule: Sendable, Hashable, CustomStringConvertible {
    case share
    case omit
    /// Keep the first and last characters, hide the rest.
    case mask(first: Int, last: Int)
    /// A keyed HMAC-SHA256 token, stable per partner, unlinkable across partners.
    case pseudonymise
    case generalise(Generalisation)
    /// Free text with the case's party names, phones, emails, postcodes, NI numbers and dates replaced by placeholders.
    case scrub

    public static let names = ["share", "omit", "mask", "pseudonymise", "generalise", "scrub"]

    public var description: String {
        switch self {
        case .share: "share"
        case .omit: "omit"
        case .mask(let first, let last): "mask(first=\(first), last=\(last))"
        case .pseudonymise: "pseudonymise"
        case .generalise(let g): "generalise(\(g.rawValue))"
        case .scrub: "scrub"
        }
    }

    /// Whether the rule can be applied to a field of this kind.
    public func applies(to kind: FieldKind) -> Bool {
        switch self {
        case .share, .omit: true
        case .mask: [.identifier, .text, .name, .phone, .email].contains(kind)
        case .pseudonymise: [.identifier, .text, .name, .personID, .phone, .email].contains(kind)
        case .generalise(let g): g.appliesTo.contains(kind)
        case .scrub: [.freeText, .location].contains(kind)
        }
    }

    /// Parses `share`, `mask(last=4)`, `generalise(age_band)` and so on. Errors
    /// carry the column offset within `text` where the problem starts.
    public static func parse(_ text: String) -> Result<FieldRule, RuleSyntaxError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let name: Substring
        var argument: Substring?
        if let open = trimmed.firstIndex(of: "(") {
            guard trimmed.hasSuffix(")") else {
                return .failure(.init(offset: trimmed.count - 1, message: "'\(trimmed)' is missing its closing ')'"))
            }
            name = trimmed[..<open]
            argument = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        } else {
            name = Substring(trimmed)
        }
        let argumentOffset = name.count + 1
        switch name {
        case "share", "omit", "pseudonymise", "scrub":
            if let argument, !argument.trimmingCharacters(in: .whitespaces).isEmpty {
                return .failure(.init(offset: argumentOffset, message: "'\(name)' takes no argument"))
            }
            return .success(name == "share" ? .share : name == "omit" ? .omit : name == "scrub" ? .scrub : .pseudonymise)
        case "generalise":
            let level = argument?.trimmingCharacters(in: .whitespaces) ?? ""
            guard let g = Generalisation(rawValue: level) else {
                let options = Generalisation.allCases.map(\.rawValue)
                return .failure(
                    .init(
                        offset: argumentOffset,
                        message: "generalise needs one of \(options.joined(separator: ", "))\(suggestion(for: level, among: options))"
                    )
                )
            }
            return .success(.generalise(g))
        case "mask":
            var first = 0
            var last = 0
            for part in (argument ?? "").split(separator: ",") {
                let pair = part.split(maxSplits: 1, whereSeparator: { $0 == "=" || $0 == ":" }).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, let n = Int(pair[1]), (0...64).contains(n) else {
                    return .failure(.init(offset: argumentOffset, message: "mask takes 'first=N' and/or 'last=N' with N from 0 to 64"))
                }
                switch pair[0] {
                case "first": first = n
                case "last": last = n
                default:
                    return .failure(
                        .init(
                            offset: argumentOffset,
                            message: "mask has no argument '\(pair[0])'\(suggestion(for: pair[0], among: ["first", "last"]))"
                        )
                    )
                }
            }
            guard first + last > 0 else {
                return .failure(.init(offset: argumentOffset, message: "mask must keep at least one character: mask(last=4)"))
            }
            return .success(.mask(first: first, last: last))
        default:
            return .failure(.init(offset: 0, message: "unknown rule '\(name)'\(suggestion(for: String(name), among: names))"))
        }
    }
}

public struct RuleSyntaxError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String
}
