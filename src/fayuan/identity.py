"""Citizen identity numbers (GB 11643-1999) and masking of personal data for lists and logs."""

from __future__ import annotations

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_problem(value: str) -> str:
    """Why `value` is not a valid 18-digit citizen identity number, in Chinese; "" if it is."""
    if len(value) != 18:
        return f"应为 18 位，实为 {len(value)} 位"
    body, check = value[:17], value[17].upper()
    if not body.isdigit() or not (check.isdigit() or check == "X"):
        return "前 17 位应为数字，末位应为数字或 X"
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


_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")


def normalize_id_number(value: str | None) -> str:
    """The one form an ID number is stored, hashed and compared in: no spaces, ASCII digits
    (full-width ones converted), an upper-case X."""
    if not value:
        return ""
    return "".join(value.split()).translate(_FULLWIDTH).upper()
