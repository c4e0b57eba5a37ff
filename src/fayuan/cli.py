"""The `fayuan` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from fayuan import server
from fayuan.exchange import one_based
from fayuan.policy.explain import explain_decision
from fayuan.policy.params import PolicyError, available_policies, load_policy
from fayuan.replay import ReplayInputError, ReplayOutputError, ReplayResult, replay
from fayuan.workdays import CalendarFileError, WorkdayCalendar

STATUS_ZH = {"assigned": "已指派", "unassignable": "无可指派机构", "refused": "不予更换"}
RULE_ZH = {
    "choice": "点援（申请人选择）",
    "helping": "便民（提供法律帮助的机构）",
    "rotation": "刑事按序轮流",
    "ranking": "综合评分",
    "change": "更换承办人",
}
ROUTE_ZH = {"director": "中心负责人决定", "bureau": "集体讨论后报区司法局决定"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fayuan", description="法援指派：法律援助案件指派")
    commands = parser.add_subparsers(dest="command", required=True)
    rp = commands.add_parser(
        "replay",
        help="按规则重放事件流，输出每个案件的指派决定（SPEC §12）",
        description="Apply an event stream to a roster and write the decisions (SPEC.md §12).",
    )
    rp.add_argument("--roster", required=True, type=Path, help="roster JSON (机构与承办人名册)")
    rp.add_argument("--events", required=True, type=Path, help="events JSON Lines (事件流)")
    rp.add_argument("--out", type=Path, help="decisions JSON Lines to write (决定输出文件)")
    rp.add_argument(
        "--policy",
        default="beibei-2023",
        help=f"policy name or file (政策文件); packaged: {', '.join(available_policies())}",
    )
    rp.add_argument("--calendar", type=Path, help="working-day overrides file (日历补充文件)")
    rp.add_argument(
        "--provisional-calendar",
        action="store_true",
        help="for a year with no State Council holiday arrangement yet, count weekends and the "
        "statutory holidays of 全国年节及纪念日放假办法 (no make-up days) and mark those decisions "
        '"deadline_provisional": true (暂定期限); without it such a year is an input error',
    )
    rp.add_argument("--explain", metavar="CASE_ID", help="print one case's reasoning in Chinese")
    rp.add_argument("--summary", action="store_true", help="print a readable summary")
    fp = commands.add_parser(
        "fairness",
        help="刑事按序轮流指派公平性核查：各律师事务所实得轮次与应得轮次（第十一条，SPEC §8）",
        description="Replay a period (--roster and --events) or read the service's database "
        "(--center) and report, per firm, the criminal rotation turns received against the "
        "entitlement; exit 0 when no firm is off by more than one turn beyond its documented "
        "skips, 3 when some firm is, 1 on bad input.",
    )
    fp.add_argument(
        "--center",
        metavar="CODE",
        help="read the service's database for this center's code instead of --roster/--events "
        "(读取数据库中该法律援助中心的指派记录；其政策为中心的适用政策)",
    )
    fp.add_argument(
        "--roster", type=Path, help="roster JSON (机构与承办人名册); with --events, not --center"
    )
    fp.add_argument(
        "--events", type=Path, help="events JSON Lines (事件流); with --roster, not --center"
    )
    fp.add_argument(
        "--decisions",
        type=Path,
        help="recorded decisions JSON Lines (SPEC §12) to check instead of the rules' own",
    )
    fp.add_argument("--policy", default="beibei-2023", help="policy name or file (政策文件)")
    fp.add_argument("--calendar", type=Path, help="working-day overrides file (日历补充文件)")
    fp.add_argument("--provisional-calendar", action="store_true", help="as for replay (暂定期限)")
    fp.add_argument("--from", dest="period_from", help="first day of the period, YYYY-MM-DD")
    fp.add_argument("--until", dest="period_until", help="last day of the period, YYYY-MM-DD")
    fp.add_argument("--json", dest="json_out", type=Path, help="write the report as JSON")
    fp.add_argument("--xlsx", dest="xlsx_out", type=Path, help="write the report as Excel")
    demo = commands.add_parser(
        "demo",
        help="建库、载入演示名册与账号，并在 http://127.0.0.1:8000 启动服务",
        description="Migrate the embedded database, load the fictional Beibei demo roster, "
        "accounts and cases, print the accounts with their passwords, and serve.",
    )
    demo.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    demo.add_argument("--no-serve", action="store_true", help="只建库和载入数据，不启动服务")
    demo.add_argument("--reset", action="store_true", help="清空演示数据库后重新载入")
    manage = commands.add_parser(
        "manage",
        help="Django 管理命令，如 fayuan manage migrate、fayuan manage deadlines --email",
        description="Pass the arguments to Django's management (python -m django ...).",
        add_help=False,
    )
    manage.add_argument("args", nargs=argparse.REMAINDER, help="管理命令及其参数")
    audit = commands.add_parser(
        "audit",
        help="审计日志：fayuan audit verify 校验哈希链和签名检查点；checkpoint 签署检查点",
    )
    audit.add_argument(
        "action",
        choices=["verify", "checkpoint", "keygen"],
        help="verify：校验哈希链和签名检查点，被篡改或改写时退出码为 1；checkpoint：签署日志末尾；"
        "keygen --out 目录：生成签名密钥对",
    )
    audit.add_argument("options", nargs=argparse.REMAINDER, help="如 --checkpoints 文件")
    server.add_parsers(commands)
    bk = commands.add_parser(
        "backup",
        help="备份整个数据库到文件（PostgreSQL：pg_dump -Fc；SQLite：在线备份）",
        description="Back the whole database up to OUT, atomically (never a partial file).",
    )
    bk.add_argument("out", type=Path, help="备份文件")
    bk.add_argument("--force", action="store_true", help="覆盖已有的同名文件")
    rs = commands.add_parser(
        "restore",
        help="从 fayuan backup 的备份文件恢复整个数据库（先停止服务和后台任务）",
        description="Replace the whole database with the backup IN, in one transaction.",
    )
    rs.add_argument("source", type=Path, metavar="in", help="备份文件")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] in (["worker"], ["beat"]) and words[1:2] not in (["-h"], ["--help"]):
        return server.celery(words[0], words[1:])  # every option is Celery's
    args = _parser().parse_args(argv)
    if args.command == "replay":
        return _replay(args)
    if args.command == "fairness":
        from fayuan.fairness import run_fairness

        if args.center is not None:
            _django()  # only the database source needs it; the replay never imports Django
        return run_fairness(args, _message)
    if args.command == "demo":
        return _demo(args)
    if args.command == "manage":
        return _manage(list(args.args))
    if args.command == "audit":
        return _manage(["audit", args.action, *args.options])
    if args.command == "serve":
        return server.serve(args)
    if args.command in ("worker", "beat"):
        return server.celery(args.command, args.args)
    if args.command in ("backup", "restore"):
        return _backup(args)
    return 2  # pragma: no cover - argparse requires a command


def _django() -> None:
    """Set Django up on first use: `replay` never imports it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fayuan.settings")
    import django

    django.setup()


