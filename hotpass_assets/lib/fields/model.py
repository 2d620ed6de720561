"""The row type of the field registry and the vocabularies its columns use."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Layer = Literal["profile", "capture", "refined"]
Entity = Literal["organisation", "contact"]
LogicalType = Literal["string", "integer", "number", "boolean", "date", "list<string>", "json"]
#: ``public``: no personal data; ``business``: contact points of an organisation as a business;
#: ``personal``: personal information of a natural person (POPIA).
Privacy = Literal["public", "business", "personal"]
#: How the refined value is made from the entity's capture records.
Survivorship = Literal[
    "ranked",  # value of the best-ranked record carrying it (trust, completeness, recency, id)
    "name_record",  # taken from the record (or person row) that supplied the survivor name
    "first_present",  # first record in rank order that carries it
    "union",  # union of list items over records (and contacts), rank order, first spelling kept
    "joined",  # distinct texts over records, one per line
    "latest",  # latest date over records
    "sum",  # sum over records
    "derived",  # computed by the snapshot (ids, counts, provenance, quality)
]

LAYERS: tuple[Layer, ...] = ("profile", "capture", "refined")
LIST_TYPE: LogicalType = "list<string>"
#: Layer sets the rows use.
P: frozenset[Layer] = frozenset({"profile"})
C: frozenset[Layer] = frozenset({"capture"})
R: frozenset[Layer] = frozenset({"refined"})
CR: frozenset[Layer] = frozenset({"capture", "refined"})
PC: frozenset[Layer] = frozenset({"profile", "capture"})
PCR: frozenset[Layer] = frozenset({"profile", "capture", "refined"})
TEXT = ("text",)


@dataclass(frozen=True)
class Field:
    """One canonical field.

    ``descriptions`` maps a layer to the field's description there; a layer without its own
    entry uses the first one given. ``parsers``: the parsers a profile may name for the field,
    the first being its default (profile fields only). ``quality``: ``(position, item)`` when
    the field's presence is one of the data-quality items (``missing_<item>`` flags, in
    position order).
    """

    name: str
    entity: Entity
    layers: frozenset[Layer]
    type: LogicalType
    descriptions: Mapping[Layer, str]
    privacy: Privacy = "public"
    parsers: tuple[str, ...] = ()
    survivorship: Survivorship | None = None
    completeness: int = 0
    quality: tuple[int, str] | None = None
    feeds: str | None = None  # profile-only key: the capture column it fills

    def __post_init__(self) -> None:
        if not self.descriptions:
            raise ValueError(f"field {self.name!r}: needs a description")
        if ("profile" in self.layers) != bool(self.parsers):
            raise ValueError(f"field {self.name!r}: profile fields, and only they, name parsers")
        if ("refined" in self.layers) != (self.survivorship is not None):
            raise ValueError(f"field {self.name!r}: refined fields, and only they, name a rule")

    @property
    def is_list(self) -> bool:
        return self.type == LIST_TYPE

    @property
    def default_parser(self) -> str:
        return self.parsers[0]

    def describe(self, layer: Layer) -> str:
        """The description of the field in ``layer``."""
        return self.descriptions.get(layer) or next(iter(self.descriptions.values()))


def describe(
    capture: str | None = None, refined: str | None = None, profile: str | None = None
) -> dict[Layer, str]:
    out: dict[Layer, str] = {}
    if capture:
        out["capture"] = capture
    if refined:
        out["refined"] = refined
    if profile:
        out["profile"] = profile
    return out
