"""Tests of the per-cell normalisers. All values are invented."""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib import normalise as n
from hotpass_assets.lib.normalise import (
    FREE_MAIL_DOMAINS,
    PROVINCES,
    EmailResult,
    Person,
    PhoneResult,
    ProvinceResult,
    WebsiteResult,
    clean_text,
    email_domain,
    is_placeholder,
    normalise_province,
    normalise_website,
    organisation_key,
    organisation_tokens,
    parse_date,
    parse_emails,
    parse_phones,
    split_list,
    split_multi,
    split_people,
)
from hotpass_assets.lib.records import PROVINCES as RECORD_PROVINCES

settings.register_profile(
    "normalise",
    deadline=None,
    max_examples=150,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FAST = settings(settings.get_profile("normalise"))

# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Acme\u00a0Aviation  ", "Acme Aviation"),
        ("Acme \t\n  Aviation", "Acme Aviation"),
        ("Ａｃｍｅ", "Acme"),  # full-width letters fold under NFKC
        ("Ac\u200bme", "Acme"),
        ("Alpha\x00Beta", "AlphaBeta"),  # NUL (an XLSX ``_x0000_``) and other controls go
        ("\x01Acme\x7f \x1c Aviation\x85", "Acme Aviation"),  # separators are whitespace
        ("Zoë\x9f", "Zoë"),
        ("\x00\x07", None),
        ("", None),
        ("   ", None),
        ("\u00a0", None),
        (None, None),
        (float("nan"), None),
        ("—", None),
        ("-", None),
        ("N/A", None),
        ("none", None),
        ("TBC", None),
        (5, "5"),
        (5.0, "5"),
        (2.5, "2.5"),
        (dt.date(2024, 3, 5), "2024-03-05"),
        (dt.datetime(2024, 3, 5), "2024-03-05"),
    ],
)
def test_clean_text(value: object, expected: str | None) -> None:
    assert clean_text(value) == expected


def test_is_blank() -> None:
    for value in (None, "", " \t", "\x00", "\u200b\x07", float("nan")):
        assert n.is_blank(value)
    for value in ("-", "n/a", "0", "x\x00"):
        assert not n.is_blank(value)


def test_is_placeholder() -> None:
    for value in (None, "", " ", "—", "–", "-", "n/a", "N/A", "none", "tbc", float("nan")):
        assert is_placeholder(value)
    for value in ("Acme", "0", "x"):
        assert not is_placeholder(value)


def test_split_multi_and_list() -> None:
    assert split_multi("a; b ,, c/d|e\nf") == ["a", "b", "c", "d", "e", "f"]
    assert split_multi("a; b", separators=";") == ["a", "b"]
    assert split_multi("a;-; b") == ["a", "b"]
    assert split_multi(None) == []
    assert split_multi("n/a") == []
    assert split_list("C172; c172 , PA-28/\nPA-28 ; Robinson R44") == [
        "C172",
        "PA-28",
        "Robinson R44",
    ]
    assert split_list(" Cessna 152\u00a0,cessna  152") == ["Cessna 152"]
    assert split_list(float("nan")) == []


# --- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "27821234567",
        "27821234567.0",
        "+27 82 123 4567",
        "082 123 4567",
        "082-123-4567",
        "(082) 123 4567",
        "+27 (0)82 123 4567",
        "0027 82 123 4567",
        "821234567",  # leading 0 lost by a numeric reader
        "2.7821234567E10",
        "2.7821234567e+10",
        "Cell: 082 123 4567",
        "\u00a0082\u00a0123\u00a04567 ",
        27821234567,
        27821234567.0,
        2.7821234567e10,
        821234567,
    ],
)
def test_parse_phones_forms_of_one_number(value: object) -> None:
    assert parse_phones(value) == PhoneResult(["+27821234567"], [])


