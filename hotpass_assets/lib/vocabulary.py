"""The one organisation-name vocabulary of Hotpass: words that say what *kind* of organisation a
name is rather than *which* one (the aviation profile's hint).

Both the capture stage (``lib.normalise.organisation_tokens``) and the matcher
(``lib.matching.text``) use this list, so a name's core is the same everywhere. The matcher uses
it only for the aviation profile's organisation records; on any other table
(``hotpass dedupe``) it learns the common words from the data instead
(``text.learn_common_words``: term frequencies of the table's names).
"""

#: Kind-of-organisation words of the aviation profile (and generic ones: "the", "company", ...).
PROFILE_NOISE_WORDS: frozenset[str] = frozenset(
    [
        "a",
        "academy",
        "aero",
        "aeroclub",
        "aeronautical",
        "aeronautics",
        "air",
        "aircraft",
        "airline",
        "airlines",
        "airways",
        "amo",
        "an",
        "and",
        "aviation",
        "aviators",
        "avionics",
        "avn",
        "broker",
        "brokers",
        "center",
        "centre",
        "charter",
        "charters",
        "club",
        "co",
        "company",
        "core",
        "engineering",
        "enterprises",
        "flight",
        "flights",
        "fly",
        "flying",
        "group",
        "heli",
        "helicopter",
        "helicopters",
        "holdings",
        "insurance",
        "international",
        "maintenance",
        "motorsport",
        "motorsports",
        "of",
        "sa",
        "school",
        "schools",
        "service",
        "services",
        "solutions",
        "svcs",
        "the",
        "trading",
        "trainer",
        "trainers",
        "training",
        "underwriters",
        "underwriting",
        "x",
    ]
)
