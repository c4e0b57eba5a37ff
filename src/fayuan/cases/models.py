"""Cases and their parties (第二条、第六条、第七条; SPEC.md §1, §5, §12)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from fayuan.accounts.models import JudicialOrgan
from fayuan.cases.letters import letter_key
from fayuan.identity import mask_name
from fayuan.policy.model import Category, Source
from fayuan.roster.models import Center, Institution, Locality, Practitioner, Workstation
from fayuan.security.fields import EncryptedIdNumberField, MatchHashField

CATEGORY_CHOICES = [
    (Category.criminal.value, "刑事"),
    (Category.civil.value, "民事"),
    (Category.administrative.value, "行政"),
    (Category.labor_arbitration.value, "劳动仲裁"),
    (Category.non_litigation.value, "其他非诉讼"),
]


class Channel(models.TextChoices):
    online = "online", "线上申请"
    workstation = "workstation", "工作站（司法所）代为申请"
    liaison = "liaison", "联络点（律师事务所、基层法律服务所）指引申请"
    counter = "counter", "中心窗口申请"


class CaseStatus(models.TextChoices):
    intake = "intake", "已受理，待审查决定是否给予法律援助"
    awaiting_material = "awaiting_material", "待申请人补充材料（不计入审查期限）"
    granted = "granted", "已决定给予法律援助，待指派"
    proposed = "proposed", "已提出指派意见，待决定"
    discussed = "discussed", "已集体讨论，待报区司法局"
    reported = "reported", "已书面报请区司法局，待决定"
    assigned = "assigned", "已指派，待承办机构安排承办人"
    handler_named = "handler_named", "已安排承办人，待签订委托协议"
    agreement_signed = "agreement_signed", "已签订委托协议，办理中"
    unassignable = "unassignable", "无可指派机构，待处理"
    closed = "closed", "已结案"
    refused = "refused", "不予法律援助"


class Case(models.Model):
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="cases", verbose_name="法律援助中心"
    )
    number = models.CharField("案件编号", max_length=40)
    category = models.CharField("案件类别", max_length=30, choices=CATEGORY_CHOICES)
    source = models.CharField(
        "来源",
        max_length=20,
        choices=[
            (Source.application.value, "公民申请"),
            (Source.notification.value, "司法机关通知"),
        ],
    )
    status = models.CharField(
        "状态", max_length=30, choices=CaseStatus.choices, default=CaseStatus.intake
    )
    summary = models.TextField("案情摘要", blank=True)

    # A citizen's application (第七条): how it came and who helped.
    channel = models.CharField("申请方式", max_length=20, choices=Channel.choices, blank=True)
    workstation = models.ForeignKey(
        Workstation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="工作站",
    )
    helped_by_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="helped_cases",
        verbose_name="提供法律帮助的机构（联络点）",
    )
    # A judicial organ's notification letter (通知辩护/通知代理公函, 第六条).
    organ = models.ForeignKey(
        JudicialOrgan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="办案机关",
    )
    letter_number = models.CharField("公函文号", max_length=100, blank=True)
    # The letter number in its one comparable form (`fayuan.cases.letters.letter_key`): one
    # case per organ and key, however the number was typed.
    letter_key = models.CharField("公函文号（规范化）", max_length=100, blank=True, editable=False)
    letter_received_at = models.DateTimeField("收到公函时间", null=True, blank=True)

    aided_persons = models.PositiveIntegerField("受援人数", default=1)
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="cases", verbose_name="镇街"
    )
    specialty = models.CharField("涉及专业", max_length=50, blank=True)
    social_impact = models.BooleanField("具有一定社会影响", default=False)
    major_difficult = models.BooleanField("重大疑难", default=False)
    life_sentence_possible = models.BooleanField("可能判处无期徒刑以上", default=False)
    stability_risk = models.BooleanField("对社会平安稳定有影响", default=False)
    # 《办理法律援助案件程序规定》第二十六条第二款 (SPEC §2): a lawyer who knows minors.
    minor = models.BooleanField("未成年人案件", default=False)

    # 点援 (第四条、第九条): the applicant's choice and wishes.
    chosen_practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chosen_cases",
        verbose_name="申请人选择的承办人",
    )
    chosen_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chosen_cases",
        verbose_name="申请人选择的承办机构",
    )
    wishes = models.TextField("受援人意愿", blank=True)
    conflict_institutions = models.ManyToManyField(
        Institution, blank=True, related_name="conflict_cases", verbose_name="有利益冲突的机构"
    )
    conflict_practitioners = models.ManyToManyField(
        Practitioner, blank=True, related_name="conflict_cases", verbose_name="有利益冲突的承办人"
    )

    # The decision to grant aid starts the deadline; a notification starts it on receipt (第六条).
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="决定给予援助的人员",
    )
    granted_at = models.DateTimeField("决定给予法律援助时间", null=True, blank=True)
    started_at = models.DateTimeField("指派期限起算时间", null=True, blank=True)
    due_at = models.DateTimeField("指派期限", null=True, blank=True)
    # SPEC §5: both limits and whether the deadline is provisional (暂定: a year with no State
    # Council arrangement yet; recomputed when it is entered).
    local_due_at = models.DateTimeField("本地期限（第六条）", null=True, blank=True)
    statutory_due_at = models.DateTimeField("法定期限（三日）", null=True, blank=True)
    due_provisional = models.BooleanField("期限暂定", default=False)
    limits_provisional = models.BooleanField("本地或法定期限暂定", default=False)
    due_from = models.DateTimeField("当前期限起算时间", null=True, blank=True)

    # The review (审查, 法律援助法第四十三条): decided within 7 days of the application; the time
    # the applicant takes to supply missing material is not counted (程序规定第十五条).
    review_due_at = models.DateTimeField("审查期限", null=True, blank=True)
    material_requested_at = models.DateTimeField("要求补充材料时间", null=True, blank=True)
    material_requested = models.TextField("需补充的材料", blank=True)
    review_paused = models.DurationField("补充材料用时（不计入审查期限）", null=True, blank=True)
    # A denial (不予法律援助, 第四十三、四十九条): its letter's number, reasons and time.
    refused_at = models.DateTimeField("不予法律援助决定时间", null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="决定不予援助的人员",
    )
    refusal_reason = models.TextField("不予法律援助的理由", blank=True)
    refusal_number = models.CharField("不予法律援助决定书文号", max_length=60, blank=True)

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_cases",
        verbose_name="承办机构",
    )
    assigned_at = models.DateTimeField("指派时间", null=True, blank=True)
    agreement_signed_on = models.DateField("委托协议签订日期", null=True, blank=True)
    # 《办理法律援助案件程序规定》第二十七条: the agreement within 5 days of the assignment.
    agreement_due_at = models.DateTimeField("委托协议签订期限", null=True, blank=True)
    handler_changes = models.PositiveIntegerField("更换承办人次数", default=0)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=500, blank=True)

    # An online application's screening (fayuan.abuse): why it looks like junk, if it does. The
    # officer's queue shows it marked; it is never dropped unseen.
    screening = models.JSONField("可疑标记", default=list, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    class Meta:
        verbose_name = verbose_name_plural = "法律援助案件"
        constraints = [
            models.UniqueConstraint(fields=["center", "number"], name="uniq_case_number"),
            # Idempotent notification intake: one case per organ and letter number, compared in
            # its normalised form (full-width, case, dashes: `fayuan.cases.letters`).
            models.UniqueConstraint(
                fields=["organ", "letter_key"],
                condition=models.Q(source="notification"),
                name="uniq_notification_letter_key",
            ),
        ]
        indexes = [
            models.Index(fields=["center", "status", "due_at"]),
            # The case list: a center's cases, newest first (1M cases: benchmarks/history_bench).
            models.Index(fields=["center", "-created_at", "-id"], name="case_center_newest"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The key always follows the number it is computed from.
        self.letter_key = letter_key(self.letter_number)
        fields = kwargs.get("update_fields")
        if fields is not None and "letter_number" in fields and "letter_key" not in fields:
            kwargs["update_fields"] = [*fields, "letter_key"]
        super().save(*args, **kwargs)


class PartyRole(models.TextChoices):
    aided = "aided", "受援人"
    opposing = "opposing", "对方当事人"


class Party(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="parties", verbose_name="案件"
    )
    role = models.CharField("身份", max_length=20, choices=PartyRole.choices)
    is_applicant = models.BooleanField("申请人", default=False)
    name = models.CharField("姓名", max_length=100)
    # Encrypted at rest; matched on the keyed hash beside it (`fayuan.security.fields`).
    id_number = EncryptedIdNumberField("身份证号", blank=True)
    id_number_hash = MatchHashField(source="id_number", verbose_name="身份证号索引")
    phone = models.CharField("电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "当事人"
        ordering = ["case", "id"]
        indexes = [models.Index(fields=["id_number_hash"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        # What pages, forms and logs print of a party unasked: its name masked (张*三).
        return mask_name(self.name)


class DocumentKind(models.TextChoices):
    organ_letter = "organ_letter", "通知辩护（代理）公函"
    application_material = "application_material", "申请材料"
    agreement = "agreement", "委托协议"
    other = "other", "其他材料"


class CaseDocument(models.Model):
    """A file uploaded to a case (an organ's letter, the applicant's material, the agreement).
    Stored under MEDIA_ROOT, which is never served: only a view that checks access sends it."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="documents", verbose_name="案件"
    )
    kind = models.CharField("类别", max_length=30, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to="cases/%Y/%m/", max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件材料"
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.original_name}"
