"""Vocabularies of the demo workbooks: invented or generic word lists and their weights.

Organisation names are built from ``STEM_A``/``STEM_B`` plus a category suffix; people from the
first and last name lists. Nothing here names a real organisation or person.
"""

from __future__ import annotations

from hotpass_assets.lib import records

PROVINCES = records.PROVINCES
PROVINCE_WEIGHTS = {
    "Gauteng": 48,
    "Western Cape": 17,
    "KwaZulu-Natal": 9,
    "Eastern Cape": 6,
    "Free State": 5,
    "Mpumalanga": 5,
    "North West": 4,
    "Limpopo": 4,
    "Northern Cape": 2,
}
# city, two-digit area code
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "Gauteng": (("Johannesburg", "11"), ("Pretoria", "12"), ("Lanseria", "11"), ("Benoni", "11")),
    "Western Cape": (("Cape Town", "21"), ("Stellenbosch", "21"), ("George", "44")),
    "KwaZulu-Natal": (("Durban", "31"), ("Pietermaritzburg", "33"), ("Richards Bay", "35")),
    "Eastern Cape": (("Gqeberha", "41"), ("East London", "43")),
    "Free State": (("Bloemfontein", "51"), ("Welkom", "57")),
    "Limpopo": (("Polokwane", "15"), ("Tzaneen", "15")),
    "Mpumalanga": (("Mbombela", "13"), ("Middelburg", "13"), ("Secunda", "17")),
    "North West": (("Rustenburg", "14"), ("Potchefstroom", "18")),
    "Northern Cape": (("Kimberley", "53"), ("Upington", "54")),
}
AREA_ALIASES: dict[str, tuple[str, ...]] = {
    "Gauteng": ("GP", "Gauteng ", "Johannesburg", "Pretoria"),
    "KwaZulu-Natal": ("Kwa-Zulu Natal", "KZN", "Kwazulu Natal", "Kwa-Zulu Natal"),
    "Western Cape": ("W Cape", "WCape", "Western Cape "),
    "Eastern Cape": ("E Cape",),
}
MOBILE_PREFIXES = ("60", "61", "71", "72", "73", "74", "76", "78", "79", "81", "82", "83", "84")

FIRST_NAMES = (
    "Thabo", "Lerato", "Sipho", "Naledi", "Johan", "Annelie", "Pieter", "Marisa", "Ravi", "Priya",
    "Kagiso", "Zanele", "Lwazi", "Ayanda", "Ruan", "Carla", "Mandla", "Refilwe", "Dewald", "Nadia",
    "Tumelo", "Busi", "Francois", "Michelle", "Vusi", "Palesa", "Grant", "Leigh", "Sello", "Ilse",
    "Musa", "Karabo", "Zoë", "René", "Tarryn", "Bongani",
)  # fmt: skip
LAST_NAMES = (
    "Mokoena", "Dlamini", "Naidoo", "Botha", "Pretorius", "Nkosi", "Khumalo", "van Wyk", "du Toit",
    "Mahlangu", "Pillay", "Ndlovu", "Smit", "Molefe", "Jacobs", "Fourie", "Sithole", "Maseko",
    "Coetzee", "Govender", "Baloyi", "Kruger", "Mthembu", "Venter", "O'Brien", "le Roux",
    "Hendricks", "Adams", "Ferreira", "Zulu",
)  # fmt: skip
NICKNAMES = ("Skip", "Doc", "Mac", "Ace", "Tiny", "Sparky")
AVIATION_ROLES = (
    "Chief Flying Instructor", "Head of Training", "Accountable Manager", "Owner",
    "Operations Manager", "Quality Manager", "Managing Director", "Bookings", "CFI",
    "Flight Instructor", "Maintenance Manager", "Admin", "Director",
)  # fmt: skip
OTHER_ROLES = (
    "Owner", "Managing Director", "Team Manager", "Procurement", "Financial Manager",
    "Sales Manager", "Director", "Accounts", "Broker", "Underwriting Manager",
)  # fmt: skip
ORG_DESKS = ("Reception", "Bookings", "Admin office", "Front desk", "Operations")

