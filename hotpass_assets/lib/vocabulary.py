"""The word lists of Hotpass that both the capture stage (``lib.normalise``) and the matcher
(``lib.matching.text``) use, kept once here so that both read names and addresses alike.

- ``PROFILE_NOISE_WORDS``: words that say what *kind* of organisation a name is rather than
  *which* one (the aviation profile's hint). The matcher uses it only for the aviation profile's
  organisation records; on any other table (``hotpass dedupe``) it learns the common words from
  the data instead (``text.learn_common_words``: term frequencies of the table's names).
- ``LEGAL_FORM_WORDS``: legal-form words removed from the end of an organisation-name key.
- ``NAME_ABBREVIATIONS``: abbreviated spellings unified in organisation-name keys.
- ``FREE_MAIL_DOMAINS``: mailbox providers whose domain says nothing about an organisation.

Each stage adds its own few words to the legal-form and abbreviation lists where its key rules
differ (see ``lib.normalise.organisations`` and ``lib.matching.text``); those additions are
listed next to the rules that use them.
"""

from collections.abc import Mapping
from types import MappingProxyType

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

#: Legal-form words that end an organisation name ("(Pty) Ltd", "CC", "Inc" ...): removed from the
#: end of its matching key.
LEGAL_FORM_WORDS: frozenset[str] = frozenset(
    [
        "bv",
        "cc",
        "corp",
        "gmbh",
        "inc",
        "incorporated",
        "limited",
        "llc",
        "ltd",
        "nfp",
        "npc",
        "plc",
        "proprietary",
        "pty",
        "rf",
        "soc",
    ]
)

#: Abbreviated spellings of organisation-name words, unified before a key is built.
NAME_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "intl": "international",
        "aviatn": "aviation",
        "svc": "services",
        "svcs": "services",
    }
)

#: Free-mail and ISP mailbox domains: an address there says nothing about its organisation.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.za",
        "yahoo.co.uk",
        "ymail.com",
        "rocketmail.com",
        "hotmail.com",
        "hotmail.co.za",
        "hotmail.co.uk",
        "outlook.com",
        "outlook.co.za",
        "live.com",
        "live.co.za",
        "live.co.uk",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.com",
        "gmx.net",
        "mail.com",
        "email.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "zoho.com",
        "yandex.com",
        "tutanota.com",
        "mweb.co.za",
        "telkomsa.net",
        "webmail.co.za",
        "vodamail.co.za",
        "iafrica.com",
        "absamail.co.za",
        "lantic.net",
        "worldonline.co.za",
        "polka.co.za",
        "tiscali.co.za",
        "xsinet.co.za",
        "netactive.co.za",
        "afrihost.co.za",
        "cybersmart.co.za",
        "axxess.co.za",
        "mtnloaded.co.za",
        "wol.co.za",
        "saol.com",
        "mighty.co.za",
        "iburst.co.za",
        "global.co.za",
        "intekom.co.za",
        "icon.co.za",
        "imaginet.co.za",
    ]
)