def _manage(argv: list[str]) -> int:
    """`fayuan manage ARGS...` is `python -m django ARGS...` with fayuan's settings."""
    _django()
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["fayuan manage", *(argv or ["help"])])
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _backup(args: argparse.Namespace) -> int:
    """`fayuan backup OUT` / `fayuan restore IN` (fayuan.backup)."""
    _django()
    from django.conf import settings
    from django.db import connections

    from fayuan.backup import BackupError, backup, restore

    database = settings.DATABASES["default"]
    try:
        if args.command == "backup":
            done = backup(args.out, database, force=args.force)
            print(f"已备份到 {done}")
        else:
            connections.close_all()
            done = restore(args.source, database)
            print(f"已从 {done} 恢复数据库。请运行 fayuan audit verify 校验审计日志。")
    except BackupError as exc:
        verb = "备份" if args.command == "backup" else "恢复"
        print(f"fayuan {args.command}：{verb}未完成。\n{exc}", file=sys.stderr)
        return 1
    return 0


def _demo(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from fayuan.demo import DemoRefused, describe, load_demo, reset_demo

    database = settings.DATABASES["default"]
    print(f"数据库：{database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}")
    try:
        if args.reset:
            call_command("migrate", interactive=False, verbosity=0)
            reset_demo()
            print("已清空数据库，重新载入演示数据。")
        call_command("migrate", interactive=False, verbosity=0)
        result = load_demo()
    except DemoRefused as exc:
        print(f"fayuan demo：{exc}", file=sys.stderr)
        return 1
    print(describe(result))
    base = f"http://127.0.0.1:{args.port}"
    print()
    print(f"首页（期限报表）：{base}/")
    print(f"管理后台：        {base}/admin/")
    print(f"API 文档：        {base}/api/docs")
    if args.no_serve:
        print("（--no-serve：未启动服务。启动：fayuan demo）")
        return 0
    print("按 Ctrl+C 停止服务。", flush=True)
    call_command(
        "runserver",
        f"127.0.0.1:{args.port}",
        use_reloader=False,
        insecure_serving=True,
        skip_checks=True,
    )
    return 0


def _replay(args: argparse.Namespace) -> int:
    if args.out is None and args.explain is None:
        print("fayuan replay：需要 --out（输出文件）或 --explain（说明某一案件）", file=sys.stderr)
        return 2
    try:
        policy = load_policy(args.policy)
        calendar = WorkdayCalendar.default(args.calendar, provisional=args.provisional_calendar)
        result = replay(args.roster, args.events, args.out, policy, calendar, args.explain)
    except ReplayOutputError as exc:
        print(f"fayuan replay：无法写入，未生成输出文件。\n{exc}", file=sys.stderr)
        return 1
    except (ReplayInputError, PolicyError, CalendarFileError) as exc:
        print(f"fayuan replay：输入有误，未生成输出文件。\n{_message(exc)}", file=sys.stderr)
        return 1
    if args.explain is not None:
        assert result.roster is not None
        for decision in result.explained:
            print(explain_decision(decision, result.roster))
            print()
    if args.summary:
        print(summary(result, args.out, policy.id))
    return 0


def _message(exc: Exception) -> str:
    """The message of a refusal, list positions counted from 1 (the policy and calendar files'
    own messages say `values[0]`, `holidays[3]`)."""
    if isinstance(exc, CalendarFileError):
        where = f"日历补充文件 {exc.path}" + (f" 中的 {one_based(exc.key)}" if exc.key else "")
        return f"{where}：{one_based(exc.reason)}"
    if isinstance(exc, PolicyError):
        where = f"政策文件 {exc.file}" + (f"：{exc.key}" if exc.key else "")
        return f"{where}：{one_based(exc.reason)}"
    return str(exc)


def summary(result: ReplayResult, out: Path | None, policy_id: str) -> str:
    lines = [f"政策 {policy_id}：{result.events} 个事件，{result.decisions} 个决定"]
    for key, count in sorted(result.by_status.items()):
        lines.append(f"  {STATUS_ZH.get(key, key)}：{count}")
    lines.append("按指派规则：")
    for key, count in sorted(result.by_rule.items()):
        lines.append(f"  {RULE_ZH.get(key, key)}：{count}")
    lines.append("按决定程序（第五条）：")
    for key, count in sorted(result.by_route.items()):
        lines.append(f"  {ROUTE_ZH.get(key, key)}：{count}")
    if result.unassignable:
        lines.append(f"无可指派机构、须由指派人员处理的案件：{', '.join(result.unassignable)}")
    if result.refused:
        lines.append(f"不予更换承办人的申请（案件）：{', '.join(result.refused)}")
    if result.provisional:
        lines.append(
            f"暂定期限（日历尚无该年的放假安排，按法定节假日计算）：{len(result.provisional)} 个"
            f"决定（案件 {', '.join(dict.fromkeys(result.provisional))}）"
        )
    if out is not None:
        lines.append(f"决定已写入 {out}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
