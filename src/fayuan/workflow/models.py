"""The assignment workflow (第五、六、八、十、十一、十二条): proposals, approvals, the assignment
and its notice, rotation credits, handlers, agreements, handler changes and recusals."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fayuan.cases.models import Case
from fayuan.roster.models import Center, Institution, Practitioner

User = settings.AUTH_USER_MODEL


class Route(models.TextChoices):
    director = "director", "中心负责人决定"
    bureau = "bureau", "集体讨论后报区司法局决定"


class EngineProposal(models.Model):
    """What the rules gave, stored whole with its reasoning (never recomputed for the record)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="engine_proposals", verbose_name="案件"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    policy = models.CharField("政策", max_length=100)
    status = models.CharField("结果", max_length=20)  # assigned / unassignable
    rule = models.CharField("规则", max_length=20, blank=True)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承办机构",
    )
    route = models.CharField("决定程序", max_length=20, choices=Route.choices)
    handlers_required = models.PositiveIntegerField("需承办人数")
    due_at = models.DateTimeField("指派期限")
    due_provisional = models.BooleanField("期限暂定", default=False)
    decision = models.JSONField("决定（SPEC §12）")
    explanation = models.TextField("理由")
    rotation_before = models.JSONField("轮次积分（指派前）", default=dict, blank=True)
    rotation_after = models.JSONField("轮次积分（指派后）", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "系统指派建议"
        ordering = ["case", "-created_at", "-id"]


class ProposalStatus(models.TextChoices):
    pending = "pending", "待决定"
    discussed = "discussed", "已集体讨论"
    reported = "reported", "已报区司法局"
    approved = "approved", "已批准"
    rejected = "rejected", "已退回"
    issued = "issued", "已发出指派通知书"


class OfficerProposal(models.Model):
    """指派意见 (第五条): the officer's proposal; may differ from the engine's, with a reason."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="proposals", verbose_name="案件"
    )
    engine_proposal = models.ForeignKey(
        EngineProposal, on_delete=models.PROTECT, related_name="+", verbose_name="系统指派建议"
    )
    officer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="指派人员"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="+", verbose_name="承办机构"
    )
    differs_from_engine = models.BooleanField("与系统建议不同", default=False)
    override_reason = models.TextField("不同于系统建议的理由", blank=True)
    opinion = models.TextField("指派意见", blank=True)
    route = models.CharField("决定程序", max_length=20, choices=Route.choices)
    status = models.CharField(
        "状态", max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.pending
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    class Meta:
        verbose_name = verbose_name_plural = "指派意见"
        ordering = ["case", "-created_at", "-id"]


class ApprovalStep(models.TextChoices):
    director_decision = "director_decision", "中心负责人决定"
    collective_discussion = "collective_discussion", "中心集体讨论"
    bureau_report = "bureau_report", "书面报请区司法局"
    bureau_decision = "bureau_decision", "区司法局决定"


class Approval(models.Model):
    """One step of 第五条's route, with who, when and what."""

    proposal = models.ForeignKey(
        OfficerProposal, on_delete=models.PROTECT, related_name="approvals", verbose_name="指派意见"
    )
    step = models.CharField("环节", max_length=30, choices=ApprovalStep.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    approved = models.BooleanField("同意", null=True)
    reason = models.TextField("意见或理由", blank=True)
    # Collective discussion: date, participants, conclusion; bureau report: number.
    held_on = models.DateField("讨论日期", null=True, blank=True)
    participants = models.JSONField("参加人员", default=list, blank=True)
    conclusion = models.TextField("讨论结论", blank=True)
    document_number = models.CharField("报告文号", max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True, verbose_name="时间")

    class Meta:
        verbose_name = verbose_name_plural = "审批记录"
        ordering = ["proposal", "at", "id"]


class NoticeSequence(models.Model):
    """The last notice number issued per center and year: numbers without gaps or repeats."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name="法律援助中心"
    )
    year = models.PositiveIntegerField(verbose_name="年度")
    last = models.PositiveIntegerField(default=0, verbose_name="已用序号")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["center", "year"], name="uniq_notice_seq")]


class RotationCredit(models.Model):
    """A firm's stored credit in the criminal rotation (第十一条; SPEC §8)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name="法律援助中心"
    )
    institution = models.OneToOneField(
        Institution, on_delete=models.PROTECT, related_name="rotation", verbose_name="承办机构"
    )
    credit = models.BigIntegerField(default=0, verbose_name="积分")

    class Meta:
        verbose_name = verbose_name_plural = "刑事轮次积分"


class Assignment(models.Model):
    """An issued assignment with its 《指派通知书》 (第六条)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="assignments", verbose_name="案件"
    )
    proposal = models.ForeignKey(
        OfficerProposal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="指派意见",
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="assignments", verbose_name="承办机构"
    )
    rule = models.CharField("规则", max_length=20)
    notice_year = models.PositiveIntegerField(verbose_name="通知书年度")
    notice_seq = models.PositiveIntegerField(verbose_name="通知书序号")
    notice_number = models.CharField("通知书文号", max_length=60, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="签发人"
    )
    issued_at = models.DateTimeField("指派时间")
    due_at = models.DateTimeField("指派期限")
    due_provisional = models.BooleanField("期限暂定", default=False)
    late = models.BooleanField("超期指派", default=False)
    handlers_required = models.PositiveIntegerField("需承办人数", default=1)
    current = models.BooleanField("现行", default=True)
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name="终止时间")

    class Meta:
        verbose_name = verbose_name_plural = "指派"
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(current=True), name="one_current_assignment"
            ),
        ]
        ordering = ["-issued_at", "-id"]


class Handler(models.Model):
    """A practitioner the institution named for a case (第二条、第十条)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="handlers", verbose_name="案件"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="handlers", verbose_name="指派"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="handled", verbose_name="承办人"
    )
    named_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="安排人"
    )
    named_at = models.DateTimeField(verbose_name="安排时间")
    active = models.BooleanField(default=True, verbose_name="有效")
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name="终止时间")

    class Meta:
        verbose_name = verbose_name_plural = "承办人安排"


