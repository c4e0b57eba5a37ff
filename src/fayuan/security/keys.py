"""The keys the service needs that are not in the database, read from the environment.

* `FAYUAN_FIELD_KEY`: Fernet key(s) that encrypt ID numbers at rest. Several, separated by
  commas, rotate: the first encrypts, every one decrypts (`fayuan manage security rekey`
  re-encrypts the stored numbers with the first and rehashes them).
* `FAYUAN_MATCH_KEY`: the HMAC-SHA256 key of the keyed hash stored beside each encrypted number,
  so conflicts, recusals and duplicates are still found by equality without decrypting.

Production (`FAYUAN_DEBUG=0`) refuses to start without them (`required_key`). The demo and the
tests get generated development keys, kept in `var/dev-keys/` so that the demo database stays
readable from one run to the next. Nothing here imports Django: settings.py calls it, and
`python -m fayuan.security.keys` prints new keys before any setting exists.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path

GENERATE_HELP = (
    "生成方法：.venv/bin/python -m fayuan.security.keys（打印新的 FAYUAN_FIELD_KEY 和 "
    "FAYUAN_MATCH_KEY；请保存在密钥管理处，丢失 FAYUAN_FIELD_KEY 即无法读取已存储的身份证号）"
)


class KeyMissing(Exception):
    """A key production needs is not set or is malformed; the message says which and how."""


def new_field_key() -> str:
    """A new Fernet key (32 random bytes, URL-safe base64)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def new_match_key() -> str:
    return secrets.token_urlsafe(48)


def _dev_key(folder: Path, name: str, make: str) -> str:
    """The development key `name` under `folder`, created once (safe when several test workers
    start together: the first to create the file wins, the others read it)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process is writing it: wait for its content
            text = path.read_text(encoding="ascii").strip()
            if text:
                return text
            time.sleep(0.02)
        raise KeyMissing(f"开发密钥文件 {path} 为空，请删除后重试") from None
    value = new_field_key() if make == "field" else new_match_key()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(value + "\n")
    return value


def field_keys(debug: bool, var_dir: Path) -> list[str]:
    """The Fernet keys, the encrypting one first."""
    raw = os.environ.get("FAYUAN_FIELD_KEY", "").strip()
    if not raw:
        if not debug:
            raise KeyMissing(
                "生产环境（FAYUAN_DEBUG=0）必须设置 FAYUAN_FIELD_KEY（身份证号加密密钥，"
                "Fernet 格式，多个以逗号分隔，第一个用于加密）；拒绝启动。" + GENERATE_HELP
            )
        return [_dev_key(var_dir / "dev-keys", "field-key", "field")]
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    for n, key in enumerate(keys, 1):
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            decoded = b""
        if len(decoded) != 32:
            raise KeyMissing(
                f"FAYUAN_FIELD_KEY 的第 {n} 个密钥不是有效的 Fernet 密钥"
                "（应为 32 字节的 URL 安全 Base64）。" + GENERATE_HELP
            )
    return keys


def match_key(debug: bool, var_dir: Path) -> str:
    raw = os.environ.get("FAYUAN_MATCH_KEY", "").strip()
    if not raw:
        if not debug:
            raise KeyMissing(
                "生产环境（FAYUAN_DEBUG=0）必须设置 FAYUAN_MATCH_KEY（身份证号比对用的 HMAC "
                "密钥，至少 32 个字符）；拒绝启动。" + GENERATE_HELP
            )
        return _dev_key(var_dir / "dev-keys", "match-key", "match")
    if len(raw) < 32:
        raise KeyMissing("FAYUAN_MATCH_KEY 过短：至少 32 个字符。" + GENERATE_HELP)
    return raw


def main() -> None:
    print(f"FAYUAN_FIELD_KEY={new_field_key()}")
    print(f"FAYUAN_MATCH_KEY={new_match_key()}")


if __name__ == "__main__":
    main()
