"""What the API reads and writes, with the Chinese descriptions the OpenAPI page shows.

Input schemas refuse unknown fields, take integers and booleans only as JSON numbers and
`true`/`false` (no "60" or "yes"), bound every text to what the database holds, and take times
only with their offset (AwareDatetime). The actions check the rest (ID checksums, roster codes,
workflow state) and name the field at fault the same way (`parties.0.id_number`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from ninja.params import P, PathEx
from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from fayuan.limits import text_problem

# --- building blocks ------------------------------------------------------------------------

EARLIEST = datetime(2000, 1, 1).astimezone()
LATEST = datetime(2100, 1, 1).astimezone()


def _printable(value: str) -> str:
    # NUL above all (PostgreSQL refuses it in text), and a lone surrogate ("\ud800" in JSON),
    # which neither database can encode.
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("时间超出可受理的范围（2000 年至 2099 年）")
    return value


#: The offsets the world's clocks show (UTC−12:00 to UTC+14:00). Python takes up to ±23:59,
#: PostgreSQL refuses beyond ±15:59: an offset outside is a typing error, refused here.
MIN_OFFSET, MAX_OFFSET = timedelta(hours=-12), timedelta(hours=14)
#: How far ahead of the server's clock a sender's may be.
CLOCK_SKEW = timedelta(minutes=5)


def _real_offset(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise ValueError(
            "时区偏移超出范围（应在 -12:00 至 +14:00 之间，中国为 +08:00），"
            f"收到 {value.isoformat()[19:] or '无'}"
        )
    return value


def _not_future(value: datetime) -> datetime:
    if value > timezone.now() + CLOCK_SKEW:
        raise ValueError("时间不能晚于现在（允许 5 分钟的时钟误差）")
    return value


def _not_future_day(value: date) -> date:
    today = timezone.localdate()
    if value > today:
        raise ValueError(f"日期不能晚于今天（{today.isoformat()}）")
    return value


#: Text as the database holds it: trimmed, no control characters; lengths go in `Field`.
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_printable)]
#: A roster code (SPEC §12 id), as an item of a list.
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    AfterValidator(_printable),
]
#: A person's name, as an item of a list.
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_printable),
]
#: A moment that has happened: with a real offset, 2000–2099, not after now (and the clock
#: skew); the actions also refuse one before the policy took effect.
Time = Annotated[
    AwareDatetime,
    AfterValidator(_real_offset),
    AfterValidator(_in_range),
    AfterValidator(_not_future),
]
#: A day that has come: 2000–2099, not after today (China Standard Time).
Day = Annotated[
    date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31)), AfterValidator(_not_future_day)
]
#: A case number in a path (`Case.number` holds 40 characters).
CaseNumber = PathEx[str, P(min_length=1, max_length=40, description="案件编号")]
#: A record's id in a path (a 64-bit key).
RecordId = PathEx[int, P(ge=1, le=2**63 - 1, description="记录编号")]


class In(Schema):
    """Input: unknown fields are refused (a misspelt field is an error, not silently dropped)."""

    model_config = ConfigDict(extra="forbid")


CategoryCode = Literal["criminal", "civil", "administrative", "labor_arbitration", "non_litigation"]

# --- intake ---------------------------------------------------------------------------------


class PartyIn(In):
    role: Literal["aided", "opposing"] = Field(
        description="身份：aided 受援人；opposing 对方当事人"
    )
    name: Text = Field(min_length=1, max_length=100, description="姓名或名称")
    id_number: Text = Field(
        "",
        max_length=40,
        description="公民身份号码（18 位，按 GB 11643 校验）；单位或不详时留空",
    )
    phone: Text = Field("", max_length=30, description="联系电话")
    address: Text = Field("", max_length=200, description="住址")
    is_applicant: StrictBool = Field(False, description="是否为申请人")


class CaseFieldsIn(In):
    category: CategoryCode = Field(
        description="案件类别：criminal 刑事；civil 民事；administrative 行政；"
        "labor_arbitration 劳动仲裁；non_litigation 其他非诉讼"
    )
    locality: Text = Field(
        min_length=1,
        max_length=50,
        description="案件所属镇街（须为本中心名册中的镇街，如 天生街道）",
    )
    parties: list[PartyIn] = Field(
        min_length=1, max_length=500, description="当事人：至少一名受援人，可列对方当事人"
    )
    aided_persons: StrictInt = Field(
        1, ge=1, le=100_000, description="受援人数（集团案件填总人数，第五条、第十条）"
    )
    specialty: Text = Field(
        "", max_length=50, description="涉及的专业领域（如 劳动争议），用于综合评分（第九条）"
    )
    summary: Text = Field("", max_length=5000, description="案情摘要")
    social_impact: StrictBool = Field(False, description="具有一定社会影响（第十一条）")
    major_difficult: StrictBool = Field(False, description="重大疑难（第五条、第十一条）")
    life_sentence_possible: StrictBool = Field(
        False, description="可能判处无期徒刑以上刑罚（第十一条）"
    )
    stability_risk: StrictBool = Field(False, description="对社会平安稳定有影响（第五条）")
    minor: StrictBool = Field(
        False,
        description="未成年人刑事案件：须由熟悉未成年人身心特点的律师承办"
        "（《办理法律援助案件程序规定》第二十六条第二款）",
    )
    chosen_practitioner: Text = Field(
        "", max_length=32, description="申请人选择的承办人编号（点援，第四条、第九条）"
    )
    chosen_institution: Text = Field(
        "", max_length=32, description="申请人选择的承办机构编号（点援）"
    )
    wishes: Text = Field("", max_length=2000, description="受援人的意愿")
    conflict_institutions: list[Code] = Field(
        default_factory=list, max_length=200, description="已知有利益冲突的承办机构编号"
    )
    conflict_practitioners: list[Code] = Field(
        default_factory=list, max_length=500, description="已知有利益冲突的承办人编号"
    )


class ApplicationIn(CaseFieldsIn):
    """公民申请（第七条）。"""

    channel: Literal["online", "workstation", "liaison", "counter"] = Field(
        description="申请方式：online 线上；workstation 工作站（司法所）代为申请；"
        "liaison 联络点指引；counter 中心窗口"
    )
    workstation: Text = Field(
        "", max_length=100, description="代为申请的工作站（司法所）名称；经工作站申请时必填"
    )
    helped_by_institution: Text = Field(
        "", max_length=32, description="为申请人提供法律帮助的承办机构编号（便民，第七条）"
    )


class NotificationIn(CaseFieldsIn):
    """办案机关的通知辩护（代理）公函（第六条）。"""

    letter_number: Text = Field(
        min_length=1,
        max_length=100,
        description="公函文号；同一办案机关的同一文号只登记一次（重复提交返回原案件）",
    )
    letter_received_at: Time = Field(
        description="收到公函的时间，须带时区，如 2026-09-30T10:00:00+08:00；指派期限自此起算"
    )
    organ: Text = Field(
        "",
        max_length=200,
        description="办案机关名称。办案机关以自己的令牌提交时可省略（取令牌所属机关）；"
        "指派人员代为登记时必填",
    )


# --- workflow inputs ------------------------------------------------------------------------


class GrantIn(In):
    at: Time | None = Field(
        None, description="决定给予法律援助的时间（带时区；省略为现在），指派期限自此起算"
    )


class ProposalIn(In):
    institution: Text = Field(
        "", max_length=32, description="拟指派的承办机构编号；省略则采用系统建议"
    )
    opinion: Text = Field("", max_length=2000, description="指派意见")
    override_reason: Text = Field("", max_length=2000, description="与系统建议不同时必填：理由")


class DecisionIn(In):
    approve: StrictBool = Field(description="true 同意；false 不同意（退回指派人员）")
    reason: Text = Field(
        "", max_length=2000, description="意见或理由；不同意时必填，区司法局决定时必填"
    )


class DiscussionIn(In):
    held_on: Day = Field(description="集体讨论日期")
    participants: list[PersonName] = Field(
        min_length=1, max_length=50, description="参加人员（至少 2 人）"
    )
    conclusion: Text = Field(min_length=1, max_length=5000, description="讨论结论")


class BureauReportIn(In):
    document_number: Text = Field(min_length=1, max_length=100, description="书面报告文号")
    report: Text = Field(min_length=1, max_length=5000, description="报告内容")


class HandlersIn(In):
    practitioners: list[Code] = Field(
        min_length=1, max_length=50, description="承办人编号（集团案件不少于所需人数，第十条）"
    )


class AgreementIn(In):
    signed_on: Day = Field(description="委托协议签订日期")


class HandlerChangeIn(In):
    reason: Text = Field(
        min_length=1, max_length=2000, description="更换理由（如 利益冲突），第十二条"
    )
    consent: StrictBool = Field(description="受援人是否同意")
    mode: Literal["same_institution", "other_institution"] = Field(
        description="same_institution 原承办机构另行安排；other_institution 中心另行指派机构"
    )
    bureau_approved: StrictBool = Field(False, description="超过更换次数时，是否已报区司法局批准")
    bureau_reason: Text = Field("", max_length=2000, description="区司法局批准的书面理由")


class CloseIn(In):
    outcome: Text = Field(min_length=1, max_length=500, description="办理结果")


class RecusalIn(In):
    grounds: Text = Field(min_length=1, max_length=2000, description="回避事由（第八条）")


class RecusalDecisionIn(In):
    grant: StrictBool = Field(description="true 准予回避；false 不予回避")
    reason: Text = Field("", max_length=2000, description="理由")


class CaseFilter(Schema):
    status: (
        Literal[
            "intake",
            "granted",
            "proposed",
            "discussed",
            "reported",
            "assigned",
            "handler_named",
            "agreement_signed",
            "unassignable",
            "closed",
            "refused",
        ]
        | None
    ) = Field(None, description="按状态筛选")
    limit: int = Field(50, ge=1, le=500, description="每页条数")
    offset: int = Field(0, ge=0, le=1_000_000, description="跳过条数")


# --- outputs --------------------------------------------------------------------------------


class ErrorOut(Schema):
    error: Literal[
        "invalid", "forbidden", "not_found", "conflict", "unavailable", "server_error"
    ] = Field(
        description="invalid 输入有误（400），或请求体过大（413）；forbidden 未登录或无权"
        "（401/403）；not_found 不存在或无权查看（404）；conflict 与案件当前状态不符（409）；"
        "unavailable 数据库暂时不可用，请稍后重试（503）；server_error 服务器内部错误（500），"
        "未写入任何数据"
    )
    field: str | None = Field(description="出错的字段路径，如 parties.0.id_number；整体错误为空")
    message: str = Field(description="错在哪里、应当怎样做")
    differences: list[str] | None = Field(
        None,
        description="重复提交的公函与已登记的内容不同（409）：不同的字段，如 parties、summary",
    )
    errors: list[RowErrorOut] | None = Field(None, description="名册导入：逐行列出的全部错误")


class RowErrorOut(Schema):
    sheet: str = Field(description="工作表或 JSON 部分（institutions / practitioners）")
    row: int | None = Field(description="行号（工作簿）或序号（JSON，从 1 起）")
    column: str = Field(description="列或字段")
    message: str


class InstitutionRef(Schema):
    code: str = Field(description="承办机构编号")
    name: str = Field(description="名称")
    phone: str | None = Field(None, description="联系电话")


class HandlerOut(Schema):
    code: str = Field(description="承办人编号")
    name: str = Field(description="姓名")
    kind: str = Field(description="lawyer 执业律师；grassroots_worker 基层法律服务工作者")
    phone: str | None = Field(None, description="联系电话")


class PartyOut(Schema):
    role: str = Field(description="aided 受援人；opposing 对方当事人")
    name: str
    id_number: str = Field(description="身份证号；列表和无权查看者看到的是遮蔽后的号码")
    phone: str
    address: str
    is_applicant: bool


class CaseStatusOut(Schema):
    """What a court needs back: where the case stands, who holds it and by when."""

    number: str = Field(description="案件编号")
    status: str = Field(description="状态代码")
    status_zh: str = Field(description="状态")
    category: str
    category_zh: str = Field(description="案件类别")
    source: str = Field(description="application 公民申请；notification 办案机关通知")
    source_zh: str
    aided_persons: int = Field(description="受援人数")
    locality: str = Field(description="所属镇街")
    organ: str | None = Field(None, description="通知的办案机关")
    letter_number: str | None = Field(None, description="公函文号")
    letter_received_at: datetime | None = None
    granted_at: datetime | None = Field(None, description="决定给予法律援助的时间")
    started_at: datetime | None = Field(None, description="指派期限起算时间")
    due_at: datetime | None = Field(
        None, description="指派期限：第六条的本地期限与法定三日期限中较早者（SPEC §5）"
    )
    local_due_at: datetime | None = Field(None, description="本地期限（第六条，工作日）")
    statutory_due_at: datetime | None = Field(
        None, description="法定期限（法律援助法第三十六、四十三条：三日）"
    )
    due_provisional: bool = Field(
        False,
        description="期限暂定：涉及尚未录入国务院节假日安排的年份，录入后重新计算",
    )
    limits_provisional: bool = Field(
        False, description="本地期限或法定期限之一暂定（其显示值录入后重新计算）"
    )
    time_left_seconds: int | None = Field(
        None, description="距指派期限的秒数（已超期为负；已指派或未起算为空）"
    )
    time_left_zh: str | None = Field(None, description="剩余时间，如 剩余 1 天 3 小时")
    overdue: bool = Field(description="未在期限内指派")
    assigned_at: datetime | None = Field(None, description="指派时间")
    assigned_late: bool | None = Field(None, description="是否超期指派")
    institution: InstitutionRef | None = Field(None, description="承办机构")
    handlers: list[HandlerOut] = Field(description="承办人")
    notice_number: str | None = Field(None, description="《指派通知书》文号")
    agreement_signed_on: date | None = Field(None, description="委托协议签订日期")
    handler_changes: int = Field(description="已更换承办人次数")
    closed_at: datetime | None = None
    outcome: str | None = Field(None, description="办理结果")


class CaseDetailOut(CaseStatusOut):
    personal_data_masked: bool = Field(
        description="当事人信息是否已遮蔽（无权查看个人信息时遮蔽；查看未遮蔽信息记入审计日志）"
    )
    parties: list[PartyOut]


class CaseListItem(Schema):
    number: str
    status: str
    status_zh: str
    category: str
    category_zh: str
    source: str
    aided_persons: int
    locality: str
    due_at: datetime | None
    due_provisional: bool = False
    time_left_seconds: int | None
    overdue: bool
    institution: InstitutionRef | None
    parties: list[PartyOut] = Field(description="当事人（姓名、身份证号、电话均已遮蔽）")
    created_at: datetime


class CaseListOut(Schema):
    count: int = Field(description="符合条件的案件总数")
    items: list[CaseListItem]


class EngineProposalOut(Schema):
    id: int
    status: str = Field(description="assigned 有可指派机构；unassignable 无可指派机构")
    rule: str = Field(description="choice 点援；helping 便民；rotation 按序轮流；ranking 综合评分")
    rule_zh: str
    institution: InstitutionRef | None
    route: str = Field(description="director 中心负责人决定；bureau 集体讨论后报区司法局决定")
    route_zh: str
    handlers_required: int = Field(description="需安排承办人数（第十条）")
    due_at: datetime
    due_provisional: bool = Field(False, description="期限暂定（见案件的 due_provisional）")
    decision: dict[str, Any] = Field(description="规则的完整结论（SPEC §12 决定格式）")
    explanation: str = Field(description="逐条说明理由（中文）")
    created_at: datetime


class ApprovalOut(Schema):
    id: int
    proposal: int
    step: str = Field(
        description="director_decision 中心负责人决定；collective_discussion 集体讨论；"
        "bureau_report 书面报请区司法局；bureau_decision 区司法局决定"
    )
    step_zh: str
    actor: str
    approved: bool | None
    reason: str
    held_on: date | None
    participants: list[str]
    conclusion: str
    document_number: str
    at: datetime
    proposal_status: str
    case_status: str


class ProposalOut(Schema):
    id: int
    case: str
    status: str = Field(
        description="pending 待决定；discussed 已集体讨论；reported 已报区司法局；"
        "approved 已批准；rejected 已退回；issued 已发出指派通知书"
    )
    status_zh: str
    institution: InstitutionRef
    differs_from_engine: bool
    override_reason: str
    opinion: str
    route: str
    route_zh: str
    officer: str
    engine: EngineProposalOut
    approvals: list[ApprovalOut]
    created_at: datetime


class AssignmentOut(Schema):
    id: int
    case: str
    notice_number: str = Field(description="《指派通知书》文号，如 北碚法援指〔2026〕第0012号")
    institution: InstitutionRef
    rule: str
    issued_at: datetime
    due_at: datetime
    due_provisional: bool = Field(False, description="期限暂定（见案件的 due_provisional）")
    late: bool = Field(description="是否超期指派")
    handlers_required: int
    notice_pdf: str = Field(description="通知书 PDF 下载地址")
    notice_docx: str = Field(description="通知书 DOCX 下载地址")


class HandlerChangeOut(Schema):
    id: int
    case: str
    number: int = Field(description="第几次更换")
    status: str = Field(
        description="requested 待批准；approved 已批准；refused 不予更换；unassignable 无可更换"
    )
    status_zh: str
    mode: str
    route: str = Field(description="director 中心负责人批准；bureau 区司法局批准；拒绝时为空")
    reason: str
    consent: bool
    explanation: str
    decision: dict[str, Any]
    new_assignment: AssignmentOut | None


class RecusalOut(Schema):
    id: int
    case: str
    staff: str
    grounds: list[str]
    flagged_by_system: bool
    decider_body: str
    decider_zh: str = Field(description="决定机关（第八条）")
    status: str = Field(description="pending 待决定；granted 准予回避；denied 不予回避")
    status_zh: str
    decision_reason: str


class ImportSummaryOut(Schema):
    summary: str = Field(description="导入结果（中文）")
    localities_created: list[str]
    institutions_created: list[str]
    institutions_updated: list[str]
    institutions_unchanged: int
    practitioners_created: list[str]
    practitioners_updated: list[str]
    practitioners_unchanged: int


ErrorOut.model_rebuild()
