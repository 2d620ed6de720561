"""Profiles: schema validation messages, shipped profiles, recognition and header mapping."""

import copy
from pathlib import Path

import pytest
import yaml

from hotpass_assets.lib.profiles import (
    PROFILE_DIR,
    ProfileError,
    available_profiles,
    load_profile,
    load_profiles,
    map_headers,
    select_profile,
    validate_profile_data,
)
from hotpass_assets_tests.lib.workbooks import write_xlsx

SACAA_HEADERS = [
    "Name of Organisation", "Province", "Status", "Website URL", "Contact Person",
    "Contact Number", "Contact Email Address",
]  # fmt: skip


@pytest.fixture
def aviation_data():
    return yaml.safe_load((PROFILE_DIR / "aviation.yaml").read_text())


def write_profile(tmp_path, data, name="custom.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_shipped_profiles_load():
    assert {"aviation", "generic"} <= set(available_profiles())
    aviation = load_profile("aviation")
    assert [k.kind for k in aviation.kinds] == ["sacaa", "reachout", "contact_db"]
    assert {k.kind: k.trust for k in aviation.kinds} == {"sacaa": 3, "reachout": 2, "contact_db": 1}
    generic = load_profile("generic")
    assert generic.is_generic and "Company Name" in generic.generic.synonyms["organisation_name"]
    assert next(p.name for p in load_profiles()) == "aviation"  # highest priority first


def test_aviation_lists_every_real_sheet():
    """Every sheet of the three source workbook kinds (SACAA, ReachOut, contact database) is read
    or deliberately ignored."""
    kinds = {k.kind: k for k in load_profile("aviation").kinds}
    expected = {
        "sacaa": {"Cleaned", "Issues", "Lists"},
        "reachout": {"Organisation", "Contact Info", "Sheet1"},
        "contact_db": {
            "Company_Cat", "Company_Contacts", "Company_Addresses", "10-10-25 Capture",
            "Order Dates", "Company_Notes", "Flight schools", "CAA", "Admin", "Sheet1", "Sheet",
            "Sheet 1", "Aviation Codes", "FL extended",
        },
    }  # fmt: skip
    for name, sheets in expected.items():
        kind = kinds[name]
        listed = {s.sheet for s in kind.sheets} | {i.sheet for i in kind.ignore}
        assert listed == sheets, name
        assert all(i.reason for i in kind.ignore)
    cdb = kinds["contact_db"]
    assert cdb.sheet("Company_Contacts").link.keys[0].column == "Company"
    assert "C_ID" in cdb.sheet("Company_Contacts").ignore_columns
    order_keys = cdb.sheet("Order Dates").link.keys
    assert [(k.target, k.label, k.fuzzy_threshold) for k in order_keys] == [
        ("QuickNooks_Name", "accounting_name", None),
        ("Company", "accounting_name_to_company", 92),
    ]
    reach = kinds["reachout"].sheet("Contact Info")
    assert [k.method for k in reach.link.keys] == ["id", "name"]
    assert reach.fields["contact_phones"].columns == ("Phone", "WhatsApp")


def test_bad_field_name_names_file_path_and_suggestion(tmp_path, aviation_data):
    data = copy.deepcopy(aviation_data)
    data["kinds"][0]["sheets"][0]["fields"]["organisaton_name"] = "Name of Organisation"
    path = write_profile(tmp_path, data)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    err = info.value
    assert err.file.endswith("custom.yaml")
    assert err.path == "$.kinds[0].sheets[0].fields.organisaton_name"
    assert "did you mean 'organisation_name'" in str(err)
    assert "custom.yaml" in str(err)


def test_missing_key_names_file_and_path(tmp_path, aviation_data):
    data = copy.deepcopy(aviation_data)
    del data["kinds"][1]["trust"]
    with pytest.raises(ProfileError) as info:
        load_profile(write_profile(tmp_path, data))
    assert info.value.path == "$.kinds[1]"
    assert "'trust'" in str(info.value) and "custom.yaml" in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "path", "text"),
    [
        (
            lambda d: d["kinds"][0]["sheets"][0]["fields"].update(
                province={"column": "Province", "parser": "phones"}
            ),
            "$.kinds[0].sheets[0].fields.province.parser",
            "does not suit",
        ),
        (
            lambda d: d["kinds"][1]["sheets"][1]["link"].update(sheet="Nope"),
            "$.kinds[1].sheets[1].link.sheet",
            "not a sheet",
        ),
        (
            lambda d: d["kinds"][0]["sheets"][0].update(role="people"),
            "$.kinds[0].sheets[0].role",
            "'people' is not allowed",
        ),
        (
            lambda d: d["kinds"][0]["sheets"][0]["fields"].update(province=3),
            "$.kinds[0].sheets[0].fields.province",
            "is not valid here",
        ),
        (
            lambda d: d["kinds"][0]["recognise"].update(file_name="(unclosed"),
            "$.kinds[0].recognise.file_name",
            "invalid regular expression",
        ),
        (
            lambda d: d["kinds"][1]["sheets"][1].pop("link"),
            "$.kinds[1].sheets[1]",
            "'link'",
        ),
        (
            lambda d: d["kinds"][1]["sheets"][1]["link"]["keys"][0].update(fuzzy_threshold=90),
            "$.kinds[1].sheets[1].link.keys[0].fuzzy_threshold",
            "id keys match exactly",
        ),
        (
            lambda d: d["kinds"][1]["sheets"][1]["link"]["keys"][1].update(link_method="By Name"),
            "$.kinds[1].sheets[1].link.keys[1].link_method",
            "does not match",
        ),
    ],
)
def test_semantic_and_schema_errors(aviation_data, mutate, path, text):
    data = copy.deepcopy(aviation_data)
    mutate(data)
    with pytest.raises(ProfileError) as info:
        validate_profile_data(data, "aviation.yaml")
    assert info.value.path == path
    assert text in str(info.value)
    assert str(info.value).startswith("profile aviation.yaml: ")