STEM_A = (
    "Kudu", "Karoo", "Highveld", "Lowveld", "Bushveld", "Blue Crane", "Protea", "Kestrel",
    "Fish Eagle", "Jacaranda", "Baobab", "Marula", "Impala", "Sable", "Oryx", "Hornbill",
    "Sunbird", "Harrier", "Osprey", "Skyward", "Summit", "Meridian", "Zenith", "Polaris",
    "Cumulus", "Stratus", "Tailwind", "Crosswind", "Apex", "Vector", "Thermal", "Dune", "Coastal",
    "Lakeside", "Red Rock", "Silverwing", "Amber", "Granite", "Nyala", "Klipspringer", "Aloe",
    "Fynbos", "Quagga", "Mopane", "Acacia", "Ridgeback", "Rooikat", "Bateleur", "Springhaas",
    "Waterbuck", "Tsessebe", "Suikerbos",
)  # fmt: skip
STEM_B = ("Sky", "Air", "Wings", "Horizon", "Valley", "Ridge", "Peak", "Bay", "Plains", "Creek")
SUFFIXES: dict[str, tuple[str, ...]] = {
    "Flight School": (
        "Flight School", "Flight School", "Flight School", "Flight Academy", "Flight Training",
        "Aviation Academy", "Aero Club",
    ),
    "AMO": ("Aircraft Maintenance", "Aero Engineering", "Avionics", "Aero Technics"),
    "AMO - Heli": ("Helicopter Maintenance", "Rotorcraft Engineering"),
    "Charter": ("Air Charter", "Airways", "Air Charter and Tours"),
    "Charter - Heli": ("Helicopters", "Heli Charter"),
    "Motorsport": ("Motorsport", "Racing", "Performance", "Race Engineering", "Motors"),
    "Brokers": ("Insurance Brokers", "Risk Brokers"),
    "Insurance": ("Insurance", "Assurance"),
    "Underwriter": ("Underwriting Managers", "Underwriters"),
}  # fmt: skip
#: log-odds added to the customer propensity per category (the rest: 0)
CATEGORY_EFFECT = {
    "AMO": 1.0,
    "AMO - Heli": 1.0,
    "Charter": 1.0,
    "Motorsport": 0.6,
    "Brokers": -0.4,
    "Insurance": -0.4,
    "Underwriter": -0.4,
}
AVIATION_CATEGORIES = ("Flight School", "AMO", "AMO - Heli", "Charter", "Charter - Heli")
AVIATION_WEIGHTS = (58, 18, 8, 10, 6)
OTHER_CATEGORIES = ("Motorsport", "Brokers", "Insurance", "Underwriter")
OTHER_WEIGHTS = (65, 15, 10, 10)
ORG_TYPES: dict[str, tuple[str, ...]] = {
    "Flight School": ("Fixed-wing", "Fixed-wing", "Fixed-wing", "Fixed-wing and Helicopter",
                      "Microlight/LSA", "Ground/Sim", "Gyroplane"),
    "AMO": ("AMO", "Fixed-wing"),
    "AMO - Heli": ("Helicopter", "AMO"),
    "Charter": ("Fixed-wing", "Fixed-wing (business jets for charter, single-engine for training)"),
    "Charter - Heli": ("Helicopter", "Helicopter (+FW)"),
}  # fmt: skip
PLANES = (
    "Cessna 172", "Cessna 152", "Cessna 182", "Piper PA-28", "Piper PA-34 Seneca", "Robinson R44",
    "Robinson R22", "Sling 2", "Sling 4", "Diamond DA40", "Diamond DA42", "Beechcraft Baron",
    "Jabiru J430", "Bell 206", "Airbus H125", "Tecnam P2008", "Foxbat A22", "Piper J-3 Cub",
)  # fmt: skip
NBH = "\u2011"  # non-breaking hyphen
DESCRIPTIONS = (
    f"Part{NBH}141 training organisation; PPL, CPL and instructor ratings.",
    f"Non{NBH}profit aero club with self{NBH}fly hire.",
    f"Ab{NBH}initio to commercial; night and instrument ratings.",
    "Helicopter training and game-capture support.",
    f"Charter and aerial work – multi{NBH}engine.",
    "Maintenance of light piston aircraft; avionics bench.",
    f"Tail{NBH}dragger conversions and aerobatics (weekend only).",
    "Type ratings and recurrent training.",
)
STREETS = (
    "Runway Road", "Hangar Street", "Apron Avenue", "Taxiway Lane", "Piston Crescent",
    "Propeller Drive", "Windsock Way", "Airfield Road", "Industrial Drive", "Pit Lane",
)  # fmt: skip
NOTES = (
    "Asked for a call back next week",
    "Prefers WhatsApp",
    "Call after 14:00",
    "Requested a quote",
    f"Follow{NBH}up in March",
    "Moved to new hangar ",
)
LEGAL_SUFFIXES = ("(Pty) Ltd", "(Pty) Ltd", "Pty Ltd", "(PTY) LTD", "CC", "Ltd")
WEB_STYLES = (
    "https://www.{d}",
    "https://www.{d}",
    "https://{d}",
    "http://www.{d}",
    "https://www.{d}/",
    "https://{d}/contact-us/",
    "https://www.{d}/index.php?page=home&lang=en",
    "https://www.{d}/#contact",
    "www.{d}",
)
EXTERNAL_ACCOUNTS = (
    "Trading", "Auto Spares", "Engineering Works", "Hardware", "Logistics", "Panelbeaters",
    "Tyres", "Couriers",
)  # fmt: skip
SCRAP_WORDS = ("Ironwood", "Saltpan", "Windmill", "Kopje", "Riverbend", "Tumbleweed", "Vlei")