class HandlerChangeStatus(models.TextChoices):
    requested = "requested", "已申请，待批准"
    approved = "approved", "已批准"
    refused = "refused", "不予更换"
    unassignable = "unassignable", "无可更换人员"


class HandlerChange(models.Model):
    """第十二条: a change of handler after the agreement, with reason, consent and approval."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="handler_changes_log", verbose_name="案件"
    )
    number = models.PositiveIntegerField("第几次更换")
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField(verbose_name="申请时间")
    reason = models.TextField("理由")
    consent = models.BooleanField("受援人同意")
    mode = models.CharField(
        "方式",
        max_length=30,
        choices=[
            ("same_institution", "原承办机构重新安排承办人"),
            ("other_institution", "中心重新指派其他承办机构"),
        ],
    )
    bureau_approved = models.BooleanField("区司法局批准（超过次数）", default=False)
    bureau_reason = models.TextField("区司法局批准理由", blank=True)
    status = models.CharField(
        "状态",
        max_length=20,
        choices=HandlerChangeStatus.choices,
        default=HandlerChangeStatus.requested,
    )
    route = models.CharField("决定程序", max_length=20, choices=Route.choices, blank=True)
    decision = models.JSONField("规则结果", default=dict)
    explanation = models.TextField("理由说明", blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="决定人",
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name="决定时间")
    new_assignment = models.ForeignKey(
        Assignment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="新的指派",
    )

    class Meta:
        verbose_name = verbose_name_plural = "更换承办人"
        ordering = ["case", "number"]


class RecusalStatus(models.TextChoices):
    pending = "pending", "待决定"
    granted = "granted", "准予回避"
    denied = "denied", "不予回避"


class Recusal(models.Model):
    """第八条: a staff member's recusal from a case, decided by the body above them."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="recusals", verbose_name="案件"
    )
    staff = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="recusals", verbose_name="人员"
    )
    grounds = models.JSONField("回避事由", default=list)
    flagged_by_system = models.BooleanField("系统提示", default=False)
    decider_body = models.CharField("决定机关", max_length=30)
    status = models.CharField(
        "状态", max_length=20, choices=RecusalStatus.choices, default=RecusalStatus.pending
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="决定人",
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name="决定时间")
    decision_reason = models.TextField(blank=True, verbose_name="决定理由")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    class Meta:
        verbose_name = verbose_name_plural = "回避"
        constraints = [models.UniqueConstraint(fields=["case", "staff"], name="uniq_recusal")]