def test_parse_phones_several_numbers() -> None:
    assert parse_phones("+27 11 123 4567 / 082 123 4567").valid == ["+27111234567", "+27821234567"]
    assert parse_phones("011 123 4567; 082 123 4567, 021 123 4567").valid == [
        "+27111234567",
        "+27821234567",
        "+27211234567",
    ]
    assert parse_phones("082 123 4567 or 083 123 4567").valid == ["+27821234567", "+27831234567"]
    assert parse_phones("082 123 4567\n083 123 4567").valid == ["+27821234567", "+27831234567"]
    assert parse_phones("082 123 4567 083 765 4321").valid == ["+27821234567", "+27837654321"]
    # the same number twice is kept once
    assert parse_phones("082 123 4567 / +27821234567").valid == ["+27821234567"]
    # "4567/8": the alternative differs in the last digit
    assert parse_phones("011 123 4567/8").valid == ["+27111234567", "+27111234568"]


def test_parse_phones_extension_is_dropped() -> None:
    assert parse_phones("011 123 4567 ext 123").valid == ["+27111234567"]


def test_parse_phones_rejects_keep_raw_and_reason() -> None:
    result = parse_phones("12345")
    assert result.valid == []
    assert len(result.rejected) == 1
    raw, reason = result.rejected[0]
    assert raw == "12345"
    assert reason
    result = parse_phones("082 123 4567; 999")
    assert result.valid == ["+27821234567"]
    assert [raw for raw, _ in result.rejected] == ["999"]
    assert parse_phones("ask at reception").rejected == [("ask at reception", "no digits")]
    # a float rendering that lost digits is not repaired into a wrong number
    result = parse_phones("2.78212346E10")
    assert result.valid == []
    assert "float" in result.rejected[0][1]
    assert parse_phones(dt.datetime(2024, 3, 5)).rejected


@pytest.mark.parametrize(
    "value", [None, float("nan"), "", " ", "—", "-", "n/a", "none", "TBC", "0"]
)
def test_parse_phones_placeholders_are_empty(value: object) -> None:
    assert parse_phones(value) == PhoneResult([], [])


def test_parse_phones_foreign_and_region() -> None:
    assert parse_phones("+44 7911 123456").valid == ["+447911123456"]
    assert parse_phones("447911123456.0").valid == ["+447911123456"]  # "+" lost to a float
    assert parse_phones("081 123 4567", region="NA").valid == ["+264811234567"]
    assert parse_phones("081 123 4567", region="na").valid == ["+264811234567"]


def test_parse_phones_returns_fresh_lists() -> None:
    first = parse_phones("082 123 4567")
    first.valid.append("mutated")
    assert parse_phones("082 123 4567").valid == ["+27821234567"]


@pytest.mark.parametrize(("region", "code"), [("ZA", "27"), ("DE", "49"), ("NA", "264")])
def test_fast_phone_path_agrees_with_phonenumbers(region: str, code: str) -> None:
    rng = random.Random(20240305)
    for _ in range(4000):
        body = rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(8))
        body = body[: rng.randint(6, 9)] + body[9:]
        plus = rng.random() < 0.5
        digits = code + body if plus else "0" + body
        fast = n._fast_e164(digits, plus, region)
        number = phonenumbers.parse(("+" if plus else "") + digits, region)
        full = (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(number)
            else None
        )
        assert fast == full, digits


# --- e-mails -----------------------------------------------------------------------------------


def test_parse_emails_examples() -> None:
    assert parse_emails("jane@acme.co.za; john@acme.co.za") == EmailResult(
        ["jane@acme.co.za", "john@acme.co.za"], []
    )
    assert parse_emails("\u00a0 Jane.Doe@Acme.CO.ZA ").valid == ["jane.doe@acme.co.za"]
    assert parse_emails(
        "a@acme.co.za, b@acme.co.za / c@acme.co.za | d@acme.co.za e@acme.co.za"
    ).valid == [
        "a@acme.co.za",
        "b@acme.co.za",
        "c@acme.co.za",
        "d@acme.co.za",
        "e@acme.co.za",
    ]
    assert parse_emails("Jane Doe <jane@acme.co.za>").valid == ["jane@acme.co.za"]
    assert parse_emails("mailto:jane@acme.co.za").valid == ["jane@acme.co.za"]
    assert parse_emails("E-mail: jane@acme.co.za").valid == ["jane@acme.co.za"]
    assert parse_emails("(jane@acme.co.za)").valid == ["jane@acme.co.za"]
    assert parse_emails("jane@acme.co.za; JANE@acme.co.za").valid == ["jane@acme.co.za"]


