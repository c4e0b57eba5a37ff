"""ID numbers encrypted at rest, with a keyed hash beside them for matching.

`EncryptedIdNumberField` stores a Fernet token (AES-128-CBC + HMAC-SHA256, `cryptography`) of the
normalised number (`fayuan.identity.normalize_id_number`) and gives the plain number back on
read; the database, its dumps and its backups hold no ID digits. It cannot be searched: any
lookup but `isnull` is refused, so nobody filters on ciphertext by mistake.

`MatchHashField(source=...)` holds HMAC-SHA256(`FAYUAN_MATCH_KEY`, normalised number), computed
on every save (and in `bulk_create`); conflict search, recusal flags and duplicate checks filter
on it (`match_hash`). Without the key a stolen hash column cannot be brute-forced over the small
space of valid ID numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.validators import MaxLengthValidator
from django.db import models

from fayuan.identity import normalize_id_number

#: Every Fernet token starts with its version byte 0x80, base64 "gAAAAA".
TOKEN_PREFIX = "gAAAAA"


class FieldKeyError(RuntimeError):
    """A stored number does not decrypt with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode("ascii")) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FAYUAN_FIELD_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise FieldKeyError(
            "无法解密已存储的身份证号：FAYUAN_FIELD_KEY 中没有加密它时的密钥（轮换密钥时，"
            "旧密钥应保留在列表中，直到 fayuan manage security rekey 完成）。"
        ) from exc


def rotate(token: str) -> str:
    """The same number encrypted with the first key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def match_hash(value: str | None) -> str:
    """The keyed hash of a number, "" for none; equal numbers (after normalising) hash equal."""
    number = normalize_id_number(value)
    if not number:
        return ""
    key = settings.FAYUAN_MATCH_KEY.encode()
    return hmac.new(key, number.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def match_hashes(values: Iterable[str | None]) -> set[str]:
    return {h for h in (match_hash(v) for v in values) if h}


class EncryptedIdNumberField(models.TextField):  # type: ignore[type-arg]
    """An ID number, encrypted in the database, plain (and normalised) in Python."""

    description = "加密存储的身份证号"

    def __init__(self, *args: Any, plain_max_length: int = 18, **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(plain_max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length != 18:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        number = normalize_id_number(str(value))
        return encrypt(number) if number else ""

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.model.__name__}.{self.name} 加密存储，不能按“{lookup_name}”查询："
            f"请按 {self.name}_hash（fayuan.security.fields.match_hash）查询。"
        )

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # One line of at most `plain_max_length` characters, not a text area.
        return super().formfield(
            **{"max_length": self.plain_max_length, "widget": forms.TextInput, **kwargs}
        )


class MatchHashField(models.CharField):  # type: ignore[type-arg]
    """HMAC-SHA256 of the normalised value of the field `source`, set on every save."""

    description = "身份证号的密钥哈希（用于比对）"

    def __init__(self, *args: Any, source: str = "id_number", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                del kwargs[key]
        if kwargs.get("default") == "":
            del kwargs["default"]
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = match_hash(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value
