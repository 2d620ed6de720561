"""Synthetic data with ground truth, for tests, demos and benchmarks. Every value is invented.

Demo workbooks
--------------
Deterministic synthetic workbooks shaped like the three Hotpass sources. Organisation names come
from made-up word lists, people from made-up name lists, web and e-mail domains are
``<slug>-example.<tld>`` (each organisation has its own registrable domain, so domain evidence
works for matching while staying recognisably fictional) and phone numbers are random South
African numbers checked for validity with ``phonenumbers``.

What is reproduced from the real sources is their *shape*: sheet names and order, header texts,
cell types (text phones vs integer phones, formulas with cached results, dates and day-first date
texts), blank-header columns, formula-only trailing rows, merged ranges, non-data sheets, and the
kinds of mess the real workbooks show: province aliases ("KZN", "W Cape"), several people,
numbers or addresses in one cell, non-breaking spaces and hyphens, lookup columns whose
``VLOOKUP`` fails because a name is spelt differently, and name variants across files (legal
suffixes, "Flying School", "&", upper case, typos, initials).

Everything is seeded: the same seed gives byte-identical files (fixed document properties; the
xlsx container uses fixed member timestamps), because drop partitions are keyed by content hash.

* :func:`write_demo_workbooks` writes the three demo workbooks and returns a :class:`DemoTruth`.
* :func:`write_generic_workbook` writes an unfamiliar single-sheet workbook for header mapping.
* :func:`write_large_sheet` writes an SACAA-shaped sheet with many rows for ingestion benchmarks.
* :func:`write_variant` writes a second SACAA-shaped drop that repeats, adds and bridges entities.
* :func:`write_broken_workbook` writes a workbook that a contract or the reader must reject.

Counting conventions used by the truth:

* A *phone token* is a piece of a phone cell after splitting on ``;``, ``/``, ``,`` and `` or ``;
  it is valid when ``phonenumbers`` (region ZA) accepts its digits. ``invalid_phones`` counts the
  tokens in phone columns of data sheets that contain digits but are not valid numbers;
  placeholders such as ``—`` or ``on request`` are counted in ``phone_placeholders`` instead.
* An *e-mail value* is a piece of an e-mail cell after splitting on ``;`` and ``,`` and trimming
  (non-breaking spaces included). ``valid_emails`` holds the lower-cased values that are
  ``local@domain.tld`` addresses; ``junk_emails`` counts the other values (a URL, an address
  without ``@`` or without a top-level domain: one each, however a splitter later cuts them);
  ``—`` is a placeholder (``email_placeholders``).
* Data sheets are: SACAA ``Cleaned``; Reachout ``Organisation`` and ``Contact Info``; Contact
  Database ``Company_Cat``, ``Company_Contacts``, ``Company_Addresses``, ``Company_Notes``,
  ``Order Dates``, ``10-10-25 Capture`` and ``Flight schools`` (whose unnamed spill-over columns K..N
  hold extra e-mails). Every other sheet is scrap and carries no truth.

Modules: :mod:`.layout` (file, sheet and header names), :mod:`.vocab` (word lists),
:mod:`.universe` (organisations and people), :mod:`.names` (name variants), :mod:`.truth`,
:mod:`.state` (the shared builder), one module per workbook or sheet group (:mod:`.sacaa`,
:mod:`.reachout`, :mod:`.contact_db`, :mod:`.crm_sheets`, :mod:`.capture`, :mod:`.scrap`),
:mod:`.cells` (the xlsx writer), and :mod:`.generic`, :mod:`.large`, :mod:`.variant`,
:mod:`.broken`.

Frames
------
* :mod:`.organisations`: labelled organisation records for the matcher
  (``generate_organisations``, ``pairwise_scores``).
* :mod:`.snapshot`: a refined organisations snapshot with a learnable customer signal for lead
  scoring (``synthetic_snapshot``).

Both need numpy and pandas, so they are not imported here: import them from their modules.
"""

from hotpass_assets.lib.synthetic.broken import BROKEN_KINDS, write_broken_workbook
from hotpass_assets.lib.synthetic.demo import write_demo_workbooks
from hotpass_assets.lib.synthetic.generic import write_generic_workbook
from hotpass_assets.lib.synthetic.large import write_large_sheet
from hotpass_assets.lib.synthetic.layout import (
    CAA_HEADERS,
    CAPTURE_HEADERS,
    COMPANY_ADDRESSES_HEADERS,
    COMPANY_CAT_HEADERS,
    COMPANY_CONTACTS_HEADERS,
    COMPANY_NOTES_HEADERS,
    CONTACT_DB_FILE,
    CONTACT_DB_SHEETS,
    DEMO_FILES,
    FLIGHT_SCHOOLS_HEADERS,
    GENERIC_HEADERS,
    GENERIC_MAPPING,
    GENERIC_SHEET,
    ORDER_DATES_HEADERS,
    REACHOUT_CONTACT_HEADERS,
    REACHOUT_FILE,
    REACHOUT_ORGANISATION_HEADERS,
    REACHOUT_SHEETS,
    SACAA_FILE,
    SACAA_HEADERS,
    SACAA_SHEETS,
)
from hotpass_assets.lib.synthetic.truth import DemoTruth
from hotpass_assets.lib.synthetic.variant import write_variant

__all__ = [
    "BROKEN_KINDS",
    "CAA_HEADERS",
    "CAPTURE_HEADERS",
    "COMPANY_ADDRESSES_HEADERS",
    "COMPANY_CAT_HEADERS",
    "COMPANY_CONTACTS_HEADERS",
    "COMPANY_NOTES_HEADERS",
    "CONTACT_DB_FILE",
    "CONTACT_DB_SHEETS",
    "DEMO_FILES",
    "FLIGHT_SCHOOLS_HEADERS",
    "GENERIC_HEADERS",
    "GENERIC_MAPPING",
    "GENERIC_SHEET",
    "ORDER_DATES_HEADERS",
    "REACHOUT_CONTACT_HEADERS",
    "REACHOUT_FILE",
    "REACHOUT_ORGANISATION_HEADERS",
    "REACHOUT_SHEETS",
    "SACAA_FILE",
    "SACAA_HEADERS",
    "SACAA_SHEETS",
    "DemoTruth",
    "write_broken_workbook",
    "write_demo_workbooks",
    "write_generic_workbook",
    "write_large_sheet",
    "write_variant",
]
