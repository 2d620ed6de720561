"""Invented South African phone numbers: unique valid ones and deliberately invalid ones."""

from __future__ import annotations

import random

from hotpass_assets.lib.synthetic.vocab import CITIES, MOBILE_PREFIXES


class Phones:
    """Unique valid South African numbers (E.164) and deliberately invalid ones."""

    def __init__(self, rng: random.Random, used: set[str] | None = None) -> None:
        import phonenumbers

        self._pn = phonenumbers
        self.rng = rng
        self.used: set[str] = set(used or ())

    def is_valid(self, text: str) -> bool:
        try:
            number = self._pn.parse(text, "ZA")
        except self._pn.NumberParseException:
            return False
        return self._pn.is_valid_number(number)

    def _make(self, prefix: str) -> str:
        while True:
            number = f"+27{prefix}{self.rng.choice('2345678')}{self.rng.randrange(10**6):06d}"
            if number not in self.used and self.is_valid(number):
                self.used.add(number)
                return number

    def mobile(self) -> str:
        return self._make(self.rng.choice(MOBILE_PREFIXES))

    def landline(self, province: str | None) -> str:
        cities = CITIES.get(province or "Gauteng", CITIES["Gauteng"])
        return self._make(self.rng.choice(cities)[1])

    def invalid(self) -> str:
        """A phone-like text that is not a valid number (one digit short or one too many)."""
        while True:
            base = f"+27{self.rng.choice(('11', '12', '21', '82', '83'))}{self.rng.randrange(10**7):07d}"
            text = base[:-1] if self.rng.random() < 0.5 else base + str(self.rng.randrange(10))
            if not self.is_valid(text):
                return text