def test_parse_emails_facebook_url_is_rejected_whole() -> None:
    result = parse_emails("https://www.facebook.com/acme.aviation")
    assert result.valid == []
    assert result.rejected == [
        ("https://www.facebook.com/acme.aviation", "URL, not an e-mail address")
    ]
    result = parse_emails("info@acme.co.za; facebook.com/acmeaviation")
    assert result.valid == ["info@acme.co.za"]
    assert result.rejected == [("facebook.com/acmeaviation", "URL, not an e-mail address")]


@pytest.mark.parametrize(
    "junk", ["jane@acme", "jane@@acme.co.za", "jane.acme.co.za", "@acme.co.za"]
)
def test_parse_emails_junk_is_rejected(junk: str) -> None:
    result = parse_emails(junk)
    assert result.valid == []
    assert len(result.rejected) == 1
    assert result.rejected[0][1]


@pytest.mark.parametrize("value", [None, float("nan"), "", "—", "-", "n/a", "none"])
def test_parse_emails_placeholders_are_empty(value: object) -> None:
    assert parse_emails(value) == EmailResult([], [])


def test_email_domain_and_free_mail() -> None:
    assert email_domain("jane@acme.co.za") == "acme.co.za"
    assert email_domain("jane@mail.acme.co.za") == "acme.co.za"
    assert email_domain("Jane@GMAIL.com") == "gmail.com"
    assert email_domain(None) is None
    assert email_domain("no-at-sign") is None
    for domain in ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"):
        assert domain in FREE_MAIL_DOMAINS
    for domain in ("mweb.co.za", "telkomsa.net", "webmail.co.za", "vodamail.co.za", "iafrica.com"):
        assert domain in FREE_MAIL_DOMAINS
    assert "acme.co.za" not in FREE_MAIL_DOMAINS


# --- websites ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "url", "domain"),
    [
        ("www.acme.co.za", "https://acme.co.za", "acme.co.za"),
        ("WWW.ACME.CO.ZA/", "https://acme.co.za", "acme.co.za"),
        ("http://www.Acme.co.za/About/?utm=x#top", "http://acme.co.za/About", "acme.co.za"),
        ("https://acme.co.za/flight-school/", "https://acme.co.za/flight-school", "acme.co.za"),
        ("https://bookings.acme.co.za", "https://bookings.acme.co.za", "acme.co.za"),
        ("acme.com:443", "https://acme.com", "acme.com"),
        ("acme.co.za (new site)", "https://acme.co.za", "acme.co.za"),
        ("acme.wixsite.com/home", "https://acme.wixsite.com/home", "acme.wixsite.com"),
        # a social page is a website, but its domain is no evidence of the organisation
        ("https://www.facebook.com/AcmeAviation", "https://facebook.com/AcmeAviation", None),
    ],
)
def test_normalise_website(value: str, url: str, domain: str | None) -> None:
    assert normalise_website(value) == WebsiteResult(url, domain, None)


@pytest.mark.parametrize(
    "value", ["info@acme.co.za", "under construction", "acme", "ftp://acme.co.za"]
)
def test_normalise_website_rejects(value: str) -> None:
    result = normalise_website(value)
    assert result.url is None
    assert result.domain is None
    assert result.rejected


@pytest.mark.parametrize("value", [None, float("nan"), "", "—", "n/a"])
def test_normalise_website_empty(value: object) -> None:
    assert normalise_website(value) == WebsiteResult(None, None, None)


