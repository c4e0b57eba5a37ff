"""Supervision and quality (第九、十三条；法律援助法第五十五、五十六、五十九条): file reviews
(案卷评查), return visits to the aided person (回访受援人), the judicial organs' opinions
(征询意见), court attendance notes (庭审旁听) and complaints (投诉). Every row is written by an
action in `fayuan.supervision.actions`, with its audit event."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fayuan.accounts.models import JudicialOrgan
from fayuan.cases.models import Case
from fayuan.roster.models import Center
from fayuan.workflow.models import HandlerChange

USER = settings.AUTH_USER_MODEL


class ReviewRound(models.Model):
    """第十三条 案卷评查: one draw of a period's closed cases, reproducible from its seed."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="review_rounds", verbose_name="法律援助中心"
    )
    period_start = models.DateField("结案日期自")
    period_end = models.DateField("结案日期至")
    seed = models.BigIntegerField("随机种子")
    share = models.FloatField("抽取比例")
    policy = models.CharField("政策", max_length=100)
    policy_since = models.DateField("参数生效日期")
    case_ids = models.JSONField("抽中的案件（id）", default=list)
    population = models.PositiveIntegerField("期内已结案件数")
    drawn_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="抽取人"
    )
    drawn_at = models.DateTimeField("抽取时间")

    class Meta:
        verbose_name = verbose_name_plural = "案卷评查批次"
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}（种子 {self.seed}）"


class ReviewStatus(models.TextChoices):
    assigned = "assigned", "待评查"
    scored = "scored", "已评查"


class FileReview(models.Model):
    """One reviewer's review of one file; a failed file (不合格) gets a second review by another
    reviewer (`second_of`)."""

    round = models.ForeignKey(
        ReviewRound, on_delete=models.PROTECT, related_name="reviews", verbose_name="评查批次"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="file_reviews", verbose_name="案件"
    )
    reviewer = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="file_reviews", verbose_name="评查人"
    )
    second_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="second_reviews",
        verbose_name="复评的原评查",
    )
    status = models.CharField(
        "状态", max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.assigned
    )
    assigned_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="指定人"
    )
    assigned_at = models.DateTimeField("指定时间")
    #: The checklist in force when scored: [[item, weight, points], …].
    scores = models.JSONField("逐项得分", default=list, blank=True)
    total = models.FloatField("总分", null=True, blank=True)
    grade = models.CharField("等级", max_length=10, blank=True)
    pass_mark = models.FloatField("合格线", null=True, blank=True)
    policy_since = models.DateField("评分表生效日期", null=True, blank=True)
    comments = models.TextField("评查意见", blank=True)
    scored_at = models.DateTimeField("评查时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案卷评查"
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return f"{self.case.number}：{self.grade or self.get_status_display()}"


class VisitMethod(models.TextChoices):
    phone = "phone", "电话"
    in_person = "in_person", "当面"


class VisitStatus(models.TextChoices):
    open = "open", "回访中"
    reached = "reached", "已回访"
    unreachable = "unreachable", "无法联系"


class ReturnVisit(models.Model):
    """回访受援人 (第十三条；法律援助法第五十九条): one per closed case visited."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="return_visit", verbose_name="案件"
    )
    status = models.CharField(
        "状态", max_length=20, choices=VisitStatus.choices, default=VisitStatus.open
    )
    satisfaction = models.PositiveSmallIntegerField("满意度（1–5）", null=True, blank=True)
    comments = models.TextField("受援人意见", blank=True)
    closed_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
    )
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "回访"

    def __str__(self) -> str:
        return f"{self.case.number}：{self.get_status_display()}"


class AttemptOutcome(models.TextChoices):
    reached = "reached", "联系上"
    no_answer = "no_answer", "无人接听"
    wrong_number = "wrong_number", "号码错误或停机"
    not_home = "not_home", "上门未遇"
    declined = "declined", "拒绝回访"


class VisitAttempt(models.Model):
    visit = models.ForeignKey(
        ReturnVisit, on_delete=models.CASCADE, related_name="attempts", verbose_name="回访"
    )
    at = models.DateTimeField("时间")
    method = models.CharField("方式", max_length=20, choices=VisitMethod.choices)
    outcome = models.CharField("结果", max_length=20, choices=AttemptOutcome.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="回访人")

    class Meta:
        verbose_name = verbose_name_plural = "回访记录"
        ordering = ["at", "id"]


class OpinionRating(models.TextChoices):
    satisfied = "satisfied", "满意"
    fair = "fair", "基本满意"
    dissatisfied = "dissatisfied", "不满意"


class OrganOpinion(models.Model):
    """征询司法机关意见 (法律援助法第五十九条): the organ that sent the case, on its handling."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="organ_opinions", verbose_name="案件"
    )
    organ = models.ForeignKey(
        JudicialOrgan, on_delete=models.PROTECT, related_name="+", verbose_name="办案机关"
    )
    rating = models.CharField("评价", max_length=20, choices=OpinionRating.choices)
    opinion = models.TextField("意见")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="填写人")
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "办案机关意见"
        ordering = ["-at", "-id"]


