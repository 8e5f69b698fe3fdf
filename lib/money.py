"""Vietnamese đồng: whole numbers, "." between thousands, the ₫ sign after (1.500.000 ₫)."""

from __future__ import annotations


def format_vnd(amount: int | None, *, symbol: str = "₫") -> str:
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(int(amount)):,}".replace(",", ".")
    return f"{sign}{grouped}\u00a0{symbol}"