# --- provinces ---------------------------------------------------------------------------------


def test_provinces_are_reexported() -> None:
    assert PROVINCES is RECORD_PROVINCES
    assert len(PROVINCES) == 9


@pytest.mark.parametrize(
    ("value", "province"),
    [
        ("Kwa-Zulu Natal", "KwaZulu-Natal"),
        ("KZN", "KwaZulu-Natal"),
        ("kwazulu natal", "KwaZulu-Natal"),
        ("Kwazulu-Natal", "KwaZulu-Natal"),
        ("KwaZulu Natal", "KwaZulu-Natal"),
        ("W Cape", "Western Cape"),
        ("WCape", "Western Cape"),
        ("western cape", "Western Cape"),
        ("GP", "Gauteng"),
        ("gauteng ", "Gauteng"),
        ("Pretoria", "Gauteng"),
        ("Johannesburg", "Gauteng"),
        ("Cape Town", "Western Cape"),
        ("Durban", "KwaZulu-Natal"),
        ("Gauteng (Pretoria)", "Gauteng"),
        ("North-West", "North West"),
        ("Northwest", "North West"),
        ("EC", "Eastern Cape"),
        ("Free State", "Free State"),
        ("Orange Free State", "Free State"),
        ("Mpumalanga", "Mpumalanga"),
        ("Limpopo", "Limpopo"),
        ("N Cape", "Northern Cape"),
    ],
)
def test_normalise_province(value: str, province: str) -> None:
    assert normalise_province(value) == ProvinceResult(province, None)


def test_normalise_province_unmapped_keeps_raw() -> None:
    assert normalise_province("Unknown") == ProvinceResult(None, "Unknown")
    assert normalise_province(" Unknown ") == ProvinceResult(None, "Unknown")
    assert normalise_province("Atlantis") == ProvinceResult(None, "Atlantis")
    # two provinces named: ambiguous
    assert normalise_province("Durban / Johannesburg") == ProvinceResult(
        None, "Durban / Johannesburg"
    )
    assert normalise_province(None) == ProvinceResult(None, None)
    assert normalise_province("  ") == ProvinceResult(None, None)


# --- people ------------------------------------------------------------------------------------


def test_split_people_reference_example() -> None:
    assert split_people('Jane Doe (Chief Flying Instructor); John "JJ" Smith — CEO') == [
        Person("Jane Doe", "Jane", "Doe", "Chief Flying Instructor"),
        Person("John Smith", "John", "Smith", "CEO"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jane Doe (Owner)", [Person("Jane Doe", "Jane", "Doe", "Owner")]),
        ("Jane Doe — Owner", [Person("Jane Doe", "Jane", "Doe", "Owner")]),
        ("Jane Doe – Owner", [Person("Jane Doe", "Jane", "Doe", "Owner")]),
        ("Jane Doe - Owner", [Person("Jane Doe", "Jane", "Doe", "Owner")]),
        ("Jane Doe-Smith", [Person("Jane Doe-Smith", "Jane", "Doe-Smith", None)]),
        ("Jane Doe, CEO", [Person("Jane Doe", "Jane", "Doe", "CEO")]),
        ("CFI: Jane Doe", [Person("Jane Doe", "Jane", "Doe", "CFI")]),
        (
            "Chief Flying Instructor (Jane Doe)",
            [Person("Jane Doe", "Jane", "Doe", "Chief Flying Instructor")],
        ),
        ('John "JJ" Smith', [Person("John Smith", "John", "Smith", None)]),
        ("John “JJ” Smith", [Person("John Smith", "John", "Smith", None)]),
        ("John 'JJ' Smith", [Person("John Smith", "John", "Smith", None)]),
        ("Dr Jane Doe", [Person("Jane Doe", "Jane", "Doe", None)]),
        ("Capt. John Smith (Owner)", [Person("John Smith", "John", "Smith", "Owner")]),
        ("Mrs Doe", [Person("Doe", None, "Doe", None)]),
        ("Jane", [Person("Jane", "Jane", None, None)]),
        (
            "Jan Hendrik van der Merwe",
            [Person("Jan Hendrik van der Merwe", "Jan Hendrik", "van der Merwe", None)],
        ),
        ("Sean O'Brien", [Person("Sean O'Brien", "Sean", "O'Brien", None)]),
        ("Jane Doe — Owner & CFI", [Person("Jane Doe", "Jane", "Doe", "Owner & CFI")]),
        ("Jane Doe — Owner/Chief Pilot", [Person("Jane Doe", "Jane", "Doe", "Owner/Chief Pilot")]),
        ("Jane Doe (Owner & CFI)", [Person("Jane Doe", "Jane", "Doe", "Owner & CFI")]),
        ("\u00a0Jane\u00a0Doe\u00a0(Owner) ", [Person("Jane Doe", "Jane", "Doe", "Owner")]),
    ],
)
def test_split_people_one(value: str, expected: list[Person]) -> None:
    assert split_people(value) == expected


