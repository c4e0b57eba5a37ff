"""The audit log in words people read: each action's Chinese name, and the object as its case
number or name, never `cases.case#2`."""

from __future__ import annotations

from typing import Any

from fayuan.audit.models import AuditEvent

ACTION_NAMES: dict[str, str] = {
    "case.intake_application": "受理法律援助申请",
    "case.intake_notification": "登记通知辩护（代理）公函",
    "case.grant_aid": "决定给予法律援助",
    "case.refuse_aid": "决定不予法律援助",
    "case.screening_cleared": "清除网上申请的可疑标记",
    "case.screening_confirmed": "确认网上申请的可疑标记",
    "case.request_material": "要求申请人补充材料",
    "case.material_received": "申请人补齐材料",
    "case.deadline_recomputed": "重新计算指派期限",
    "case.unassignable_alert": "提示：无可指派机构",
    "case.view_personal_data": "查看个人信息",
    "case.view": "打开案件页面",
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "auth.login_failed": "登录失败",
    "auth.locked_out": "多次登录失败，账号暂时锁定",
    "case.close": "结案",
    "case.document_upload": "上传案件材料",
    "case.helped_application": "工作站或联络点代为申请（记录申请人同意）",
    "engine.propose": "系统提出指派建议",
    "proposal.create": "提出指派意见",
    "proposal.rotation_moved_on": "轮次已变化，指派意见需重新提出",
    "approval.director_decision": "中心负责人决定",
    "approval.collective_discussion": "中心集体讨论",
    "approval.bureau_report": "书面报请区司法局",
    "approval.bureau_decision": "区司法局决定",
    "assignment.issue": "发出指派通知书",
    "handlers.name": "安排承办人",
    "agreement.sign": "签订委托协议",
    "handler_change.request": "申请更换承办人",
    "handler_change.approve": "批准更换承办人",
    "handler_change.refuse": "不予更换承办人",
    "handler_change.lapse": "更换承办人申请失效",
    "handler_change.unassignable": "无可更换的承办人",
    "recusal.apply": "申请回避",
    "recusal.flagged": "系统提示应当回避",
    "recusal.decide": "决定回避申请",
    "staff.declare_person": "申报近亲属或利害关系人",
    "calendar.year_entered": "录入年度节假日安排",
    "calendar.reminder_sent": "提醒录入下一年节假日安排",
    "review.draw": "抽取评查案卷",
    "review.assign": "指定评查人",
    "review.assign_second": "指定复评人",
    "review.score": "评查案卷",
    "visit.attempt": "回访受援人（一次尝试）",
    "visit.unreachable": "回访：无法联系受援人",
    "opinion.record": "办案机关填写意见",
    "attendance.record": "记录庭审旁听",
    "quality.update": "办案质量评分随评查、回访或评价更新",
    "quality.refresh": "办案质量评分每日更新",
    "quality.advice_issue": "向承办机构提出指派建议（第九条）",
    "quality.advice_acknowledge": "承办机构确认收到指派建议",
    "practitioner.status": "暂停或恢复承办人的指派",
    "complaint.receive": "收到投诉",
    "complaint.answer": "答复投诉",
    "api_token.create": "签发 API 令牌",
    "api_token.revoke": "吊销 API 令牌",
    "admin.add": "在管理后台新增",
    "admin.change": "在管理后台修改",
    "admin.delete": "在管理后台删除",
    "admin.issue_token": "签发 API 令牌",
    "admin.revoke_token": "吊销 API 令牌",
    "institution.status": "变更承办机构状态",
    "roster.import": "导入名册",
    "roster.practitioner_update": "更新承办人信息",
    "account.create": "新建账号",
    "account.update": "修改账号",
    "organ.letter_reply": "下载指派复函",
    "report.request": "申请生成统计报表",
    "report.download": "下载统计报表",
}

OBJECT_NAMES: dict[str, str] = {
    "cases.case": "案件",
    "cases.party": "当事人",
    "cases.casedocument": "案件材料",
    "workflow.engineproposal": "系统指派建议",
    "workflow.officerproposal": "指派意见",
    "workflow.approval": "审批记录",
    "workflow.assignment": "指派",
    "workflow.handler": "承办人安排",
    "workflow.handlerchange": "更换承办人",
    "workflow.recusal": "回避",
    "roster.institution": "承办机构",
    "roster.practitioner": "承办人",
    "roster.center": "法律援助中心",
    "roster.locality": "镇街",
    "roster.workstation": "工作站",
    "accounts.staffprofile": "人员",
    "accounts.judicialorgan": "办案机关",
    "accounts.apitoken": "API 令牌",
    "accounts.declaredperson": "申报人员",
    "auth.user": "用户",
    "holidays.holidayyear": "年度节假日安排",
    "reports.generatedreport": "统计报表",
    "supervision.qualityadvice": "指派建议",
}


def action_name(action: str) -> str:
    """The action's Chinese name; an unknown one (a future action) says so rather than
    showing a code alone."""
    return ACTION_NAMES.get(action, f"其他操作（{action}）")


def object_text(event: AuditEvent, case_numbers: dict[int, str]) -> str:
    if event.case_id_ref is not None and event.case_id_ref in case_numbers:
        what = OBJECT_NAMES.get(event.object_type, "")
        number = case_numbers[event.case_id_ref]
        return (
            f"案件 {number}"
            if event.object_type == "cases.case" or not what
            else f"案件 {number} 的{what}"
        )
    kind = OBJECT_NAMES.get(event.object_type, event.object_type or "—")
    label = str(event.data.get("repr") or event.data.get("name") or "") if event.data else ""
    return f"{kind} {label}".strip() if label else kind


def details(event: AuditEvent) -> str:
    """A short line of what the event carried, for the reader: the reason, the institution, the
    numbers. Personal data is never in an event's data beyond what the audit needs (masked)."""
    data: dict[str, Any] = event.data or {}
    picks = []
    for key, label in (
        ("notice_number", "通知书"),
        ("institution", "机构"),
        ("reason", "理由"),
        ("override_reason", "理由"),
        ("what", "内容"),
        ("approved", "同意"),
        ("outcome", "结果"),
        ("grounds", "事由"),
    ):
        if key in data and data[key] not in ("", None, [], {}):
            value = data[key]
            if isinstance(value, bool) or value in ("True", "False"):
                value = "是" if value in (True, "True") else "否"
            picks.append(f"{label}：{value}")
    return "；".join(picks)[:300]
