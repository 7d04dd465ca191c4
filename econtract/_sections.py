"""Writing 1–9999 with Chinese positional units, shared by amounts and article numbers."""

from __future__ import annotations

__all__ = ["write_section"]


def write_section(value: int, digits: str, units: tuple[str, str, str, str]) -> str:
    """Write ``value`` (1–9999) with ``digits`` (zero first) and ``units`` (ones … thousands).

    Zeros between figures collapse into one zero digit; trailing zeros vanish.
    """
    out: list[str] = []
    pending_zero = False
    for position in range(3, -1, -1):
        digit = value // 10**position % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append(digits[0])
            pending_zero = False
        out.append(digits[digit] + units[position])
    return "".join(out)