def test_split_people_several() -> None:
    jane, john = (
        Person("Jane Doe", "Jane", "Doe", None),
        Person("John Smith", "John", "Smith", None),
    )
    for value in (
        "Jane Doe; John Smith",
        "Jane Doe\nJohn Smith",
        "Jane Doe and John Smith",
        "Jane Doe & John Smith",
        "Jane Doe / John Smith",
    ):
        assert split_people(value) == [jane, john], value
    assert split_people("Jane Doe (CFI) and John Smith (Owner)") == [
        Person("Jane Doe", "Jane", "Doe", "CFI"),
        Person("John Smith", "John", "Smith", "Owner"),
    ]
    assert split_people("Jane & John Smith") == [
        Person("Jane Smith", "Jane", "Smith", None),
        Person("John Smith", "John", "Smith", None),
    ]
    # a separator inside the brackets belongs to the role
    assert split_people("Jane Doe (Owner; CFI); John Smith") == [
        Person("Jane Doe", "Jane", "Doe", "Owner; CFI"),
        Person("John Smith", "John", "Smith", None),
    ]
    assert split_people("Jane Doe; Jane Doe") == [Person("Jane Doe", "Jane", "Doe", None)]


@pytest.mark.parametrize(
    "value",
    [None, float("nan"), "", "—", "n/a", "Reception", "Not listed publicly", "jane@acme.co.za"],
)
def test_split_people_no_person(value: object) -> None:
    assert split_people(value) == []


# --- organisation names ------------------------------------------------------------------------


def test_organisation_key_reference_example() -> None:
    keys = {
        organisation_key(name)
        for name in (
            "Acme Aviation (Pty) Ltd",
            "ACME AVIATION PTY LTD",
            "Acme Aviation",
            "Acme Aviation (Pty)Ltd",
            "Acme Aviation Pty. Ltd.",
            "Acme Avn Ltd",
            "  Acme\u00a0Aviation  Limited",
            "Acme Aviation CC",
            "Acme Aviation Proprietary Limited",
        )
    }
    assert keys == {"acme aviation"}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("A & B Intl Flight School", "a and b international flight school"),
        ("A and B International Flight School NPC", "a and b international flight school"),
        ("Acme Flying School", "acme flying school"),  # flying and flight stay distinct
        ("Zürich Aëro Club", "zurich aero club"),
        ("S.A. Flyers Inc", "sa flyers"),
        ("Pilot's Hangar SOC Ltd", "pilots hangar"),
        ("Acme (RF) NPC", "acme"),
        ("Acme Holdings (Pty) Ltd t/a Blue Sky Flight Academy", "blue sky flight academy"),
        ("Acme (Pty) Ltd (2010/123456/07)", "acme"),
        ("Ltd", "ltd"),
        ("", None),
        (None, None),
        ("—", None),
    ],
)
def test_organisation_key(name: object, key: str | None) -> None:
    assert organisation_key(name) == key


