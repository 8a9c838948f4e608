"""Prices in cents, shown to the reader as money."""


def format_price(cents: int) -> str:
    """1999 -> '19.99'; negative amounts keep their sign."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
