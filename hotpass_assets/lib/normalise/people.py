"""Contact-person cells: ``First Last (Role)`` / ``First Last — Role`` and the like, several
people per cell."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

from hotpass_assets.lib.normalise.text import _HAS_LETTER, _to_text, clean_text, is_placeholder

__all__ = ["Person", "split_people"]


class Person(NamedTuple):
    """One person found in a contact cell."""

    full_name: str
    first_name: str | None
    last_name: str | None
    role: str | None


_PEOPLE_SPLIT = re.compile(r"\s*[;\n|]\s*")
_PERSON_CONNECTOR = re.compile(r"(\s*&\s*|\s+and\s+|\s*\+\s*|\s*/\s*|\s*,\s*)", re.IGNORECASE)
_ROLE_DASH = re.compile(r"\s+[-‐‑–—]+\s+|\s*[–—]+\s*|\s+-+$|^-+\s+")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]|(?<!\w)'[^']*'(?!\w)|‘[^’]*’")
_PAREN = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "capt",
        "captain",
        "cpt",
        "sir",
        "dame",
        "rev",
        "adv",
        "col",
        "colonel",
        "maj",
        "major",
        "gen",
        "lt",
        "lieut",
        "cmdr",
        "cdr",
        "brig",
        "mnr",
        "mev",
        "mej",
        "ds",
    ]
)
_SURNAME_PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "du",
        "der",
        "den",
        "le",
        "la",
        "da",
        "di",
        "del",
        "della",
        "dos",
        "das",
        "ter",
        "ten",
        "st",
        "janse",
    ]
)
_ROLE_WORDS = frozenset(
    [
        "ceo",
        "cfo",
        "coo",
        "cto",
        "cio",
        "md",
        "gm",
        "hr",
        "pa",
        "ops",
        "owner",
        "coowner",
        "co-owner",
        "founder",
        "cofounder",
        "co-founder",
        "director",
        "directors",
        "manager",
        "managers",
        "management",
        "managing",
        "head",
        "chief",
        "principal",
        "president",
        "vice",
        "chair",
        "chairman",
        "chairperson",
        "chairwoman",
        "partner",
        "partners",
        "proprietor",
        "member",
        "members",
        "officer",
        "executive",
        "admin",
        "administrator",
        "administration",
        "administrative",
        "secretary",
        "reception",
        "receptionist",
        "sales",
        "marketing",
        "accounts",
        "accountant",
        "accounting",
        "finance",
        "financial",
        "bookings",
        "booking",
        "operations",
        "operational",
        "office",
        "assistant",
        "coordinator",
        "co-ordinator",
        "supervisor",
        "lead",
        "controller",
        "dispatcher",
        "consultant",
        "representative",
        "rep",
        "agent",
        "broker",
        "underwriter",
        "planner",
        "technician",
        "mechanic",
        "engineer",
        "engineers",
        "engineering",
        "instructor",
        "instructors",
        "flying",
        "flight",
        "ground",
        "school",
        "training",
        "pilot",
        "pilots",
        "captain",
        "examiner",
        "dpe",
        "cfi",
        "hot",
        "ato",
        "ame",
        "amo",
        "aocm",
        "qm",
        "qa",
        "quality",
        "safety",
        "compliance",
        "accountable",
        "maintenance",
        "technical",
        "training",
        "student",
        "students",
        "senior",
        "junior",
        "assistant",
        "deputy",
        "acting",
        "general",
        "customer",
        "service",
        "services",
        "support",
        "enquiries",
        "enquiry",
        "info",
        "contact",
        "person",
        "main",
        "primary",
        "sole",
    ]
)
_NOTE_WORDS = frozenset(["of", "the", "for", "in", "at", "to", "is", "no", "not", "via", "see"])
_ROLE_FILLERS = frozenset(["of", "the", "for", "and", "&", "in", "at", "to"])
_NAME_JUNK = re.compile(r"\S*@\S*|\+?\d[\d\s()-]{5,}\d|https?://\S+|www\.\S+", re.IGNORECASE)
_BRACKETS_TO_SPACE = str.maketrans(dict.fromkeys("()[]{}<>", " "))


def _words(text: str) -> list[str]:
    return [w.strip(".,:'\"").casefold() for w in text.split()]


def _is_role_text(text: str) -> bool:
    """True when every word is a role word or filler and at least one is a role word."""
    words = [w for w in _words(text) if w]
    if not words:
        return False
    has_role = False
    for word in words:
        if word in _ROLE_WORDS:
            has_role = True
        elif word not in _ROLE_FILLERS and word not in _ROLE_WORDS:
            return False
    return has_role


def _strip_name(text: str) -> tuple[str, bool]:
    """Remove quoted nicknames, contact details and honorifics; returns (name, had_honorific)."""
    text = _QUOTED.sub(" ", text)
    text = _NAME_JUNK.sub(" ", text)
    tokens = text.translate(_BRACKETS_TO_SPACE).split()
    tokens = [t.strip(",:;\"'") for t in tokens]
    tokens = [t for t in tokens if t and _HAS_LETTER.search(t)]
    honorific = False
    while tokens and tokens[0].rstrip(".").casefold() in _HONORIFICS and len(tokens) > 1:
        tokens.pop(0)
        honorific = True
    if len(tokens) == 1 and tokens[0].rstrip(".").casefold() in _HONORIFICS:
        return "", True
    return " ".join(tokens), honorific


def _is_name(name: str) -> bool:
    """False for text that reads as a note rather than a name (``of``, ``the``, ``for`` ...)."""
    return not any(word in _NOTE_WORDS for word in _words(name))


def _name_parts(name: str, honorific: bool) -> tuple[str | None, str | None]:
    tokens = name.split()
    if not tokens:
        return None, None
    if len(tokens) == 1:
        return (None, tokens[0]) if honorific else (tokens[0], None)
    start = len(tokens) - 1
    for i in range(1, len(tokens) - 1):
        if tokens[i].casefold() in _SURNAME_PARTICLES:
            start = i
            break
    return " ".join(tokens[:start]), " ".join(tokens[start:])


def _split_name_role(piece: str) -> tuple[str, str | None]:
    """Split one person's text into (name text, role text)."""
    role: str | None = None
    text = piece
    # "Name (Role)" and "First (Nick) Last"
    for match in reversed(list(_PAREN.finditer(text))):
        inner = (match.group(1) or match.group(2) or "").strip()
        after = text[match.end() :].strip()
        before = text[: match.start()].strip()
        if not after and not before.strip(":-–— ") and inner:
            text = inner  # the whole piece in brackets
            continue
        if not after and _is_role_text(before) and not _is_role_text(inner):
            # "Chief Flying Instructor (Jane Doe)": the name is in the brackets.
            role = before if role is None else f"{before}, {role}"
            text = inner
            continue
        if not after or _is_role_text(inner) or _ROLE_DASH.search(after):
            if inner:
                role = inner if role is None else f"{inner}, {role}"
            text = f"{before} {after}".strip()
        else:
            text = f"{before} {after}".strip()  # a nickname in brackets
    # "Name — Role", "Name - Role"
    dash = _ROLE_DASH.search(text)
    if dash:
        left, right = text[: dash.start()].strip(), text[dash.end() :].strip()
        if left and right:
            if _is_role_text(left) and not _is_role_text(right):
                left, right = right, left
            role = right if role is None else f"{right}, {role}"
            text = left
        else:
            text = left or right
    # "Role: Name" and "Name: Role"
    if ":" in text:
        left, _, right = text.partition(":")
        left, right = left.strip(), right.strip()
        if _is_role_text(left) and right:
            role = left if role is None else f"{left}, {role}"
            text = right
        elif _is_role_text(right) and left:
            role = right if role is None else f"{right}, {role}"
            text = left
    return text, role


