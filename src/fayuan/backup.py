"""`fayuan backup OUT` and `fayuan restore IN`: the whole database, PostgreSQL or SQLite.

- PostgreSQL: `pg_dump -Fc` (the custom format), restored by `pg_restore` into one psql
  transaction that first empties the schema: the database is either the backup's, whole, or
  unchanged.
- SQLite (the embedded default): SQLite's online backup API, consistent while the service runs;
  restored through the same API, in one write transaction.

The backup is written beside OUT under a temporary name, checked (`pg_restore --list`, or
SQLite's integrity check), flushed to disk and only then renamed to OUT: OUT is never a partial
file. Every refusal is a `BackupError` with a Chinese message; the command exits 1.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: A restore waits this long for the other sessions' locks, then gives up (nothing changed).
LOCK_TIMEOUT = "15s"


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why and what to do."""


@dataclass(frozen=True)
class Done:
    path: Path
    size: int
    kind: str  # "postgresql" or "sqlite"

    def __str__(self) -> str:
        what = "PostgreSQL（pg_dump 自定义格式）" if self.kind == "postgresql" else "SQLite"
        return f"{self.path}（{what}，{self.size:,} 字节）"


def _kind(database: dict[str, Any]) -> str:
    engine = database["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"不支持备份这种数据库：{engine}（只支持 PostgreSQL 和 SQLite）。")


def _pg_env(database: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the database: no password on a command line."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if database.get(key):
            env[name] = str(database[key])
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    env["PGDATABASE"] = str(database["NAME"])
    options = database.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端工具（Debian：apt-get install "
            "postgresql-client，版本不低于数据库服务器）。"
        )
    return path


def _stderr_tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-5:])


def _run(argv: list[str], env: dict[str, str], what: str, **kwargs: Any) -> None:
    try:
        stdout = kwargs.pop("stdout", subprocess.PIPE)
        done = subprocess.run(
            argv, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, check=False, **kwargs
        )
    except OSError as exc:
        raise BackupError(f"{what}失败：无法运行 {argv[0]}（{exc.strerror}）。") from exc
    if done.returncode != 0:
        tool = Path(argv[0]).name
        raise BackupError(
            f"{what}失败（{tool} 退出码 {done.returncode}）：\n{_stderr_tail(done.stderr)}"
        )


@contextmanager
def _atomic_output(out: Path, force: bool) -> Iterator[Path]:
    """A temporary file beside `out`, renamed to it when the block succeeds, removed if not."""
    if out.is_dir():
        raise BackupError(f"{out} 是一个文件夹，请给出备份文件的路径。")
    if out.exists() and not force:
        raise BackupError(f"{out} 已存在：请换一个文件名，或加 --force 覆盖。")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise BackupError(f"文件夹 {folder} 不存在。")
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".partial")
    except OSError as exc:
        raise BackupError(f"无法在 {folder} 中写入（{exc.strerror}）。") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)  # a backup holds every person's data
        os.replace(tmp, out)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------ backup


def backup(out: Path, database: dict[str, Any], force: bool = False) -> Done:
    kind = _kind(database)
    with _atomic_output(out, force) as tmp:
        if kind == "postgresql":
            _pg_backup(tmp, database)
        else:
            _sqlite_backup(tmp, Path(database["NAME"]))
    return Done(out, out.stat().st_size, kind)


def _pg_backup(tmp: Path, database: dict[str, Any]) -> None:
    env = _pg_env(database)
    _run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}"],
        env,
        "备份数据库",
    )
    _run([_tool("pg_restore"), "--list", str(tmp)], env, "检查备份文件", stdout=subprocess.DEVNULL)


def _sqlite_backup(tmp: Path, source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"数据库文件 {source} 不存在。")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=20)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                _sqlite_check(dst, tmp)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"备份数据库失败：{exc}") from exc


def _sqlite_check(conn: sqlite3.Connection, path: Path) -> None:
    (result,) = conn.execute("PRAGMA integrity_check").fetchone()
    if result != "ok":
        raise BackupError(f"{path} 未通过 SQLite 完整性检查：{result}")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "django_migrations" not in tables or "audit_auditevent" not in tables:
        raise BackupError(f"{path} 不是本系统的数据库（缺少 django_migrations 或审计日志表）。")


