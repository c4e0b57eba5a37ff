"""The roster: centers, localities (镇街), workstations (司法所), institutions and practitioners
(SPEC.md §1, §2, §12; 第二条、第七条)."""

from __future__ import annotations

from django.db import models

from fayuan.policy import model as policy


class Center(models.Model):
    """A district legal aid center (区法律援助中心, 第三条)."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    notice_prefix = models.CharField("通知书文号前缀", max_length=20, help_text="如 北碚法援指")
    policy = models.CharField("适用政策", max_length=100, default="beibei-2023")
    # The center's contact, printed on every notice (第六条《指派通知书》).
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "法律援助中心"

    def __str__(self) -> str:
        return self.name


class Locality(models.Model):
    """A town or street of the district (镇街); institutions and cases have one (属地)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="localities", verbose_name="法律援助中心"
    )
    name = models.CharField("名称", max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = "镇街"
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="uniq_locality")]
        ordering = ["center", "name"]

    def __str__(self) -> str:
        return self.name


class Workstation(models.Model):
    """A town/street judicial office acting as public legal service workstation (第七条)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="workstations", verbose_name="法律援助中心"
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="workstations", verbose_name="镇街"
    )
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "公共法律服务工作站（司法所）"
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="uniq_workstation")]

    def __str__(self) -> str:
        return self.name


class InstitutionStatus(models.TextChoices):
    active = "active", "正常"
    suspended = "suspended", "暂停指派"
    inactive = "inactive", "停用"


class Institution(models.Model):
    """A law firm or grassroots legal service office (承办机构, 第二条)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="institutions", verbose_name="法律援助中心"
    )
    code = models.CharField("编号", max_length=32)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField(
        "类别",
        max_length=20,
        choices=[
            (policy.InstitutionKind.law_firm.value, "律师事务所"),
            (policy.InstitutionKind.grassroots_office.value, "基层法律服务所"),
        ],
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="institutions", verbose_name="镇街"
    )
    sequence = models.PositiveIntegerField("公布顺序")
    status = models.CharField(
        "状态", max_length=20, choices=InstitutionStatus.choices, default=InstitutionStatus.active
    )
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "承办机构"
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="uniq_institution_code"),
            models.UniqueConstraint(fields=["center", "sequence"], name="uniq_institution_seq"),
        ]
        ordering = ["center", "sequence"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class InstitutionStatusChange(models.Model):
    """Suspension history with its reason (SPEC §8: credit frozen while suspended)."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name="承办机构",
    )
    status = models.CharField("新状态", max_length=20, choices=InstitutionStatus.choices)
    reason = models.CharField("原因", max_length=500)
    at = models.DateTimeField("时间")
    by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )

    class Meta:
        verbose_name = verbose_name_plural = "机构状态变更"
        ordering = ["institution", "at", "id"]


class PractitionerStatus(models.TextChoices):
    active = "active", "执业"
    inactive = "inactive", "非执业"
    # 第九条: the center stops new assignments to a practitioner (with a reason, kept in
    # `PractitionerStatusChange`); the cases it handles stay with it. Only `active` is eligible.
    suspended = "suspended", "暂停指派"


class Practitioner(models.Model):
    """A practising lawyer or grassroots legal service worker (承办人, 第二条)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="practitioners", verbose_name="法律援助中心"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="practitioners", verbose_name="承办机构"
    )
    code = models.CharField("编号", max_length=32)
    name = models.CharField("姓名", max_length=50)
    kind = models.CharField(
        "类别",
        max_length=20,
        choices=[
            (policy.PractitionerKind.lawyer.value, "执业律师"),
            (policy.PractitionerKind.grassroots_worker.value, "基层法律服务工作者"),
        ],
    )
    licence_number = models.CharField("执业证号", max_length=40, blank=True)
    licensed_on = models.DateField("执业日期")
    criminal_defense_cases = models.PositiveIntegerField("刑事辩护件数", default=0)
    specialties = models.JSONField("专业特长", default=list, blank=True)
    quality = models.FloatField("办案质量评分", default=0.0)
    # 第九条: the score computed from file reviews, return visits and organ opinions
    # (fayuan.supervision.quality); the rules use it over the entered `quality` when set.
    quality_score = models.FloatField("质量评分（计算）", null=True, blank=True)
    quality_as_of = models.DateField("质量评分日期", null=True, blank=True)
    # 《办理法律援助案件程序规定》第二十六条第二款: 熟悉未成年人身心特点 (SPEC §2).
    minors_qualified = models.BooleanField("可承办未成年人案件", default=False)
    status = models.CharField(
        "状态",
        max_length=20,
        choices=PractitionerStatus.choices,
        default=PractitionerStatus.active,
    )
    phone = models.CharField("电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "承办人"
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="uniq_practitioner_code"),
        ]
        ordering = ["institution", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class PractitionerStatusChange(models.Model):
    """A practitioner's suspension and reinstatement by the center, with its reason (第九条;
    `fayuan.roster.practitioner_actions.do_set_practitioner_status`), and the status changes a
    roster import made."""

    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name="承办人",
    )
    status = models.CharField("新状态", max_length=20, choices=PractitionerStatus.choices)
    reason = models.CharField("原因", max_length=500)
    at = models.DateTimeField("时间")
    by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )

    class Meta:
        verbose_name = verbose_name_plural = "承办人状态变更"
        ordering = ["practitioner", "at", "id"]
