"""lib.money: đồng with dots between thousands and the sign after."""

from __future__ import annotations

from decimal import Decimal

from lib.money import format_vnd


def test_it_groups_thousands_with_dots() -> None:
    assert format_vnd(1_500_000) == "1.500.000\u00a0₫"
    assert format_vnd(500) == "500\u00a0₫"
    assert format_vnd(0) == "0\u00a0₫"


def test_it_shows_negative_amounts_and_other_symbols() -> None:
    assert format_vnd(-360_000) == "-360.000\u00a0₫"
    assert format_vnd(10_000_000, symbol="đ") == "10.000.000\u00a0đ"


def test_it_drops_fractions_and_shows_nothing_for_no_amount() -> None:
    assert format_vnd(Decimal("750000.00")) == "750.000\u00a0₫"  # type: ignore[arg-type]
    assert format_vnd(None) == ""