# ------------------------------------------------------------------ restore


def backup_kind(path: Path) -> str:
    """What `path` holds, from its first bytes: "postgresql" or "sqlite"."""
    if path.is_dir():
        raise BackupError(f"{path} 是一个文件夹，请给出备份文件的路径。")
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise BackupError(f"备份文件 {path} 不存在。") from None
    except OSError as exc:
        raise BackupError(f"无法读取备份文件 {path}（{exc.strerror}）。") from exc
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    raise BackupError(
        f"{path} 不是 fayuan backup 生成的备份（既不是 pg_dump 自定义格式，也不是 SQLite 数据库）。"
    )


def restore(source: Path, database: dict[str, Any]) -> Done:
    kind = _kind(database)
    found = backup_kind(source)
    zh = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    if found != kind:
        raise BackupError(
            f"备份是 {zh[found]} 数据库，而当前数据库是 {zh[kind]}：不能直接恢复"
            "（请在同类数据库上恢复，或检查 DATABASE_URL）。"
        )
    if kind == "postgresql":
        _pg_restore(source, database)
    else:
        _sqlite_restore(source, Path(database["NAME"]))
    return Done(source, source.stat().st_size, kind)


def _pg_restore(source: Path, database: dict[str, Any]) -> None:
    """pg_restore's SQL streamed into one psql transaction that first empties the schema; COMMIT
    is written only after pg_restore read the whole file, so a failure anywhere (a damaged
    file, a lock, a full disk) leaves the database as it was."""
    env = _pg_env(database)
    listing = [_tool("pg_restore"), "--list", str(source)]
    what = "检查备份文件（文件损坏或不完整，数据库未作任何改动）"
    _run(listing, env, what, stdout=subprocess.DEVNULL)
    prologue = (
        f"BEGIN;\nSET LOCAL lock_timeout = '{LOCK_TIMEOUT}';\n"
        "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    ).encode()
    reader_argv = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(source)]
    psql = [_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"]
    with tempfile.TemporaryFile() as reader_err, tempfile.TemporaryFile() as psql_err:
        writer = subprocess.Popen(
            psql, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err
        )
        reader = subprocess.Popen(reader_argv, env=env, stdout=subprocess.PIPE, stderr=reader_err)
        assert writer.stdin is not None and reader.stdout is not None
        complete = False
        try:
            writer.stdin.write(prologue)
            shutil.copyfileobj(reader.stdout, writer.stdin, 1 << 20)
            complete = reader.wait() == 0
            if complete:
                writer.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error: it says which below
        finally:
            reader.stdout.close()
            if reader.poll() is None:
                reader.kill()
            reader.wait()
            with suppress(BrokenPipeError):
                writer.stdin.close()
            writer.wait()
        if reader.returncode != 0:
            reader_err.seek(0)
            err = reader_err.read().decode(errors="replace")
            raise BackupError(f"读取备份文件失败，数据库未作任何改动：\n{_stderr_tail(err)}")
        psql_err.seek(0)
        err = psql_err.read().decode(errors="replace")
    if writer.returncode != 0 or not complete or "ERROR" in err:
        hint = ""
        if "lock timeout" in err:
            hint = "数据库正被其他连接使用：请先停止 fayuan 服务和后台任务，再恢复。\n"
        raise BackupError(f"恢复数据库失败，数据库未作任何改动。\n{hint}{_stderr_tail(err)}")


def _sqlite_restore(source: Path, target: Path) -> None:
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            _sqlite_check(src, source)
            target.parent.mkdir(parents=True, exist_ok=True)
            dst = sqlite3.connect(target, timeout=20)
            try:
                # One step: the target is written in one transaction, so it is either the
                # backup, whole, or (on an error) unchanged.
                src.backup(dst, pages=-1)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise BackupError(
                "数据库正被其他进程使用：请先停止 fayuan 服务和后台任务，再恢复。"
            ) from exc
        raise BackupError(f"恢复数据库失败：{exc}") from exc
    except sqlite3.Error as exc:
        raise BackupError(f"恢复数据库失败：{exc}") from exc
