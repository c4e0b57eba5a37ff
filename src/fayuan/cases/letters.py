"""Notification letter numbers (通知辩护/通知代理公函文号) in one form, so that one letter typed
two ways is still one letter (第六条: a notification is registered once).

`letter_key` is what `Case.letter_key` stores and the unique constraint (organ, letter_key)
holds: Unicode NFKC (full-width digits, letters and brackets as ASCII: （２０２６） → (2026)),
case-folded (Ａ, a and A alike), every dash as "-" (‐ ‑ ‒ – — ― － − ﹣ ⁃), the brackets a
year is written in as "(" and ")" (〔〕［］【】〖〗() [] — 〔2026〕 and (2026) are one letter), and
no whitespace (an ideographic space or a line break pasted in the middle changes nothing).
The number as first received is kept as written in `Case.letter_number`.
"""

from __future__ import annotations

import re
import unicodedata

#: Every dash a letter number may be typed with (after NFKC, which already turns the full-width
#: hyphen-minus － into "-" and the non-breaking hyphen into ‐).
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d"
OPENING = "〔［【〖(["
CLOSING = "〕］】〗)]"

_DASH = re.compile(f"[{re.escape(DASHES)}]")
_OPEN = re.compile(f"[{re.escape(OPENING)}]")
_CLOSE = re.compile(f"[{re.escape(CLOSING)}]")
_SPACE = re.compile(r"\s+")


def letter_key(number: str) -> str:
    """The comparable form of a letter number (module docstring); "" for a blank one."""
    text = unicodedata.normalize("NFKC", number).casefold()
    text = _DASH.sub("-", text)
    text = _OPEN.sub("(", text)
    text = _CLOSE.sub(")", text)
    return _SPACE.sub("", text)
