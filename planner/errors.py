"""The errors plan shows to users. The CLI maps each family to one exit code and one line."""

from __future__ import annotations

from pricing import PricingError


class PlannerError(Exception):
    """Base of every user-facing error. `hint` says what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class InputError(PlannerError):
    """The logs (or the files named) cannot be used."""


class RulesError(PlannerError):
    """The rules or overrides file is invalid."""


class DatabaseError(PlannerError):
    """The DuckDB database cannot be opened or is from an incompatible plan."""


__all__ = ["DatabaseError", "InputError", "PlannerError", "PricingError", "RulesError"]