def test_organisation_tokens() -> None:
    assert organisation_tokens("Acme Flight School (Pty) Ltd") == ["acme"]
    assert organisation_tokens("Acme Flying Academy") == ["acme"]
    assert organisation_tokens("The Blue Crane Aero Club") == ["blue", "crane"]
    assert organisation_tokens("Aero Club") == ["aero", "club"]  # all noise: kept
    assert organisation_tokens(None) == []


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "05/03/2024",
        "5/3/2024",
        "05-03-2024",
        "05-03-24",
        "05.03.2024",
        "2024-03-05",
        "2024/03/05",
        "2024-03-05 00:00:00",
        "2024-03-05T10:30:00",
        "20240305",
        "5 March 2024",
        "05-Mar-2024",
        "March 5, 2024",
        "05/03/2024 14:00",
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 10, 30),
    ],
)
def test_parse_date(value: object) -> None:
    assert parse_date(value) == dt.date(2024, 3, 5)


def test_parse_date_serials_only_when_asked() -> None:
    assert parse_date(45356) is None
    assert parse_date("45356") is None
    assert parse_date(45356, allow_serial=True) == dt.date(2024, 3, 5)
    assert parse_date(45356.75, allow_serial=True) == dt.date(2024, 3, 5)
    assert parse_date("45356", allow_serial=True) == dt.date(2024, 3, 5)
    assert parse_date(-1, allow_serial=True) is None


@pytest.mark.parametrize(
    "value", [None, float("nan"), "", "n/a", "31/02/2024", "13/13/2024", "someday", True]
)
def test_parse_date_invalid(value: object) -> None:
    assert parse_date(value) is None


# --- properties --------------------------------------------------------------------------------

any_cell = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.text(alphabet=" ;,/|&\n\t\u00a0()[]<>\"'@.:-—–+0123456789abcXYZ", max_size=60),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(),
    st.dates(),
    st.booleans(),
)

ALL_FUNCTIONS = [
    clean_text,
    split_multi,
    split_list,
    parse_phones,
    parse_emails,
    normalise_website,
    normalise_province,
    split_people,
    organisation_key,
    organisation_tokens,
    parse_date,
    lambda v: parse_date(v, allow_serial=True),
    is_placeholder,
    lambda v: email_domain(v if isinstance(v, str) else None),
    lambda v: parse_phones(v, region="GB"),
]


@FAST
@given(any_cell)
def test_no_function_crashes(value: object) -> None:
    for function in ALL_FUNCTIONS:
        function(value)


@FAST
@given(st.text())
def test_clean_text_idempotent(value: str) -> None:
    once = clean_text(value)
    assert clean_text(once) == once
    if once is not None:
        assert once == once.strip()
        assert "  " not in once
        assert not any(unicodedata.category(c) == "Cc" for c in once)  # no control character


@FAST
@given(
    st.one_of(st.text(), st.text(alphabet="Acme Flight School (Pty) Ltd &.'’-/ÉéñCC", max_size=50))
)
def test_organisation_key_idempotent(name: str) -> None:
    key = organisation_key(name)
    if key is not None:
        assert organisation_key(key) == key
        assert key == key.strip()
        assert key.isascii()


@FAST
@given(any_cell)
def test_parse_phones_output_parses_to_itself(value: object) -> None:
    for number in parse_phones(value).valid:
        assert parse_phones(number) == PhoneResult([number], [])


def _valid_za_numbers() -> list[str]:
    numbers = []
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type("ZA", kind)
        numbers.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return numbers


za_national = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(
        [
            "11",
            "12",
            "21",
            "31",
            "41",
            "51",
            "60",
            "71",
            "72",
            "73",
            "74",
            "76",
            "79",
            "81",
            "82",
            "83",
            "84",
        ]
    ),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)


