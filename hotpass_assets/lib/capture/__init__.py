"""Apply a capture profile to a workbook: canonical organisation and contact records plus rejects.

:func:`capture_workbook` reads every sheet the profile names as text, parses each mapped column
(each distinct value is normalised once), links joined sheets to their organisation sheet and
returns three frames whose columns are exactly those of :mod:`hotpass_assets.lib.records`.
The profile is chosen by the workbook's sheets and by ``source_file``, the name the workbook was
dropped with (the file read may be an archived copy named by its content hash).

Speed. Columns are processed whole: text cleaning, organisation keys and the common forms of
e-mail addresses and websites have column-wide fast paths (:func:`nz.clean_text_many`,
:func:`nz.organisation_keys`, :func:`.fast.fast_emails`, :func:`.fast.fast_websites`) that give exactly what the
per-value functions give and leave every other value to them; records and frames are built
column by column.

Row accounting. Every row of a read sheet ends up in exactly one of four buckets, per sheet:
*captured* (it produced at least one record), *rejected* (a row-level reject: no organisation
name, or a join that failed), *empty* (no value at all) or *formula* (only id/formula cells).
Value-level problems (an invalid phone, e-mail, website or date) become rejects rows of their
own while the rest of the row is still captured. Non-empty cells of columns the profile does not
map are kept in the record's notes (``Header: value``) unless the profile sends them to rejects
(``unmapped_column``); e-mails and phone numbers found in them are added to the organisation's
lists. Only columns listed in ``ignore_columns`` (with a reason) are not kept.

Contacts. A contact's name, role, e-mails and phones come from one source row. When a cell holds
several people, e-mails and phones are assigned by position only when their count equals the
number of people; otherwise every person gets the whole list and the row's record carries a note
coded ``ambiguous_contact_pairing``. On organisation sheets, contact e-mails and phones of a row
without any person are the organisation's own.

Joins. Rows of ``contacts``, ``addresses``, ``notes`` and ``orders`` sheets link to a record of
their organisations sheet by the profile's keys, tried in order: ``id`` (exact text), then
``name``/``accounting_name`` (exact clean text, then the organisation matching key, then, when a
``fuzzy_threshold`` is set on the key or the link, the single best fuzzy ratio of the keys; a
tie between two records links nothing). ``link_method`` says which key and rule linked: the
key's ``link_method`` (default its method: ``id``, ``name``, ``accounting_name``), with ``_key``
or ``_fuzzy`` appended for those rules. The Contact Database's order rows, for instance, try the
accounting name against ``QuickNooks_Name`` (``accounting_name``, ``accounting_name_key``), then
against the ``Company`` name (``accounting_name_to_company``, ``..._key``, ``..._fuzzy``). A row
that no key links is a reject ``unlinked_row`` whose reason names every join tried, or, with
``on_unlinked: organisation``, an organisation record of its own (its contacts then link with
``link_method = "own_row"``). Linked address, note
and order rows are ``attribute`` records with ``link_record_id``. Orders also roll up on the
master record: ``order_count`` counts its linked order rows and ``last_order_date`` is the latest
of its own and its orders' dates (attribute order rows carry their date, not a count, so a sum of
``order_count`` over an organisation's records counts each order once).

Modules. :mod:`.workbook` is the entry point (profile, sheets read, frames); :mod:`.sheet` captures
one sheet in phases, with :mod:`.contacts` and :mod:`.organisations` building the records and
:mod:`.links` the joins; :mod:`.parsers` and :mod:`.fast` parse values, :mod:`.offload` runs the
slowest parsers in a second process; :mod:`.context`, :mod:`.state` and :mod:`.rows` hold what the
phases share; :mod:`.frames` the result.
"""

from hotpass_assets.lib.capture.context import sheet_slug
from hotpass_assets.lib.capture.frames import CaptureResult
from hotpass_assets.lib.capture.offload import PARALLEL_MIN_VALUES
from hotpass_assets.lib.capture.parsers import NOTE_SEPARATOR
from hotpass_assets.lib.capture.workbook import capture_workbook

__all__ = [
    "NOTE_SEPARATOR",
    "PARALLEL_MIN_VALUES",
    "CaptureResult",
    "capture_workbook",
    "sheet_slug",
]
