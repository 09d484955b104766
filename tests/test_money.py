from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from planner.projection.money import allocate_cents, pct_change, to_cents

amounts = st.decimals(min_value=0, max_value=10**7, places=9, allow_nan=False)


@given(st.lists(amounts, max_size=40))
def test_rounded_parts_sum_to_rounded_total(parts):
    rounded = allocate_cents(parts)
    assert sum(rounded, Decimal(0)) == to_cents(sum(parts, Decimal(0)))
    assert all(abs(r - p) < Decimal("0.01") for r, p in zip(rounded, parts, strict=True))


def test_allocation_by_hand():
    # 3 x 0.333... = 1.00: floors are 0.33 each, the one cent left goes to the first part.
    third = Decimal(1) / 3
    assert allocate_cents([third, third, third]) == [Decimal("0.34"), Decimal("0.33"),
                                                     Decimal("0.33")]
    # Half-up at the total: 0.005 + 0.005 = 0.01.
    assert allocate_cents([Decimal("0.005"), Decimal("0.005")]) == [Decimal("0.01"), Decimal("0")]


def test_pct_change():
    assert pct_change(Decimal(200), Decimal(50)) == Decimal("75.0")
    assert pct_change(Decimal(0), Decimal(5)) is None


def test_a_negative_amount_under_half_a_cent_is_zero_not_minus_zero():
    assert str(to_cents(Decimal("-0.0004"))) == "0.00"
    assert str(to_cents(Decimal("-0.005"))) == "-0.01"  # half a cent rounds away from zero
    assert str(to_cents(Decimal("0.004"))) == "0.00"