@FAST
@given(za_national)
def test_phone_round_trip_through_national_format(national: str) -> None:
    e164 = "+27" + national
    assume(phonenumbers.is_valid_number(phonenumbers.parse(e164)))
    parsed = phonenumbers.parse(e164)
    assert parse_phones(e164).valid == [e164]
    for fmt in (
        phonenumbers.PhoneNumberFormat.NATIONAL,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    ):
        text = phonenumbers.format_number(parsed, fmt)
        assert parse_phones(text).valid == [e164], text
    # what a numeric reader makes of the number
    assert parse_phones(f"27{national}.0").valid == [e164]
    assert parse_phones(float(f"27{national}")).valid == [e164]
    assert parse_phones(national).valid == [e164]


def test_phone_examples_round_trip() -> None:
    for e164 in _valid_za_numbers():
        assert parse_phones(e164).valid == [e164]


email_local = st.from_regex(r"[a-z0-9_][a-z0-9_+-]{0,10}(\.[a-z0-9_+-]{1,8}){0,2}", fullmatch=True)
email_host = st.from_regex(r"([a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\.){1,3}", fullmatch=True)
email_tld = st.sampled_from(["com", "co.za", "org.za", "net", "aero", "africa"])
addresses = st.builds(lambda a, b, c: f"{a}@{b}{c}", email_local, email_host, email_tld)


@FAST
@given(
    st.lists(addresses, min_size=1, max_size=4),
    st.sampled_from(["; ", ",", " / ", " | ", "\n", " "]),
)
def test_parse_emails_generated_addresses(emails: list[str], separator: str) -> None:
    cell = separator.join(e.upper() if i % 2 else e for i, e in enumerate(emails))
    result = parse_emails(cell)
    assert result.rejected == []
    assert result.valid == list(dict.fromkeys(emails))


@FAST
@given(any_cell)
def test_parse_emails_output_parses_to_itself(value: object) -> None:
    valid = parse_emails(value).valid
    if valid:
        assert parse_emails("; ".join(valid)) == EmailResult(valid, [])
        for email in valid:
            assert email == email.lower()


website_tokens = st.builds(
    lambda scheme, www, host, tld, path, query: f"{scheme}{www}{host}.{tld}{path}{query}",
    st.sampled_from(["", "http://", "https://", "HTTPS://"]),
    st.sampled_from(["", "www.", "WWW."]),
    st.from_regex(
        r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?(\.[a-z0-9]{1,6}){0,2}", fullmatch=True
    ),
    st.sampled_from(["com", "co.za", "org.za", "net", "aero"]),
    st.from_regex(r"(/[A-Za-z0-9._~-]{0,8}){0,3}/?", fullmatch=True),
    st.sampled_from(["", "?a=1", "#top", "?a=1&b=2#x"]),
)


@FAST
@given(st.one_of(website_tokens, st.text(max_size=40)))
def test_normalise_website_idempotent(value: str) -> None:
    result = normalise_website(value)
    if result.url is not None:
        assert result.rejected is None
        assert normalise_website(result.url) == result
        assert "?" not in result.url
        assert "#" not in result.url
        assert not result.url.endswith("/")
        assert "://www." not in result.url


@FAST
@given(website_tokens)
def test_normalise_website_generated_urls_are_usable(value: str) -> None:
    result = normalise_website(value)
    assert result.url is not None
    host = result.url.split("/")[2]
    if result.domain is None:
        assert n.registrable_domain(host) in n.SHARED_WEBSITE_DOMAINS
    else:
        assert host.endswith(result.domain)


@FAST
@given(st.sampled_from(PROVINCES), st.sampled_from([str, str.upper, str.lower, str.title]))
def test_normalise_province_canonical(province: str, case) -> None:
    assert normalise_province(province) == ProvinceResult(province, None)
    assert normalise_province(f"  {case(province)} ") == ProvinceResult(province, None)


