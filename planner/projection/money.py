"""Money: exact Decimal arithmetic, rounded to cents once, at the edge, so parts add to totals."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal("365.25") / 12  # 30.4375: an average month
SECONDS_PER_MONTH = DAYS_PER_MONTH * 86400
HOURS_PER_MONTH = Decimal(730)  # the cloud industry's billing month


def to_cents(amount: Decimal) -> Decimal:
    """To the cent, half up; a negative amount under half a cent is 0.00, not -0.00 (which the
    JSON report wrote as -0.0 and a page as "$-0.00": a cache curve's lookup cost of $0.0004)."""
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return cents if cents else abs(cents)


def allocate_cents(parts: Sequence[Decimal]) -> list[Decimal]:
    """Round each part to cents so that the rounded parts sum to the rounded total.

    Largest-remainder method: floor every part, then hand the cents left over to the parts
    that lost the most in flooring (ties to the earlier part). A finance reader who adds up a
    column gets exactly the total printed under it.
    """
    if not parts:
        return []
    total = to_cents(sum(parts, Decimal(0)))
    floors = [p.quantize(CENT, rounding=ROUND_FLOOR) for p in parts]
    leftover = int((total - sum(floors, Decimal(0))) / CENT)
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += CENT
    return floors


def pct_change(base: Decimal, value: Decimal) -> Decimal | None:
    """Savings of `value` against `base` in percent, one decimal; None when base is 0."""
    if base == 0:
        return None
    return ((base - value) / base * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
