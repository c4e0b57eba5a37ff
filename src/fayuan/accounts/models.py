"""Staff, roles, judicial organs, API tokens and declarations (第三、五、八条)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from fayuan.roster.models import Center, Institution, Practitioner, Workstation
from fayuan.security.fields import EncryptedIdNumberField, MatchHashField


class Role(models.TextChoices):
    """Each role is a Django group of the same name; `fayuan.accounts.access` decides what it may
    see and do."""

    officer = "officer", "指派人员"
    director = "director", "中心负责人"
    bureau_section = "bureau_section", "公共法律服务管理科"
    bureau_leader = "bureau_leader", "区司法局领导"
    institution_admin = "institution_admin", "承办机构管理员"
    practitioner = "practitioner", "承办人"
    judicial_organ = "judicial_organ", "办案机关"
    supervisor = "supervisor", "监督人员"
    # 第七条: a town/street workstation (司法所) or a liaison institution helps a person apply.
    workstation = "workstation", "工作站（司法所）人员"
    liaison = "liaison", "联络点（承办机构）人员"


class OrganKind(models.TextChoices):
    court = "court", "人民法院"
    procuratorate = "procuratorate", "人民检察院"
    police = "police", "公安机关"
    other = "other", "其他"


class JudicialOrgan(models.Model):
    """A court, procuratorate or police organ that sends notification letters (通知辩护/代理)."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="organs", verbose_name="法律援助中心"
    )
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类别", max_length=20, choices=OrganKind.choices)

    class Meta:
        verbose_name = verbose_name_plural = "办案机关"
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="uniq_organ")]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """Who a user is in the system: one role, and what that role is tied to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name="用户",
    )
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="staff", verbose_name="法律援助中心"
    )
    full_name = models.CharField("姓名", max_length=50)
    id_number = EncryptedIdNumberField("身份证号", blank=True)
    id_number_hash = MatchHashField(source="id_number", verbose_name="身份证号索引")
    is_section_head = models.BooleanField("管理科负责人", default=False)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admins",
        verbose_name="承办机构",
    )
    practitioner = models.OneToOneField(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
        verbose_name="承办人",
    )
    workstation = models.ForeignKey(
        Workstation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="工作站（司法所）",
    )
    organ = models.ForeignKey(
        JudicialOrgan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name="办案机关",
    )
    email = models.EmailField("电子邮箱", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "人员"

    def __str__(self) -> str:
        return f"{self.full_name}（{self.get_role_display()}）"


class ApiToken(models.Model):
    """A bearer token for a judicial organ or an integration. Only the hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="用户",
    )
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=8, db_index=True, verbose_name="令牌前缀")
    digest = models.CharField(max_length=64, unique=True, verbose_name="令牌摘要")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name="吊销时间")

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_raw(cls) -> str:
        return "fy_" + secrets.token_urlsafe(32)


class Relation(models.TextChoices):
    spouse = "spouse", "配偶"
    parent = "parent", "父母"
    child = "child", "子女"
    sibling = "sibling", "兄弟姐妹"
    grandparent = "grandparent", "祖父母、外祖父母"
    grandchild = "grandchild", "孙子女、外孙子女"
    other = "other", "其他近亲属"


class DeclaredPerson(models.Model):
    """A close relative or a person with an interest, declared by a staff member (第八条)."""

    class Kind(models.TextChoices):
        relative = "relative", "近亲属"
        interest = "interest", "利害关系人"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="declared_persons",
        verbose_name="用户",
    )
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedIdNumberField("身份证号", blank=True)
    id_number_hash = MatchHashField(source="id_number", verbose_name="身份证号索引")
    relation = models.CharField("关系", max_length=20, choices=Relation.choices, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True, verbose_name="申报时间")

    class Meta:
        verbose_name = verbose_name_plural = "申报的近亲属与利害关系人"
