"""Citizen identity numbers (GB 11643-1999) and masking of personal data for lists and logs.

An ID number has one form, in which it is validated, stored, hashed and compared:
`normalize_id_number` (NFKC, no whitespace, upper-case X). Every entry point (the API, replay's
events, the recusal declarations, the admin) normalises first and then checks the result with
`id_number_problem`, which accepts ASCII digits only: full-width １２３ and superscript ¹²³ are
NFKC's 123 and so the same person's number, while digits NFKC leaves alone (Arabic-Indic ٥,
Devanagari ५) are refused, never silently read as 5.
"""

from __future__ import annotations

import unicodedata
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_problem(value: str) -> str:
    """Why `value` is not a valid 18-digit citizen identity number, in Chinese; "" if it is."""
    if len(value) != 18:
        return f"应为 18 位，实为 {len(value)} 位"
    body, check = value[:17], value[17].upper()
    if not _ascii_digits(body) or not (_ascii_digits(check) or check == "X"):
        return "前 17 位应为数字 0–9，末位应为数字 0–9 或 X"
    try:
        date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return f"出生日期 {body[6:14]} 无效"
    expected = _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    if check != expected:
        return f"校验码错误（按 GB 11643 应为 {expected}）"
    return ""


def mask_id_number(value: str | None) -> str:
    """5001**********123X: the region prefix and last four only (DESIGN.md)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*三 / 李*: the family name and, for three or more characters, the last one."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def normalize_id_number(value: str | None) -> str:
    """The one form an ID number is stored, hashed and compared in: Unicode NFKC (full-width
    and superscript digits become ASCII ones, ｘ becomes x), no whitespace, an upper-case X.
    It does not validate: `id_number_problem` of the result does (ASCII digits only)."""
    if not value:
        return ""
    # Only the check digit is a letter, so only x is upper-cased (str.upper() would turn an
    # NFKC text into one that is not, and normalising twice would change it again).
    text = "".join(unicodedata.normalize("NFKC", value).split()).replace("x", "X")
    return unicodedata.normalize("NFKC", text)


class IdNumberError(ValueError):
    """An ID number that is not valid; `reason` in Chinese, e.g. "校验码错误（…）"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_id_number(value: str | None) -> str:
    """`value` normalised (`normalize_id_number`), "" for none; `IdNumberError` when the
    normalised number is not a valid GB 11643 number."""
    number = normalize_id_number(value)
    if number:
        problem = id_number_problem(number)
        if problem:
            raise IdNumberError(problem)
    return number


def _ascii_digits(text: str) -> bool:
    # str.isdigit() is also true of ¹, ５ and ٥ (and int() reads ٥ as 5): ASCII only here.
    return text.isascii() and text.isdigit()
