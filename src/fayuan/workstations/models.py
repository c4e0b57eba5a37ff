"""An application a workstation (司法所) or a liaison institution submitted for a person at its
counter (第七条): the person's consent to the processing of their personal information, who
recorded it and when (个人信息保护法第十三、十四、二十九条), and the economic declaration
(个人诚信承诺) the person made there."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fayuan.cases.models import Case, CaseDocument, Channel
from fayuan.roster.models import Institution, Workstation

#: The version of the notice the person read (`templates/workstations/consent_notice.html`);
#: a changed notice gets a new version, so each record says which text was agreed to.
CONSENT_NOTICE_VERSION = "2026-1"


class HelpedApplication(models.Model):
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="helped_application", verbose_name="案件"
    )
    channel = models.CharField(
        "申请方式",
        max_length=20,
        choices=[(c.value, c.label) for c in (Channel.workstation, Channel.liaison)],
    )
    workstation = models.ForeignKey(
        Workstation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="工作站（司法所）",
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="联络点（承办机构）",
    )
    # The economic declaration (个人诚信承诺, 法律援助法第四十一条).
    household_size = models.PositiveSmallIntegerField("家庭人口数")
    household_monthly_income = models.PositiveIntegerField("家庭月收入合计（元）")
    exemptions = models.JSONField("免予核查经济困难状况的情形", default=list, blank=True)
    economic_note = models.TextField("经济状况说明", blank=True)
    pledged = models.BooleanField("申请人已作个人诚信承诺", default=False)
    # The consent (个人信息保护法第十四、二十九条: separate and explicit for sensitive data).
    consent = models.BooleanField("申请人已当面阅读个人信息保护告知并同意", default=False)
    consent_notice_version = models.CharField("告知书版本", max_length=20)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="记录同意的人员",
    )
    consent_recorded_at = models.DateTimeField("记录同意的时间")
    consent_document = models.ForeignKey(
        CaseDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签字的同意书扫描件",
    )

    class Meta:
        verbose_name = verbose_name_plural = "代为申请记录（工作站、联络点）"

    def __str__(self) -> str:
        return f"{self.case.number}（{self.get_channel_display()}）"