def test_invalid_yaml_reports_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nkinds: [\n  - : :\n")
    with pytest.raises(ProfileError, match=r"broken.yaml: \$: invalid YAML \(line"):
        load_profile(path)


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        load_profile("nope")


# --- recognition -------------------------------------------------------------------------------


def sacaa_like(path):
    return write_xlsx(
        path,
        {
            "Cleaned": [SACAA_HEADERS, ["Alpha Flight School", "Gauteng", "Active"]],
            "Issues": [["Row", "Issues"]],
        },
    )


def reachout_like(path):
    return write_xlsx(
        path,
        {
            "Organisation": [["Organisation Name", "ID", "Area"], ["Alpha Aviation", 2, "Gauteng"]],
            "Contact Info": [["ID", "Organisation Name", "Firstname", "Surname"]],
        },
    )


def contact_db_like(path):
    return write_xlsx(
        path,
        {
            "Company_Cat": [["C_ID", "Company", "QuickNooks_Name"], [1, "Alpha Aviation", None]],
            "Company_Contacts": [["C_ID", "Company", "FirstName"]],
        },
    )


@pytest.mark.parametrize(
    ("builder", "kind"),
    [(sacaa_like, "sacaa"), (reachout_like, "reachout"), (contact_db_like, "contact_db")],
)
def test_recognises_aviation_kinds_by_shape(tmp_path, builder, kind):
    path = builder(tmp_path / "drop 2026-01-01.xlsx")  # neutral file name: shape decides
    profile, found = select_profile(path)
    assert (profile.name, found) == ("aviation", kind)


def test_recognises_by_file_name_and_falls_back_to_generic(tmp_path):
    path = write_xlsx(tmp_path / "SACAA flight schools 2026.xlsx", {"Other": [["a", "b"]]})
    assert select_profile(path)[1] == "sacaa"
    other = write_xlsx(tmp_path / "leads.xlsx", {"Leads": [["Company Name", "Email"]]})
    profile, kind = select_profile(other)
    assert (profile.name, kind) == ("generic", "generic")


def test_recognises_by_the_dropped_file_name_not_the_stored_one(tmp_path):
    from hotpass_assets.lib.reading import open_workbook

    stored = write_xlsx(tmp_path / ("ab" * 32 + ".xlsx"), {"Other": [["a", "b"]]})
    assert select_profile(stored)[1] == "generic"
    assert select_profile(stored, file_name="SACAA flight schools 2026.xlsx")[1] == "sacaa"
    with open_workbook(stored, "Reachout Database.xlsx") as book:
        assert book.name == "Reachout Database.xlsx"
        assert select_profile(book)[1] == "reachout"
        assert select_profile(book, file_name="leads.xlsx")[1] == "generic"


def test_forced_profile_and_kind(tmp_path):
    path = sacaa_like(tmp_path / "x.xlsx")
    assert select_profile(path, force="generic")[1] == "generic"
    assert select_profile(path, force="aviation:reachout")[1] == "reachout"
    assert select_profile(path, force="aviation")[1] == "sacaa"


# --- generic header mapping --------------------------------------------------------------------


def test_map_headers_methods_and_unmapped():
    spec = load_profile("generic").generic
    headers = [
        "organisation_name", "E-mail address", "Cell", "Provnce", "Contact Persn", "Favourite colour",
        "column_7", "Tel",
    ]  # fmt: skip
    mapping = map_headers(headers, spec)
    got = {m.header: (m.field, m.method) for m in mapping.matches}
    assert got["organisation_name"] == ("organisation_name", "exact")
    assert got["E-mail address"] == ("contact_emails", "synonym")
    assert got["Cell"] == ("contact_phones", "synonym")
    assert got["Tel"] == ("contact_phones", "synonym")  # list fields take every column
    assert got["Provnce"][0] == "province" and got["Provnce"][1] == "fuzzy"
    assert got["Contact Persn"] == ("full_name", "fuzzy")
    assert mapping.unmapped == ["Favourite colour", "column_7"]
    meta = mapping.as_metadata()
    assert {"header", "field", "score", "method"} <= set(meta["mapped"][0])
    assert all(0 < m["score"] <= 100 for m in meta["mapped"])


def test_map_headers_scalar_field_takes_one_column():
    spec = load_profile("generic").generic
    mapping = map_headers(["Company", "Organisation", "Province"], spec)
    assert mapping.fields()["organisation_name"] == ["Company"]
    assert mapping.unmapped == ["Organisation"]


def test_profile_dir_has_schema():
    assert (PROFILE_DIR / "schema.json").exists()
    assert isinstance(Path(load_profile("aviation").file), Path)
