"""The online application's drafts, their staged files, and the applicant's consents.

* `ApplicationDraft`: what a person typed, step by step, before submitting (第七条: 线上申请).
  Everything typed is one JSON blob encrypted at rest with the ID numbers' Fernet key
  (`fayuan.security.fields.encrypt`, `FAYUAN_FIELD_KEY`): the ID number and the facts are
  sensitive personal information (个人信息保护法第二十八条). The browser holds a random token in
  an HttpOnly signed cookie; the row holds only its SHA-256. The resume code (for another
  device) is kept as a keyed hash, next to a keyed hash of the phone it is checked with.
  A draft expires `DRAFT_DAYS` after its last save (`fayuan manage purge_drafts`).
* `DraftFile`: an attachment uploaded with a draft, checked by content (`fayuan.cases.uploads`)
  and stored under MEDIA_ROOT (never served); it becomes a `CaseDocument` on submission.
* `Consent`: each consent given (个人信息保护法第十四条: 明确同意; 第二十九条: 单独同意 for the
  sensitive information), with the notice's version, the time and the address hashed.
"""

from __future__ import annotations

from django.db import models


class ApplicationDraft(models.Model):
    center = models.ForeignKey(
        "roster.Center", on_delete=models.CASCADE, related_name="+", verbose_name="法律援助中心"
    )
    token_hash = models.CharField("草稿令牌哈希", max_length=64, unique=True)
    # Fernet token of the JSON of every step's values (fayuan.apply.drafts).
    data = models.TextField("已填内容（加密）", blank=True)
    step_reached = models.PositiveSmallIntegerField("已到步骤", default=1)
    phone_hash = models.CharField("手机号索引", max_length=64, blank=True, db_index=True)
    resume_code_hash = models.CharField("续填码哈希", max_length=64, blank=True)
    resume_failures = models.PositiveSmallIntegerField("续填码错误次数", default=0)
    resume_locked_until = models.DateTimeField("续填暂停至", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "网上申请草稿"

    def __str__(self) -> str:
        return f"草稿 {self.pk}"


class DraftFile(models.Model):
    draft = models.ForeignKey(
        ApplicationDraft, on_delete=models.CASCADE, related_name="files", verbose_name="草稿"
    )
    label = models.CharField("材料名称", max_length=40)
    stored_name = models.CharField("存储文件名", max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    kind = models.CharField("文件类型", max_length=10)  # a key of fayuan.cases.uploads.TYPES
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "草稿材料"
        ordering = ["draft", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.label}：{self.original_name}"


class ConsentKind(models.TextChoices):
    personal = "personal", "同意处理个人信息（个人信息保护法第十三、十四条）"
    sensitive = "sensitive", "单独同意处理敏感个人信息（个人信息保护法第二十八、二十九条）"
    declaration = "declaration", "经济困难状况个人诚信承诺（法律援助法第四十一条）"


class Consent(models.Model):
    draft = models.ForeignKey(
        ApplicationDraft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name="草稿",
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name="案件",
    )
    kind = models.CharField("同意事项", max_length=20, choices=ConsentKind.choices)
    notice_version = models.CharField("告知书版本", max_length=20)
    given_at = models.DateTimeField("同意时间")
    ip_hash = models.CharField("来源地址（哈希）", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请人同意记录"
        ordering = ["given_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()
