"""File, sheet and header names of the demo workbooks, exactly as in the real sources.

Also the generic (unfamiliar) workbook's sheet, headers and expected header -> field mapping.
"""

from __future__ import annotations

SACAA_FILE = "sacaa_flight_schools_demo.xlsx"
REACHOUT_FILE = "reachout_database_demo.xlsx"
CONTACT_DB_FILE = "contact_database_demo.xlsx"
DEMO_FILES: tuple[str, ...] = (SACAA_FILE, REACHOUT_FILE, CONTACT_DB_FILE)

SACAA_SHEETS: tuple[str, ...] = ("Cleaned", "Issues", "Lists")
SACAA_HEADERS: tuple[str, ...] = (
    "Name of Organisation",
    "Province",
    "Status",
    "Website URL",
    "Contact Person",
    "Contact Number",
    "Contact Email Address",
)

REACHOUT_SHEETS: tuple[str, ...] = ("Organisation", "Contact Info", "Sheet1")
REACHOUT_ORGANISATION_HEADERS: tuple[str | None, ...] = (
    "Organisation Name",
    "ID",
    "Reachout Date",
    "Recent_Touch_Ind",
    "Area",
    "Distance",
    "Type",
    "Website",
    "Address",
    "Planes",
    "Description Type",
    "Notes",
    "Open Questions",
    None,
    None,
)
REACHOUT_CONTACT_HEADERS: tuple[str | None, ...] = (
    "ID",
    "Organisation Name",
    "Reachout Date",
    "Firstname",
    "Surname",
    "Position",
    "Phone",
    "WhatsApp",
    "Email",
    "Invalid",
    None,
)

CONTACT_DB_SHEETS: tuple[str, ...] = (
    "Admin",
    "Company_Cat",
    "Order Dates",
    "Sheet1",
    "Company_Contacts",
    "Company_Notes",
    "Company_Addresses",
    "CAA",
    "Aviation Codes",
    "Sheet",
    "Sheet 1",
    "Flight schools",
    "FL extended",
    "10-10-25 Capture",
)
COMPANY_CAT_HEADERS: tuple[str | None, ...] = (
    "C_ID",
    "Company",
    "QuickNooks_Name",
    "Last_Order_Date",
    "Category",
    "Strat",
    "Priority",
    "Status",
    "LoadDate",
    "Checked",
    "Website",
    None,
)
ORDER_DATES_HEADERS: tuple[str, ...] = (
    "Company_QuickBooks+",
    "Order_Dates",
    "Once-Off",
    "Captured",
)
COMPANY_CONTACTS_HEADERS: tuple[str, ...] = (
    "C_ID",
    "Company",
    "Status",
    "FirstName",
    "Surname",
    "Position",
    "Cellnumber",
    "Email",
    "Landline",
)
COMPANY_NOTES_HEADERS: tuple[str, ...] = ("C_ID", "Company", "Order", "Notes")
COMPANY_ADDRESSES_HEADERS: tuple[str | None, ...] = ("C_ID", "Company", "Type", "Airport", None)
CAPTURE_HEADERS: tuple[str | None, ...] = (
    None,
    "School",
    "Contact person (role)",
    "Phone",
    "Email",
    "Addresses",
    "Planes",
    "Website",
    "Description",
    "Type",
)
FLIGHT_SCHOOLS_HEADERS: tuple[str | None, ...] = (
    "School",
    "Contact person (role)",
    "Phone",
    "Email",
    "Addresses",
    "Planes",
    "Website",
    "Description type",
    *([None] * 10),
)
CAA_HEADERS: tuple[str | None, ...] = (
    "#",
    "AMO Number",
    "NAME",
    "CATEGORIES",
    "MAIN/ SATELLITE",
    "LOCATION",
    None,
    "Category",
    "Scope of Work",
)
GENERIC_SHEET = "Leads export"
GENERIC_HEADERS: tuple[str, ...] = (
    "Company Name",
    "Org Type",
    "E-mail address",
    "Cell",
    "Tel",
    "URL",
    "Region",
    "Contact",
    "Internal Ref",
)
#: Expected header -> canonical field mapping of the generic workbook (None: not mappable). The
#: names are the capture profiles' fields: with a person column mapped, phone and e-mail columns
#: are the person's (``contact_phones``, ``contact_emails``).
GENERIC_MAPPING: dict[str, str | None] = {
    "Company Name": "organisation_name",
    "Org Type": "org_type",
    "E-mail address": "contact_emails",
    "Cell": "contact_phones",
    "Tel": "contact_phones",
    "URL": "website",
    "Region": "province",
    "Contact": "full_name",
    "Internal Ref": None,
}
