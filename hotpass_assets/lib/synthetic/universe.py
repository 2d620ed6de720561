"""The invented universe of the demo workbooks: organisations and their people.

Every organisation gets a unique name stem, its own ``<slug>-example.<tld>`` domain (or none),
unique e-mail addresses and phone numbers; branches are distinct organisations whose names are
nearly those of another one.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from hotpass_assets.lib.synthetic.phones import Phones
from hotpass_assets.lib.synthetic.text import name_key, pick_province, slugify, weighted
from hotpass_assets.lib.synthetic.vocab import (
    AVIATION_CATEGORIES,
    AVIATION_ROLES,
    AVIATION_WEIGHTS,
    CITIES,
    DESCRIPTIONS,
    FIRST_NAMES,
    LAST_NAMES,
    NICKNAMES,
    ORG_TYPES,
    OTHER_CATEGORIES,
    OTHER_ROLES,
    OTHER_WEIGHTS,
    PLANES,
    PROVINCES,
    STEM_A,
    STEM_B,
    STREETS,
    SUFFIXES,
)


@dataclass
class Person:
    """An invented person; ``pid`` identifies them in the truth, whichever rows list them."""

    pid: str
    first: str
    last: str | None
    nick: str | None
    role: str | None
    email: str | None
    mobile: str | None

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}" if self.last else self.first


@dataclass
class Org:
    """An invented organisation; ``label`` (``E001``, …) identifies it in the truth."""

    label: str
    name: str
    stem: str
    suffix: str
    aviation: bool
    category: str
    org_type: str | None
    province: str | None
    city: str
    domain: str | None
    has_website: bool
    phones: list[str]
    generic_email: str | None
    people: list[Person]
    planes: list[str]
    address: str
    description: str
    sources: set[str] = field(default_factory=set)
    branch_of: str | None = None
    accounting_name: str | None = None
    is_customer: bool = False
    last_order_status: bool = False
    order_dates: list[dt.date] = field(default_factory=list)

    @property
    def website(self) -> str | None:
        return f"https://www.{self.domain}" if self.domain and self.has_website else None


class Universe:
    """Invented organisations and people, with unique stems, domains, e-mails and phones."""

    def __init__(self, rng: random.Random, phones: Phones) -> None:
        self.rng = rng
        self.phones = phones
        self.orgs: list[Org] = []
        self.stems: set[str] = set()
        self.domains: set[str] = set()
        self.emails: set[str] = set()
        self.name_keys: dict[str, str] = {}
        self._person_seq = 0

    def _new_stem(self) -> str:
        rng = self.rng
        for _ in range(10_000):
            a = rng.choice(STEM_A)
            stem = a if rng.random() < 0.35 else f"{a} {rng.choice(STEM_B)}"
            if stem not in self.stems:
                self.stems.add(stem)
                return stem
        raise RuntimeError("ran out of invented organisation names")

    def _new_domain(self, base: str) -> str:
        rng = self.rng
        tld = weighted(rng, (".co.za", ".com", ".aero", ".org.za"), (70, 15, 10, 5))
        slug = slugify(base)[:22]
        domain, n = f"{slug}-example{tld}", 2
        while domain in self.domains:
            domain, n = f"{slug}{n}-example{tld}", n + 1
        self.domains.add(domain)
        return domain

    def unique_email(self, local: str, domain: str) -> str:
        address, n = f"{local}@{domain}", 2
        while address in self.emails:
            address, n = f"{local}{n}@{domain}", n + 1
        self.emails.add(address)
        return address

    def _person(self, org_label: str, aviation: bool, domain: str | None) -> Person:
        rng = self.rng
        self._person_seq += 1
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES) if rng.random() < 0.9 else None
        nick = rng.choice(NICKNAMES) if last and rng.random() < 0.06 else None
        role = rng.choice(AVIATION_ROLES if aviation else OTHER_ROLES)
        email = None
        if rng.random() < 0.75:
            fl, ll = slugify(first), slugify(last or "")
            local = rng.choice([f"{fl}.{ll}", f"{fl[0]}{ll}", fl] if ll else [fl, f"{fl}.office"])
            dom = domain if domain and rng.random() < 0.85 else "webmail-example.co.za"
            email = self.unique_email(local, dom)
        mobile = self.phones.mobile() if rng.random() < 0.7 else None
        return Person(f"P{self._person_seq:04d}", first, last, nick, role, email, mobile)

    def make_org(self, label: str, *, aviation: bool, category: str | None = None) -> Org:
        rng = self.rng
        if category is None:
            category = (
                weighted(rng, AVIATION_CATEGORIES, AVIATION_WEIGHTS)
                if aviation
                else weighted(rng, OTHER_CATEGORIES, OTHER_WEIGHTS)
            )
        while True:
            stem = self._new_stem()
            suffix = rng.choice(SUFFIXES[category])
            intl = rng.random() < 0.05
            name = f"{stem} International {suffix}" if intl else f"{stem} {suffix}"
            if name_key(name) not in self.name_keys:
                break
        province = pick_province(rng) if rng.random() > 0.09 else None
        city = rng.choice(CITIES[province or "Gauteng"])[0]
        own_domain = rng.random() < (0.95 if aviation else 0.8)
        domain = self._new_domain(stem + suffix.split()[0]) if own_domain else None
        has_website = domain is not None and rng.random() < (0.96 if aviation else 0.45)
        phones = [self.phones.landline(province)]
        if rng.random() < 0.25:
            phones.append(self.phones.mobile())
        generic: str | None
        if domain:
            generic = self.unique_email(
                rng.choice(("info", "info", "admin", "bookings", "office", "ops")), domain
            )
        else:
            generic = (
                self.unique_email(slugify(stem)[:14], "webmail-example.co.za")
                if rng.random() < 0.5
                else None
            )
        n_people = rng.choices((0, 1, 2, 3, 4), weights=(15, 35, 28, 15, 7), k=1)[0]
        people = [self._person(label, aviation, domain) for _ in range(n_people)]
        planes = rng.sample(PLANES, rng.randint(1, 4)) if aviation else []
        num = rng.randint(1, 250)
        address = f"{num} {rng.choice(STREETS)}, {city}, {rng.randint(1000, 9999)}"
        if aviation and rng.random() < 0.4:
            address = f"Hangar {rng.randint(1, 40)}, {city} Aerodrome, {address}"
        org_type = rng.choice(ORG_TYPES[category]) if category in ORG_TYPES else None
        org = Org(
            label=label,
            name=name,
            stem=stem,
            suffix=suffix,
            aviation=aviation,
            category=category,
            org_type=org_type,
            province=province,
            city=city,
            domain=domain,
            has_website=has_website,
            phones=phones,
            generic_email=generic,
            people=people,
            planes=planes,
            address=address,
            description=rng.choice(DESCRIPTIONS),
        )
        self.orgs.append(org)
        self.name_keys[name_key(name)] = label
        return org

    def make_branch(self, base: Org, label: str, kind: int) -> Org:
        """A distinct organisation whose name is nearly that of ``base`` (other province)."""
        rng = self.rng
        province = rng.choice([p for p in PROVINCES if p != base.province])
        city = rng.choice(CITIES[province])[0]
        if kind == 0:
            name = f"{base.name} ({city})"
        elif kind == 1:
            name = self.typo(base.name, avoid_label=None)
        else:
            others = [s for s in SUFFIXES[base.category] if s != base.suffix] or ["Aviation"]
            name = f"{base.stem} {rng.choice(others)}"
        org = self.make_org(label, aviation=base.aviation, category=base.category)
        self.stems.discard(org.stem)
        del self.name_keys[name_key(org.name)]
        org.name, org.stem = name, base.stem
        org.suffix = name[len(base.stem) + 1 :] if name.startswith(base.stem + " ") else org.suffix
        org.province, org.city = province, city
        org.domain = self._new_domain(base.stem + city)
        org.has_website = True
        org.phones = [self.phones.landline(province)]
        org.generic_email = self.unique_email("info", org.domain)
        for p in org.people:
            if p.email and not p.email.endswith("webmail-example.co.za"):
                p.email = self.unique_email(p.email.split("@")[0], org.domain)
        org.address = (
            f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {city}, {rng.randint(1000, 9999)}"
        )
        org.branch_of = base.label
        self.name_keys[name_key(name)] = label
        return org

    def typo(self, name: str, avoid_label: str | None) -> str:
        """Swap or drop one inner letter of the longest word; never hits another entity's name."""
        rng = self.rng
        words = name.split()
        for _ in range(200):
            i = max(range(len(words)), key=lambda j: (len(words[j]), -j))
            if rng.random() < 0.4:
                i = rng.randrange(len(words))
            w = words[i]
            if len(w) < 5:
                continue
            k = rng.randrange(1, len(w) - 2)
            if rng.random() < 0.5 and w[k] != w[k + 1]:
                w2 = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
            else:
                w2 = w[:k] + w[k + 1 :]
            candidate = " ".join([*words[:i], w2, *words[i + 1 :]])
            owner = self.name_keys.get(name_key(candidate))
            if candidate != name and (owner is None or owner == avoid_label):
                return candidate
        return name + "s"
