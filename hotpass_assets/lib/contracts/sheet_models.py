"""Pandera models of the raw workbook: the sheet inventory and the source sheets as read.

Source-sheet models describe a sheet as the reader returns it (every cell text, header names as
in the workbook, blank headers named ``column_<n>``): its columns and what each holds. They allow
extra columns. Which columns a sheet must have and which the source fills on every data row are
stated once, by the capture profile (``required_columns``, ``key_columns`` in
``lib/profiles/*.yaml``); the source-sheet contract applies them to these models
(:func:`hotpass_assets.lib.contracts.profile_models.model_for`).
"""

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from hotpass_assets.lib.contracts.columns import integer, row_check, source_column, text

# --- raw workbook -----------------------------------------------------------------------------


class SheetInventory(pa.DataFrameModel):
    """Per sheet of a dropped workbook: size of the used range and non-empty rows."""

    sheet: Series[str] = text("Sheet name.", nullable=False, unique=True)
    rows: Series[pd.Int64Dtype] = integer("Rows of the used range, header included.", ge=0)
    columns: Series[pd.Int64Dtype] = integer("Columns of the used range.", ge=0)
    non_empty_rows: Series[pd.Int64Dtype] = integer("Rows with at least one value.", ge=0)

    class Config:
        name = "raw_workbook.inventory"
        description = "Sheet inventory of the archived workbook."
        strict = True

    @row_check("non_empty_within_rows")
    def _within(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """A sheet has no more non-empty rows than rows."""
        return pd.to_numeric(df["non_empty_rows"]).le(pd.to_numeric(df["rows"]))


# Source sheets as read. Class names are `<Kind><Sheet>`; `Config.name` is
# `raw_workbook.<kind>.<sheet slug>`.


class _SourceSheet(pa.DataFrameModel):
    class Config:
        strict = False


class SacaaCleaned(_SourceSheet):
    """SACAA list of flight schools, sheet `Cleaned` (the regulator's list, highest trust)."""

    name_of_organisation: Series[str] = source_column(
        "Name of Organisation", "Flight school name; filled on every data row."
    )
    province: Series[str] = source_column("Province", "Province text (`Unknown` when unknown).")
    status: Series[str] = source_column("Status", "Licence status: Active or Invalid.")
    website_url: Series[str] = source_column("Website URL", "Website.")
    contact_person: Series[str] = source_column(
        "Contact Person", "People as `First Last (Role)`, several separated by `;`."
    )
    contact_number: Series[str] = source_column("Contact Number", "Phone numbers.")
    contact_email_address: Series[str] = source_column(
        "Contact Email Address", "E-mail addresses, several separated by `; `."
    )

    class Config:
        name = "raw_workbook.sacaa.cleaned"
        description = "SACAA workbook, sheet `Cleaned`, as read (every cell text)."


class ReachoutOrganisation(_SourceSheet):
    """Reachout tracker, sheet `Organisation`; rows holding only an `=ROW()` id are not data."""

    organisation_name: Series[str] = source_column(
        "Organisation Name", "Organisation name; filled on every data row."
    )
    id: Series[str] = source_column("ID", "Row id (`=ROW()`), the key `Contact Info` rows link by.")
    reachout_date: Series[str] = source_column("Reachout Date", "Date of the last outreach.")
    recent_touch_ind: Series[str] = source_column("Recent_Touch_Ind", "Recent touch marker.")
    area: Series[str] = source_column("Area", "Province text (aliases such as `Kwa-Zulu Natal`).")
    distance: Series[str] = source_column("Distance", "Distance note.")
    type: Series[str] = source_column("Type", "Fixed-wing, Helicopter, ...")
    website: Series[str] = source_column("Website", "Website, some with paths and queries.")
    address: Series[str] = source_column("Address", "Address text.")
    planes: Series[str] = source_column("Planes", "Aircraft types separated by `;` or `,`.")
    description_type: Series[str] = source_column("Description Type", "Description.")
    notes: Series[str] = source_column("Notes", "Free-text notes.")
    open_questions: Series[str] = source_column("Open Questions", "Free-text questions.")

    class Config:
        name = "raw_workbook.reachout.organisation"
        description = "Reachout workbook, sheet `Organisation`, as read."


class ReachoutContactInfo(_SourceSheet):
    """Reachout tracker, sheet `Contact Info`: the people contacted."""

    organisation_name: Series[str] = source_column(
        "Organisation Name", "Organisation name; filled on every data row."
    )
    id: Series[str] = source_column("ID", "Link to `Organisation.ID` (often empty).")
    reachout_date: Series[str] = source_column("Reachout Date", "Date of the outreach.")
    firstname: Series[str] = source_column("Firstname", "First name.")
    surname: Series[str] = source_column("Surname", "Last name.")
    position: Series[str] = source_column("Position", "Role.")
    phone: Series[str] = source_column("Phone", "Phone number as text.")
    whatsapp: Series[str] = source_column("WhatsApp", "WhatsApp number.")
    email: Series[str] = source_column("Email", "E-mail address(es).")
    invalid: Series[str] = source_column("Invalid", "1 = contact known bad.")

    class Config:
        name = "raw_workbook.reachout.contact_info"
        description = "Reachout workbook, sheet `Contact Info`, as read."


class ContactDbCompanyCat(_SourceSheet):
    """Contact Database, sheet `Company_Cat`: the company master."""

    c_id: Series[str] = source_column("C_ID", "Company id of this sheet.")
    company: Series[str] = source_column(
        "Company", "Company name; the join key of the other sheets."
    )
    quicknooks_name: Series[str] = source_column(
        "QuickNooks_Name", "[sic] accounting (QuickBooks) name; joins `Order Dates`."
    )
    last_order_date: Series[str] = source_column("Last_Order_Date", "Date of the last order.")
    category: Series[str] = source_column("Category", "Business category.")
    strat: Series[str] = source_column("Strat", "Strategy note.")
    priority: Series[str] = source_column("Priority", "Priority.")
    status: Series[str] = source_column("Status", "CRM status (`Last Order` signals an order).")
    loaddate: Series[str] = source_column("LoadDate", "Date loaded (some `dd/mm/yyyy` text).")
    checked: Series[str] = source_column("Checked", "Checked marker.")
    website: Series[str] = source_column("Website", "Website.")

    class Config:
        name = "raw_workbook.contact_db.company_cat"
        description = "Contact Database workbook, sheet `Company_Cat`, as read."


class ContactDbCompanyContacts(_SourceSheet):
    """Contact Database, sheet `Company_Contacts`; joins `Company_Cat` on `Company`."""

    company: Series[str] = source_column(
        "Company", "Company name, equal to a `Company_Cat.Company`."
    )
    c_id: Series[str] = source_column("C_ID", "Broken lookup (accounting name or 0); unused.")
    status: Series[str] = source_column("Status", "Contact status.")
    firstname: Series[str] = source_column("FirstName", "First name.")
    surname: Series[str] = source_column("Surname", "Last name.")
    position: Series[str] = source_column("Position", "Role.")
    cellnumber: Series[str] = source_column("Cellnumber", "Mobile number (digits).")
    email: Series[str] = source_column("Email", "E-mail address.")
    landline: Series[str] = source_column("Landline", "Landline number.")

    class Config:
        name = "raw_workbook.contact_db.company_contacts"
        description = "Contact Database workbook, sheet `Company_Contacts`, as read."


class ContactDbCompanyAddresses(_SourceSheet):
    """Contact Database, sheet `Company_Addresses`; the address is in the unnamed 5th column."""

    company: Series[str] = source_column("Company", "Company name (join key).")
    address: Series[str] = source_column("column_5", "Address text (blank header, 5th column).")
    type: Series[str] = source_column("Type", "Postal, Head, ...")
    airport: Series[str] = source_column("Airport", "Airport of the address.")

    class Config:
        name = "raw_workbook.contact_db.company_addresses"
        description = "Contact Database workbook, sheet `Company_Addresses`, as read."


class ContactDbCapture(_SourceSheet):
    """Contact Database, sheet `10-10-25 Capture`: hand-captured outreach log of flight schools."""

    school: Series[str] = source_column("School", "Flight school name.")
    contact_person_role: Series[str] = source_column(
        "Contact person (role)", "`First Last — Role` or `First Last (Role)`."
    )
    phone: Series[str] = source_column("Phone", "Phone numbers.")
    email: Series[str] = source_column("Email", "E-mail addresses.")
    addresses: Series[str] = source_column("Addresses", "Address text.")
    planes: Series[str] = source_column("Planes", "Aircraft types.")
    website: Series[str] = source_column("Website", "Website.")
    description: Series[str] = source_column("Description", "Description.")
    type: Series[str] = source_column("Type", "Type of school.")

    class Config:
        name = "raw_workbook.contact_db.10_10_25_capture"
        description = "Contact Database workbook, sheet `10-10-25 Capture`, as read."


class ContactDbFlightSchools(_SourceSheet):
    """Contact Database, sheet `Flight schools` (capture-sheet shape with spill-over columns)."""

    school: Series[str] = source_column("School", "Flight school name.")
    contact_person_role: Series[str] = source_column("Contact person (role)", "People with roles.")
    phone: Series[str] = source_column("Phone", "Phone numbers.")
    email: Series[str] = source_column("Email", "E-mail addresses.")
    addresses: Series[str] = source_column("Addresses", "Address text.")
    planes: Series[str] = source_column("Planes", "Aircraft types.")
    website: Series[str] = source_column("Website", "Website.")
    description_type: Series[str] = source_column("Description type", "Description.")

    class Config:
        name = "raw_workbook.contact_db.flight_schools"
        description = "Contact Database workbook, sheet `Flight schools`, as read."


class ContactDbOrderDates(_SourceSheet):
    """Contact Database, sheet `Order Dates`: order history keyed by accounting name."""

    company_quickbooks: Series[str] = source_column(
        "Company_QuickBooks+", "Accounting name; joins `Company_Cat.QuickNooks_Name`."
    )
    order_dates: Series[str] = source_column("Order_Dates", "Order date.")
    once_off: Series[str] = source_column("Once-Off", "Once-off order marker.")
    captured: Series[str] = source_column("Captured", "Copy of the name when captured.")

    class Config:
        name = "raw_workbook.contact_db.order_dates"
        description = "Contact Database workbook, sheet `Order Dates`, as read."


class ContactDbCompanyNotes(_SourceSheet):
    """Contact Database, sheet `Company_Notes`: notes per company."""

    company: Series[str] = source_column("Company", "Company name (join key).")
    notes: Series[str] = source_column("Notes", "Note text.")
    order: Series[str] = source_column("Order", "Order note.")

    class Config:
        name = "raw_workbook.contact_db.company_notes"
        description = "Contact Database workbook, sheet `Company_Notes`, as read."