class CourtAttendance(models.Model):
    """庭审旁听 (法律援助法第五十九条): a supervisor's notes of a hearing attended."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="court_attendances", verbose_name="案件"
    )
    attended_on = models.DateField("旁听日期")
    court = models.CharField("法庭", max_length=100)
    notes = models.TextField("旁听记录")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="旁听人")
    at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = verbose_name_plural = "庭审旁听"
        ordering = ["-attended_on", "-id"]


class ComplaintChannel(models.TextChoices):
    public = "public", "网上投诉"
    counter = "counter", "窗口投诉"


class ComplaintStatus(models.TextChoices):
    open = "open", "待答复"
    answered = "answered", "已答复"


class Complaint(models.Model):
    """投诉 (法律援助法第五十五、五十六条): from the aided person, routed to the bureau, answered
    by its deadline (`complaint.answer_days`); may open a handler change (第十二条)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="complaints", verbose_name="法律援助中心"
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name="案件",
    )
    case_number = models.CharField("投诉所称案件编号", max_length=40, blank=True)
    name = models.CharField("投诉人", max_length=100)
    phone = models.CharField("电话", max_length=30)
    what = models.TextField("投诉事项")
    channel = models.CharField("投诉方式", max_length=20, choices=ComplaintChannel.choices)
    received_at = models.DateTimeField("收到时间")
    due_at = models.DateTimeField("答复期限")
    recorded_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    status = models.CharField(
        "状态", max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.open
    )
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复人",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    consent = models.BooleanField("投诉人同意更换承办人", default=False)
    handler_change = models.ForeignKey(
        HandlerChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="由此提出的更换承办人申请",
    )

    class Meta:
        verbose_name = verbose_name_plural = "投诉"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["center", "status", "due_at"])]

    def __str__(self) -> str:
        return f"投诉 {self.pk}（{self.case_number or '未填案号'}）"


class QualityAssessment(models.Model):
    """第九条 办案质量评分 of one practitioner or one institution on one day, with how it was
    computed (`fayuan.policy.quality`). A new row when the score changes; the latest row is the
    current score, and `Practitioner.quality_score`/`quality_as_of` carry it to the rules."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name="法律援助中心"
    )
    practitioner = models.ForeignKey(
        "roster.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quality_assessments",
        verbose_name="承办人",
    )
    institution = models.ForeignKey(
        "roster.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quality_assessments",
        verbose_name="承办机构",
    )
    as_of = models.DateField("评分日期")
    window_start = models.DateField("计入记录自")
    value = models.FloatField("质量评分", null=True, blank=True)
    records = models.PositiveIntegerField("记录数")
    parts = models.JSONField("各项来源", default=list)
    formula = models.CharField("计算", max_length=300)
    policy_since = models.DateField("参数生效日期")
    trigger = models.CharField("起因", max_length=60)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = verbose_name_plural = "办案质量评分"
        ordering = ["-as_of", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(practitioner__isnull=False, institution__isnull=True)
                | models.Q(practitioner__isnull=True, institution__isnull=False),
                name="quality_one_subject",
            )
        ]
        indexes = [
            models.Index(fields=["practitioner", "-as_of"]),
            models.Index(fields=["institution", "-as_of"]),
        ]

    def __str__(self) -> str:
        who = self.practitioner or self.institution
        shown = "—" if self.value is None else f"{self.value:.1f}"
        return f"{who} {self.as_of:%Y-%m-%d} 质量评分 {shown}"


class QualityAdvice(models.Model):
    """第九条：适时向案件承办机构提出指派建议 — the center's advice to an institution about one of
    its practitioners (or the institution itself) whose quality score is below the policy's
    threshold, answering one `QualityAssessment`; the institution's admin confirms receipt.
    Written by `fayuan.supervision.advice`."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name="法律援助中心"
    )
    institution = models.ForeignKey(
        "roster.Institution",
        on_delete=models.PROTECT,
        related_name="quality_advice",
        verbose_name="承办机构",
    )
    practitioner = models.ForeignKey(
        "roster.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quality_advice",
        verbose_name="承办人",
        help_text="空：对承办机构本身的建议",
    )
    assessment = models.ForeignKey(
        QualityAssessment,
        on_delete=models.PROTECT,
        related_name="advice",
        verbose_name="所依据的质量评分",
    )
    text = models.TextField("建议内容")
    issued_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="提出人"
    )
    issued_at = models.DateTimeField("提出时间")
    acknowledged_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    acknowledged_at = models.DateTimeField("确认收到时间", null=True, blank=True)
    reply = models.TextField("机构回复", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "指派建议"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["institution", "acknowledged_at"])]

    def __str__(self) -> str:
        who = self.practitioner or self.institution
        return f"对 {who} 的指派建议（{self.issued_at:%Y-%m-%d}）"
