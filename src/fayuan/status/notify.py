"""Text messages to the applicant at the four moments they wait for (issue 9 item 6): the
application received (法律援助法第四十三条: decided within 7 days), the decision (给予, or 不予
with the objection route of 第四十九条), the assignment (the institution), and the handler named
(the handler's name and the institution's office phone).

Each function is called by the action, inside its transaction, and asks `fayuan.tasks.send_sms`
to send once the transaction commits (`run_after_commit`: a rolled-back action sends nothing),
under an idempotency key of the event (`TaskKey`: delivered twice, sent once). Only citizens'
applications with an applicant phone get messages; never a judicial organ's notification (the
organ has its own letter, 第六条). Parties have no e-mail address, so SMS only.

Personal data kept to what is needed (个人信息保护法第六条): the application number (the reader
needs it to look the status up), never an ID number, a name (the applicant is 您), the facts or
the other side.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings

from fayuan import tasks
from fayuan.cases.models import Case
from fayuan.messaging.sms import SmsError, normalize_phone
from fayuan.status.plain import HOTLINE, bureau_name, moment_zh

if TYPE_CHECKING:
    from fayuan.workflow.models import Assignment, Handler


def applicant_phones(case: Case) -> list[str]:
    """The applicant parties' mobile numbers, normalised, each once; none for a notification."""
    if case.source != "application":
        return []
    phones: list[str] = []
    for party in case.parties.filter(is_applicant=True).order_by("id"):
        try:
            phone = normalize_phone(party.phone)
        except SmsError:
            continue
        if phone not in phones:
            phones.append(phone)
    return phones


def _lookup_hint() -> str:
    site = str(getattr(settings, "FAYUAN_SITE_URL", "") or "").rstrip("/")
    return f"查进度：{site}/status/" if site else "查进度：本中心网站“查询进度”"


def _send(case: Case, event: str, text: str) -> None:
    body = f"【{case.center.name}】{text}"
    for n, phone in enumerate(applicant_phones(case)):
        key = f"applicant:{event}:{case.pk}:{n}"
        tasks.run_after_commit(tasks.send_sms, key, phone, body)


def application_received(case: Case) -> None:
    """受理: the number and the review deadline (第四十三条: 七日内审查)."""
    due = f"，我们会在{moment_zh(case.review_due_at)}前告诉您结果" if case.review_due_at else ""
    _send(
        case,
        "received",
        f"您的法律援助申请已受理，申请编号 {case.number}{due}。{_lookup_hint()}。",
    )


def aid_granted(case: Case) -> None:
    """决定给予: the assignment follows (第六条)."""
    _send(
        case,
        "granted",
        f"您的法律援助申请（编号 {case.number}）已决定给予法律援助。"
        "我们正在为您安排律师事务所或法律服务所，安排好后再发短信告诉您。",
    )


def aid_refused(case: Case) -> None:
    """决定不予 (第四十三条), with the objection route (第四十九条)."""
    phone = case.center.phone or HOTLINE
    _send(
        case,
        "refused",
        f"您的法律援助申请（编号 {case.number}）经审查决定不予法律援助，"
        f"理由见《不予法律援助决定书》（{case.refusal_number}），可在网上查询进度时下载或到中心领取。"
        f"对决定有异议的，可以向{bureau_name(case)}提出（法律援助法第四十九条）。咨询：{phone}。",
    )


def case_assigned(case: Case, assignment: Assignment) -> None:
    """指派: the institution and its office phone (第六条)."""
    institution = assignment.institution
    phone = f"，电话 {institution.phone}" if institution.phone else ""
    _send(
        case,
        f"assigned-{assignment.pk}",
        f"您的法律援助案件（编号 {case.number}）已指派{institution.name}{phone}。"
        "他们会安排承办人并和您联系。",
    )


def handlers_named(case: Case, handlers: Iterable[Handler]) -> None:
    """承办人已安排 (第二条): the handlers' names and the institution's office phone; never a
    practitioner's own phone."""
    named = list(handlers)
    if not named:
        return
    institution = named[0].assignment.institution
    names = "、".join(h.practitioner.name for h in named)
    contact = (
        f"联系电话（{institution.name}办公电话）：{institution.phone}"
        if institution.phone
        else f"要联系方式请打 {case.center.phone or HOTLINE}"
    )
    _send(
        case,
        f"handlers-{min(h.pk for h in named)}",
        f"您的法律援助案件（编号 {case.number}）由{institution.name}的{names}承办，"
        f"承办人会和您联系签委托协议。{contact}。",
    )