@FAST
@given(st.text(max_size=30))
def test_normalise_province_closed_vocabulary(value: str) -> None:
    result = normalise_province(value)
    assert result.province is None or result.province in PROVINCES
    assert result.province is None or result.raw is None


@FAST
@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_date_round_trip(day: dt.date) -> None:
    assert parse_date(f"{day.day:02d}/{day.month:02d}/{day.year:04d}") == day
    assert parse_date(f"{day.day}.{day.month}.{day.year:04d}") == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.isoformat()} 00:00:00") == day


@FAST
@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_excel_serial_round_trip(day: dt.date) -> None:
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(serial, allow_serial=True) == day
    assert parse_date(float(serial), allow_serial=True) == day


@FAST
@given(any_cell)
def test_split_people_names_are_clean(value: object) -> None:
    for person in split_people(value):
        assert person.full_name
        assert person.full_name == clean_text(person.full_name)
        assert person.first_name or person.last_name
        parts = [p for p in (person.first_name, person.last_name) if p]
        assert " ".join(parts) == person.full_name


@FAST
@given(any_cell)
def test_split_list_has_no_case_duplicates(value: object) -> None:
    items = split_list(value)
    assert len({i.casefold() for i in items}) == len(items)
    assert all(i == clean_text(i) for i in items)


def test_non_string_inputs() -> None:
    assert clean_text(math.inf) == "inf"
    assert organisation_key(12345) == "12345"
    assert normalise_province(7) == ProvinceResult(None, "7")
    assert split_people(42) == []
    assert parse_emails(3.5) == EmailResult([], [("3.5", "not an e-mail address")])


# --- column-wide forms agree with the per-value functions --------------------------------------

_NAME_WORDS = [
    "Acme", "Flight", "School", "Aviation", "Avn", "Intl", "Internatl", "Center", "Svcs", "Pty",
    "Ltd", "PTD", "Proprietary", "CC", "Inc", "Incorporated", "Co", "NPC", "The", "Trading",
    "as", "t/a", "S.A.", "&", "+", "O'Neil", "Café", "Ærø", "-", "(Pty)", "Ltd.", "2", "N/A",
    "none", "Unknown", "tbc", "2019/123456/07", "  ", "\u200b", "Jo`s", "handeldrywend",
]  # fmt: skip
name_cells = st.one_of(
    st.none(),
    st.lists(st.sampled_from(_NAME_WORDS), min_size=0, max_size=6).map(" ".join),
    st.text(alphabet="Acme Flight School (Pty) Ltd &.'’-/ÉéñCCavn\t\n", max_size=40),
    st.text(max_size=20),
)


@FAST
@given(st.lists(name_cells, max_size=30))
def test_clean_text_many_equals_clean_text(values: list) -> None:
    assert n.clean_text_many(values) == [clean_text(v) for v in values]


@FAST
@given(st.lists(name_cells, max_size=30))
def test_organisation_keys_equal_organisation_key(values: list) -> None:
    assert n.organisation_keys(values) == [organisation_key(v) for v in values]
    clean = [clean_text(v) for v in values]
    assert n.organisation_keys_of_clean_text(clean) == [organisation_key(v) for v in values]


def test_organisation_keys_examples_and_other_cell_types() -> None:
    names = [
        "Alpha Aviation (Pty) Ltd", "pty ltd abc", "ltd pty x ltd", "ltd ltd", "A Intl Avn Svcs CC",
        "Internatl", "S.A. Flyers", "X t/a Y", "Café Aero", "  -  ", "N/A", "none", "Pty",
        "ABC (PTY) LTD - Branch", "The Center Ltd Pty", None, "", "Ptd Co", "Jo's Air",
        "Alpha Aviation (Pty) Ltd",  # a repeated value
    ]  # fmt: skip
    assert n.organisation_keys(names) == [organisation_key(v) for v in names]
    mixed = [1, 1.0, True, "1", None, dt.date(2024, 1, 2)]
    assert n.organisation_keys(mixed) == [organisation_key(v) for v in mixed]