def _join_role(a: str | None, connector: str, b: str) -> str:
    if not a:
        return b
    sep = connector.strip() or " "
    if sep == ",":
        return f"{a}, {b}"
    if sep == "/":
        return f"{a}/{b}"
    return f"{a} {sep} {b}"


def _inside_brackets(text: str) -> list[bool]:
    """For every position, whether it lies inside brackets or double quotes."""
    flags: list[bool] = []
    depth = 0
    quoted = False
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char in '"“”':
            quoted = not quoted
        flags.append(depth > 0 or quoted)
    if depth or quoted:
        return [False] * len(text)  # unbalanced: brackets give no structure
    return flags


def _split_outside_brackets(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split ``text`` on ``pattern`` where the match does not lie inside brackets or quotes."""
    if not pattern.search(text):
        return [text]
    inside = _inside_brackets(text)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if inside[match.start()]:
            continue
        parts.append(text[last : match.start()])
        last = match.end()
    parts.append(text[last:])
    return parts


def _connector_split(chunk: str) -> tuple[list[str], list[str]]:
    """Pieces of a chunk split on person connectors outside brackets and quotes, and the
    connectors between them."""
    inside = _inside_brackets(chunk)
    pieces: list[str] = []
    connectors: list[str] = []
    last = 0
    for match in _PERSON_CONNECTOR.finditer(chunk):
        if inside[match.start()] or match.start() < last:
            continue
        pieces.append(chunk[last : match.start()])
        connectors.append(match.group(1))
        last = match.end()
    pieces.append(chunk[last:])
    return pieces, connectors


@dataclass(slots=True)
class _Entry:
    """A person being read: ``role_open`` while later role-only pieces still join the role."""

    name: str
    role: str | None
    honorific: bool
    role_open: bool


class _ChunkPeople:
    """The people of one chunk, built piece by piece; a role without a name waits in
    ``pending_role`` for the next person."""

    __slots__ = ("pending_role", "people")

    def __init__(self) -> None:
        self.people: list[_Entry] = []
        self.pending_role: str | None = None

    def add(self, piece: str, connector: str) -> None:
        name, role = _split_name_role(piece)
        name, honorific = _strip_name(name)
        if name and not _is_name(name):
            return
        if not name and not honorific:
            self._add_bare_role(role or (piece if _is_role_text(piece) else None), connector)
        elif _is_role_text(name):
            self._add_role_name(f"{name} ({role})" if role else name, connector)
        else:
            self._add_person(_Entry(name, role, honorific, False), connector, piece)

    def _add_bare_role(self, role_text: str | None, connector: str) -> None:
        """A piece that is a role only: it joins the last person's open or missing role."""
        if role_text is None:
            return
        last = self.people[-1] if self.people else None
        if last is not None and (last.role_open or last.role is None):
            last.role = _join_role(last.role, connector, role_text)
            last.role_open = True
        else:
            self.pending_role = _join_role(self.pending_role, connector, role_text)

    def _add_role_name(self, role_text: str, connector: str) -> None:
        """A piece whose name reads as a role (``Chief Instructor``)."""
        last = self.people[-1] if self.people else None
        if last is not None and last.role_open:
            last.role = _join_role(last.role, connector, role_text)
        elif last is not None and last.role is None and connector.strip() in (",", ""):
            last.role = role_text
            last.role_open = True
        else:
            self.pending_role = _join_role(self.pending_role, connector, role_text)

    def _add_person(self, entry: _Entry, connector: str, piece: str) -> None:
        last = self.people[-1] if self.people else None
        if (
            last is not None
            and connector.strip() == ","
            and entry.role is None
            and len(entry.name.split()) == 1
            and len(last.name.split()) == 1
            and last.role is None
        ):
            # "Doe, Jane": last name first.
            last.name = f"{entry.name} {last.name}"
            return
        if entry.role is None and self.pending_role:
            entry.role, self.pending_role = self.pending_role, None
        entry.role_open = entry.role is not None and not piece.rstrip().endswith((")", "]"))
        self.people.append(entry)

    def finish(self) -> list[tuple[str, str | None, bool]]:
        """The people as (name, role, had_honorific)."""
        people = self.people
        # "Jane & John Smith": a lone first name borrows the next surname.
        for i in range(len(people) - 1):
            if len(people[i].name.split()) <= 1:
                following = people[i + 1].name.split()
                if len(following) >= 2:
                    _, last_name = _name_parts(people[i + 1].name, people[i + 1].honorific)
                    if people[i].name and last_name:
                        people[i].name = f"{people[i].name} {last_name}"
        if self.pending_role and people:
            people[-1].role = _join_role(people[-1].role, ",", self.pending_role)
        return [(p.name, p.role, p.honorific) for p in people if p.name]


def _people_in_chunk(chunk: str) -> list[tuple[str, str | None, bool]]:
    """People of one ``;``/newline-separated chunk as (name, role, had_honorific)."""
    pieces, connectors = _connector_split(chunk)
    found = _ChunkPeople()
    for index, piece in enumerate(pieces):
        connector = connectors[index - 1] if index else ""
        piece = piece.strip()
        if piece:
            found.add(piece, connector)
    return found.finish()


def split_people(value: object) -> list[Person]:
    """Split a contact-person cell into people with names and roles.

    Handles ``First Last (Role)``, ``First Last — Role`` (em dash, en dash or a spaced hyphen),
    ``Role: First Last``, quoted nicknames (``John "JJ" Smith``), honorifics (Mr, Mrs, Ms, Dr,
    Capt, ... are dropped from the name), and several people separated by ``;``, newlines,
    ``|``, ``&``, ``and``, ``/`` or ``,``. Connectors inside a role (``Owner & CFI``) stay in the
    role. A lone first name takes the surname of the next person (``Jane & John Smith``). The last
    word is the surname unless a particle (``van``, ``du``, ``de`` ...) starts it earlier. Roles
    without a name (``Reception``), notes (text with ``not``, ``of``, ``see`` ...) and contact
    details give no person. Duplicates are dropped.
    """
    text = _to_text(value)
    if not text:
        return []
    return list(_split_people_text(text))


@functools.lru_cache(maxsize=16384)
def _split_people_text(text: str) -> tuple[Person, ...]:
    if is_placeholder(text):
        return ()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    people: list[Person] = []
    seen: set[tuple[str, str]] = set()
    for raw_chunk in _split_outside_brackets(text, _PEOPLE_SPLIT):
        chunk = clean_text(raw_chunk)
        if not chunk:
            continue
        for name, role, honorific in _people_in_chunk(chunk):
            first, last = _name_parts(name, honorific)
            role_clean = clean_text(role.strip(" ,-:")) if role else None
            key = (name.casefold(), (role_clean or "").casefold())
            if key in seen:
                continue
            seen.add(key)
            people.append(Person(name, first, last, role_clean))
    return tuple(people)
