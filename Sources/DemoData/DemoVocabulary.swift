import CaseModel

/// Word lists for synthetic cases. Every name, street and number is invented.
enum DemoVocabulary {
    static let wards: [(name: String, districts: [String])] = [
        ("Acton Central", ["W3"]), ("Ealing Broadway", ["W5"]), ("Ealing Common", ["W5"]),
        ("Hanwell Broadway", ["W7"]), ("Northolt West", ["UB5"]), ("Southall Green", ["UB1", "UB2"]),
        ("Southall Broadway", ["UB1"]), ("Greenford Broadway", ["UB6"]), ("Perivale", ["UB6"]),
        ("Pitshanger", ["W5", "W13"]), ("Northfield", ["W13"]), ("South Acton", ["W3", "W4"]),
    ]
    /// The ward (with its postcode districts) a case was recorded in.
    static func ward(named name: String) -> (name: String, districts: [String]) {
        wards.first { $0.name == name } ?? wards[0]
    }

    static let firstNames = [
        "Amara", "Oliver", "Priya", "Tomasz", "Grace", "Mohammed", "Siobhan", "Kwame", "Eleanor", "Rajesh",
        "Zofia", "Daniel", "Fatima", "Liam", "Harpreet", "Chloe", "Yusuf", "Megan", "Aleksander", "Nadia",
        "Samuel", "Imogen", "Tariq", "Bethany", "Gurpreet", "Callum", "Leila", "Marcus", "Ines", "Patrick",
    ]
    static let surnames = [
        "Okafor", "Whitfield", "Sharma", "Kowalski", "Brennan", "Hussain", "Gallagher", "Mensah", "Ashby", "Patel",
        "Nowak", "Fletcher", "Rahman", "O'Connell", "Sandhu", "Pemberton", "Demir", "Llewellyn", "Wisniewski", "Haddad",
        "Thornbury", "Achebe", "Marlowe", "Grewal", "Kaczmarek", "Holloway", "Begum", "Fairweather", "Quinlan", "Osei",
    ]
    static let streets = [
        "Elmstead Road", "Cranmer Avenue", "Larkspur Close", "Mattock Lane", "Greystoke Gardens", "Wyndham Road",
        "Hatfield Crescent", "Birchwood Way", "Chalfont Street", "Ravensworth Road", "Tennyson Walk", "Kingfisher Court",
    ]
    static let genders = ["female", "male", "female", "male", "non-binary", "prefer not to say"]

    static let narratives: [IncidentType: [String]] = [
        .domesticViolence: [
            "I heard shouting and a woman screaming from the flat next door again last night. {other} was banging on the door of {self}'s neighbour until after midnight."
        ],
        .drugs: [
            "There is dealing from the stairwell most evenings. {other} meets cars by the bins and people come and go every few minutes. Call me on {phone} if you need more."
        ],
        .hateCrime: [
            "{other} shouted racist abuse at me and my children outside our home on {date} and spat at our door. It has happened three times this month."
        ],
        .threatsOfViolence: [
            "{other} told me he would 'sort me out' if I reported the parking again. He said it in front of my neighbour. You can email me at {email}."
        ],
        .unprovokedAttack: ["I was pushed over outside the shops by {other} for no reason. I hurt my wrist. My postcode is {postcode}."],
        .damageToProperty: ["Someone keeps scratching my car and the wing mirror was snapped off on {date}. I think it is {other} from number 14."],
        .harassment: ["{other} keeps knocking on my door late at night and leaving notes. I feel unsafe. My number is {phone}."],
        .peopleCongregating: ["A group of young people gather in the alley behind {postcode} every night drinking and playing loud music until 2am."],
        .vehicleNuisance: ["An abandoned van has been parked across the dropped kerb for three weeks and cars race along the road after dark."],
        .animalNuisance: ["The dog at the next house barks all day and has got out twice and chased children. The owner {other} will not listen."],
    ]
}
