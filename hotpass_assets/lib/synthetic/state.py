"""The state shared while the three demo workbooks are built, and their truth.

:class:`DemoBuilder` draws the invented universe (organisations, branches, which sources list
each one, customers and their orders) from one seeded random stream. The workbook modules
(:mod:`.sacaa`, :mod:`.reachout`, :mod:`.contact_db`) then draw their rows from the same stream,
in a fixed order, so a seed always gives the same workbooks.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable

from hotpass_assets.lib.synthetic.layout import DEMO_FILES
from hotpass_assets.lib.synthetic.phones import Phones
from hotpass_assets.lib.synthetic.text import rand_date
from hotpass_assets.lib.synthetic.truth import DemoTruth, Recorder
from hotpass_assets.lib.synthetic.universe import Org, Universe
from hotpass_assets.lib.synthetic.vocab import CATEGORY_EFFECT

#: Chance that an organisation is listed in each source, by kind of organisation.
_SCHOOL_SOURCES = {
    "sacaa": 0.85,
    "reachout": 0.6,
    "company_cat": 0.3,
    "capture": 0.25,
    "flight_schools": 0.3,
}
_AVIATION_SOURCES = {"sacaa": 0.15, "reachout": 0.45, "company_cat": 0.6}
_OTHER_SOURCES = {"company_cat": 1.0}
#: Sources that each get at least one organisation, even for tiny universes.
_DATA_SOURCES = ("sacaa", "reachout", "contact_info", "company_cat", "capture", "flight_schools")

#: Name variant kinds that must appear at least once, and which organisations can show them.
_FORCED_KINDS: tuple[tuple[str, Callable[[Org], bool]], ...] = (
    (
        "flying",
        lambda o: bool(
            "Flight School" in o.name and o.sources & {"reachout", "capture", "flight_schools"}
        ),
    ),
    ("typo", lambda o: "reachout" in o.sources and o.website is not None),
    (
        "abbrev",
        lambda o: "company_cat" in o.sources and o.domain is not None and len(o.name.split()) >= 3,
    ),
)


class DemoBuilder:
    """Seeded random stream, invented universe, truth recorder and the choices shared by sheets."""

    def __init__(self, seed: int, n_organisations: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.phones = Phones(self.rng)
        self.uni = Universe(self.rng, self.phones)
        self.rec = Recorder()
        self.branch_pairs: list[list[str]] = []
        self.unmatched_orders = 0
        self.force: dict[str, str] = {}  # entity label -> name variant kind it must show
        self._build_universe(max(8, n_organisations))

    # universe, membership and customers -------------------------------------------------------

    def _build_universe(self, n: int) -> None:
        self._make_orgs(n)
        self._assign_sources()
        self._force_variants()
        crm = self.members("company_cat")
        customers = self._draw_customers(crm)
        self._draw_orders(crm, customers)

    def _make_orgs(self, n: int) -> None:
        """``n`` organisations, of which ``n // 30`` (at least one) are branches of a school."""
        rng, uni = self.rng, self.uni
        n_pairs = max(1, n // 30)
        n_base = n - n_pairs
        for i in range(n_base):
            uni.make_org(f"E{i + 1:03d}", aviation=rng.random() < 0.62)
        schools = [o for o in uni.orgs if o.category == "Flight School"]
        if len(schools) < n_pairs:
            schools = [o for o in uni.orgs if o.aviation] or list(uni.orgs)
        bases = rng.sample(schools, min(n_pairs, len(schools)))
        for k, base in enumerate(bases):
            branch = uni.make_branch(base, f"E{len(uni.orgs) + 1:03d}", k % 3)
            base.sources.add("sacaa")
            branch.sources.add("sacaa")
            self.branch_pairs.append([base.label, branch.label])

    def _assign_sources(self) -> None:
        rng, uni = self.rng, self.uni
        for o in uni.orgs:
            if o.category == "Flight School":
                p = _SCHOOL_SOURCES
            elif o.aviation:
                p = _AVIATION_SOURCES
            else:
                p = _OTHER_SOURCES
            for src, prob in p.items():
                if rng.random() < prob:
                    o.sources.add(src)
            if not o.sources:
                o.sources.add("reachout")
            if ("reachout" in o.sources and rng.random() < 0.85) or (
                o.aviation and rng.random() < 0.15
            ):
                o.sources.add("contact_info")
        for src in _DATA_SOURCES:
            if not any(src in o.sources for o in uni.orgs):
                fits = [o for o in uni.orgs if o.aviation or src == "company_cat"] or uni.orgs
                fits[0].sources.add(src)

    def _force_variants(self) -> None:
        paired = {x for pair in self.branch_pairs for x in pair}
        free = [o for o in self.uni.orgs if o.label not in paired]
        for kind, ok in _FORCED_KINDS:
            found = next((o for o in free if ok(o) and o.label not in self.force), None)
            if found is not None:
                self.force[found.label] = kind

    def _draw_customers(self, crm: list[Org]) -> list[Org]:
        """Customers among the Contact Database organisations, from a latent propensity."""
        rng = self.rng
        for o in crm:
            z = (
                -2.6
                + CATEGORY_EFFECT.get(o.category, 0.0)
                + 1.3 * o.has_website
                + 0.45 * len(o.people)
                + 0.7 * (o.province in ("Gauteng", "Western Cape"))
                + rng.gauss(0.0, 0.8)
            )
            o.is_customer = rng.random() < 1.0 / (1.0 + math.exp(-z))
        if crm and not any(o.is_customer for o in crm):
            crm[0].is_customer = True
        if len(crm) > 1 and all(o.is_customer for o in crm):
            crm[-1].is_customer = False
        return [o for o in crm if o.is_customer]

    def _draw_orders(self, crm: list[Org], customers: list[Org]) -> None:
        """Accounting names, order dates and "Last Order" statuses of the customers."""
        rng = self.rng
        status_only = customers[len(customers) // 2] if len(customers) >= 5 else None
        acc_seen: set[str] = set()
        for o in crm:
            if o.is_customer and o is not status_only:
                o.accounting_name = self._accounting_name(o, acc_seen)
                n_orders = rng.choices((1, 2, 3), weights=(80, 14, 6), k=1)[0]
                o.order_dates = sorted(
                    (
                        rand_date(rng, dt.date(1998, 1, 1), dt.date(2025, 7, 25))
                        for _ in range(n_orders)
                    ),
                    reverse=True,
                )
                o.last_order_status = rng.random() < 0.15
            elif o is status_only:
                o.last_order_status = True
            elif rng.random() < 0.03:
                o.accounting_name = self._accounting_name(o, acc_seen)
        if customers and not any(o.last_order_status for o in customers):
            customers[0].last_order_status = True

    def _accounting_name(self, o: Org, seen: set[str]) -> str:
        rng = self.rng
        form = rng.random()
        if form < 0.5:
            acc = f"{o.name} (Pty) Ltd"
        elif form < 0.7:
            acc = o.name.upper()
        elif form < 0.85:
            acc = f"{o.name} CC"
        else:
            acc = f"{o.name} - {o.city[:3].upper()}"
        while acc.casefold() in seen:
            acc += " 2"
        seen.add(acc.casefold())
        return acc

    def forced(self, o: Org, *kinds: str) -> str | None:
        """The name variant kind ``o`` must show, when it is one of ``kinds``."""
        kind = self.force.get(o.label)
        return kind if kind in kinds else None

    def members(self, source: str) -> list[Org]:
        """The organisations listed in ``source``, in universe order."""
        return [o for o in self.uni.orgs if source in o.sources]

    # truth ----------------------------------------------------------------------------------

    def truth(self) -> DemoTruth:
        rec = self.rec
        sources = rec.sources()
        entities = []
        customers = []
        for o in self.uni.orgs:
            if o.label not in sources:
                continue
            is_customer = bool(o.order_dates or o.last_order_status) and o.is_customer
            if is_customer:
                customers.append(o.label)
            entities.append(rec.entity(o, sources, is_customer=is_customer))
        return DemoTruth(
            entities=entities,
            record_entity=dict(rec.record_entity),
            valid_phones=sorted(rec.phones),
            valid_emails=sorted(rec.emails),
            invalid_phones=rec.invalid_phones,
            junk_emails=rec.junk_emails,
            contacts=rec.contacts,
            customers=sorted(customers),
            files=list(DEMO_FILES),
            seed=self.seed,
            phone_placeholders=rec.phone_placeholders,
            email_placeholders=rec.email_placeholders,
            branch_pairs=[p for p in self.branch_pairs if all(x in sources for x in p)],
            unmatched_order_rows=self.unmatched_orders,
        )
