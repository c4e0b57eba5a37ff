"""The forms of the institution's and the practitioner's pages. A form checks what it can alone
(a date in the future, a box not ticked); the action checks the rest and its refusal goes beside
the field it names (`fayuan.web.ui.run_action`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from fayuan.limits import ROSTER_MAX_INT
from fayuan.policy.deadlines import local_date
from fayuan.roster.models import Practitioner, PractitionerStatus
from fayuan.roster.practitioner_actions import PractitionerUpdate
from fayuan.workflow.actions import HandlerOption

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def today() -> date:
    """Today in Beijing."""
    return local_date(timezone.now())


class Form(forms.Form):
    """A form whose labels end without the ASCII colon (the text is Chinese)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def practitioner_label(p: Practitioner) -> str:
    parts = [
        f"{p.name}（{p.code}）",
        p.get_kind_display(),
        f"自 {p.licensed_on.isoformat()} 执业",
        f"刑事辩护 {p.criminal_defense_cases} 件",
    ]
    if p.minors_qualified:
        parts.append("熟悉未成年人身心特点")
    if p.specialties:
        parts.append("专长：" + "、".join(p.specialties))
    return " · ".join(parts)


class HandlersForm(Form):
    """第二条：由承办机构安排案件承办人；第十条：每案 1 名，集团案件 2 名及以上."""

    practitioners = forms.MultipleChoiceField(
        label="承办人",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "请选择承办人。",
            "invalid_choice": "所选人员 %(value)s 不能承办本案，请从列出的人员中选择。",
        },
    )

    def __init__(self, *args: Any, options: list[HandlerOption], required: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["practitioners"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (o.practitioner.code, practitioner_label(o.practitioner)) for o in options if o.eligible
        ]
        field.help_text = (
            f"本案须安排 {required} 名（第十条）。只列出符合本案条件且无利益冲突的本机构承办人。"
        )
        self.required_count = required

    def clean_practitioners(self) -> list[str]:
        codes: list[str] = self.cleaned_data["practitioners"]
        if len(codes) < self.required_count:
            raise forms.ValidationError(
                f"本案须安排承办人 {self.required_count} 名（第十条），只选择了 {len(codes)} 名。"
            )
        return codes


class AgreementForm(Form):
    """程序规定第二十七条：委托协议的签订日期。"""

    signed_on = forms.DateField(
        label="委托协议签订日期",
        widget=DATE,
        error_messages={"required": "请填写签订日期。", "invalid": "日期格式应为 年-月-日。"},
        help_text="受援人（或其法定代理人、近亲属）与承办人签订委托协议和授权委托书的日期。",
    )
    agreement_file = forms.FileField(
        label="委托协议扫描件（可选）",
        required=False,
        help_text="PDF、JPG、PNG 或 OFD，最大 10 MB；按文件内容检查类型。",
    )

    def __init__(self, *args: Any, assigned_on: date | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assigned_on = assigned_on

    def clean_signed_on(self) -> date:
        signed_on: date = self.cleaned_data["signed_on"]
        now = today()
        if signed_on > now:
            raise forms.ValidationError(
                f"签订日期 {signed_on.isoformat()} 晚于今天（{now.isoformat()}），"
                "不能登记将来的日期。"
            )
        if self.assigned_on and signed_on < self.assigned_on:
            raise forms.ValidationError(
                f"签订日期 {signed_on.isoformat()} 早于指派日期 {self.assigned_on.isoformat()}，"
                "委托协议应在收到指派后签订。"
            )
        return signed_on


MODE_CHOICES = [
    ("same_institution", "由本承办机构重新安排承办人"),
    ("other_institution", "由区法律援助中心重新指派其他承办机构"),
]

CONSENT_LABEL = "受援人已同意更换承办人"
CONSENT_HELP = (
    "第十二条：需要更换承办人的，应当在征得受援人同意后报区法律援助中心批准。"
    "勾选即确认已征得受援人同意；未经同意不能申请。"
)


class HandlerChangeForm(Form):
    """第十二条：因利益冲突等正当理由需要更换承办人的，征得受援人同意后报中心批准。"""

    reason = forms.CharField(
        label="更换理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "请写明更换承办人的正当理由（如利益冲突）。"},
        help_text="如：利益冲突（写明与何人、何案）、承办人因病无法继续办理等。",
    )
    mode = forms.ChoiceField(
        label="更换方式",
        choices=MODE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择更换方式。"},
    )
    consent = forms.BooleanField(
        label=CONSENT_LABEL,
        help_text=CONSENT_HELP,
        error_messages={"required": "未征得受援人同意，不能申请更换承办人（第十二条）。"},
    )


class CloseForm(Form):
    outcome = forms.CharField(
        label="办理结果",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写办理结果（如：判决、调解结案、撤诉）。"},
        help_text="如：一审判决，缓刑；调解结案；对方撤诉。",
    )


_SPLIT = re.compile(r"[、，,；;\n\r]+")


class PractitionerForm(Form):
    """第九条：执业人员资质、专业特长；第十一条：执业年限、刑事辩护经验。"""

    licence_number = forms.CharField(label="执业证号", max_length=40, required=False)
    licensed_on = forms.DateField(
        label="执业日期",
        widget=DATE,
        error_messages={"required": "请填写执业日期。", "invalid": "日期格式应为 年-月-日。"},
        help_text="重大刑事案件须执业满 3 年（第十一条），按此日期计算。",
    )
    criminal_defense_cases = forms.IntegerField(
        label="刑事辩护件数",
        min_value=0,
        max_value=ROSTER_MAX_INT,
        error_messages={
            "required": "请填写刑事辩护件数（没有填 0）。",
            "min_value": "刑事辩护件数不能小于 0。",
            "invalid": "刑事辩护件数应为整数。",
        },
        help_text="重大刑事案件须 10 件以上（第十一条）；本系统结案的刑事法律援助案件会自动加 1。",
    )
    specialties = forms.CharField(
        label="专业特长",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="多项用顿号、逗号或换行分隔，如：婚姻家庭、劳动争议。",
    )
    minors_qualified = forms.BooleanField(
        label="熟悉未成年人身心特点，可承办未成年人案件",
        required=False,
        help_text="《办理法律援助案件程序规定》第二十六条第二款。",
    )
    phone = forms.CharField(label="电话", max_length=30, required=False)
    #: 执业 or 非执业: 暂停指派 is the center's decision (第九条), not the institution's.
    status = forms.ChoiceField(
        label="状态",
        choices=[
            (PractitionerStatus.active.value, PractitionerStatus.active.label),
            (PractitionerStatus.inactive.value, PractitionerStatus.inactive.label),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.initial.get("status") == PractitionerStatus.suspended:
            # Shown, not changeable: the form keeps the suspension as it is.
            field = self.fields["status"]
            assert isinstance(field, forms.ChoiceField)
            suspended = PractitionerStatus.suspended
            field.choices = [(suspended.value, suspended.label)]
            field.disabled = True
            field.help_text = "中心负责人已决定暂停指派（第九条），由中心恢复；承办机构不能更改。"

    @classmethod
    def initial_for(cls, p: Practitioner) -> dict[str, Any]:
        return {
            "licence_number": p.licence_number,
            "licensed_on": p.licensed_on,
            "criminal_defense_cases": p.criminal_defense_cases,
            "specialties": "、".join(p.specialties or []),
            "minors_qualified": p.minors_qualified,
            "phone": p.phone,
            "status": p.status,
        }

    def clean_licensed_on(self) -> date:
        licensed_on: date = self.cleaned_data["licensed_on"]
        now = today()
        if licensed_on > now:
            raise forms.ValidationError(
                f"执业日期 {licensed_on.isoformat()} 晚于今天（{now.isoformat()}），"
                "不能是将来的日期。"
            )
        return licensed_on

    def clean_specialties(self) -> list[str]:
        text: str = self.cleaned_data.get("specialties") or ""
        return [s.strip() for s in _SPLIT.split(text) if s.strip()]

    def update(self) -> PractitionerUpdate:
        data = self.cleaned_data
        return PractitionerUpdate(
            licence_number=data["licence_number"],
            licensed_on=data["licensed_on"],
            criminal_defense_cases=data["criminal_defense_cases"],
            specialties=data["specialties"],
            minors_qualified=data["minors_qualified"],
            phone=data["phone"],
            status=data["status"],
        )
