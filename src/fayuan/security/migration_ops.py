"""Data migrations that encrypt (and, backwards, decrypt) the ID number columns in place.

They read and write the raw columns with SQL, past the model fields, so they work whatever the
historical model says; a row already encrypted is left as it is (the migration can be re-run).
The SQL is built from the quoted names of our own tables and columns, never from input; the
values go as parameters."""

from __future__ import annotations

from typing import Any

from fayuan.identity import normalize_id_number
from fayuan.security.fields import decrypt, encrypt, is_token, match_hash


def _rows(schema_editor: Any, table: str) -> list[tuple[int, str]]:
    qn = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('id')}, {qn('id_number')} FROM {qn(table)} WHERE {qn('id_number')} <> ''"
        )
        return [(int(pk), str(value)) for pk, value in cursor.fetchall()]


def _write(schema_editor: Any, table: str, pk: int, value: str, digest: str) -> None:
    qn = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(table)} SET {qn('id_number')} = %s, {qn('id_number_hash')} = %s"
            f" WHERE {qn('id')} = %s",
            [value, digest, pk],
        )


def encrypt_table(table: str) -> Any:
    def forwards(apps: Any, schema_editor: Any) -> None:
        for pk, value in _rows(schema_editor, table):
            plain = decrypt(value) if is_token(value) else normalize_id_number(value)
            token = value if is_token(value) else encrypt(plain)
            _write(schema_editor, table, pk, token, match_hash(plain))

    return forwards


def decrypt_table(table: str) -> Any:
    def backwards(apps: Any, schema_editor: Any) -> None:
        for pk, value in _rows(schema_editor, table):
            if is_token(value):
                _write(schema_editor, table, pk, decrypt(value), "")

    return backwards
