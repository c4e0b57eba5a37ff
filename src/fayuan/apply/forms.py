"""One small form per step of the online application, in plain words. Every message says what
to do, next to its field; the pages send with `novalidate`, so the server shows every mistake
at once."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms

from fayuan.abuse.forms import HumanCheckMixin
from fayuan.apply.models import ConsentKind
from fayuan.cases import uploads
from fayuan.identity import IdNumberError, clean_id_number
from fayuan.limits import size_zh
from fayuan.messaging.sms import SmsError, normalize_phone
from fayuan.roster.models import (
    Center,
    Institution,
    InstitutionStatus,
    Locality,
    Practitioner,
    PractitionerStatus,
    Workstation,
)

#: How many opposing parties step ③ offers, and how many files step ⑤ takes.
OPPOSING_ROWS = 3
MAX_FILES = 5
REQUIRED = {"required": "这一项必须填写。"}

#: The kind of matter in plain words → the case category (案件类别) and the specialty.
MATTERS: dict[str, tuple[str, str, str]] = {
    "wages": ("被拖欠工资、工伤、劳动合同纠纷", "labor_arbitration", "劳动争议"),
    "family": ("离婚、抚养费、赡养费、继承等家庭纠纷", "civil", "婚姻家庭"),
    "traffic": ("交通事故、医疗纠纷、人身受到伤害要求赔偿", "civil", "交通事故"),
    "debt": ("借钱、合同、房屋租赁等其他民事纠纷", "civil", "合同纠纷"),
    "crime": ("刑事案件：自己或家人涉嫌犯罪，或被犯罪侵害", "criminal", ""),
    "government": ("不服政府部门的决定（行政案件）", "administrative", "行政诉讼"),
    "other": ("其他事情，不清楚属于哪一类", "non_litigation", ""),
}

#: 法律援助法第四十二条: who need not prove economic hardship.
EXEMPT = [
    ("minor_elderly_disabled", "无固定生活来源的未成年人、老年人、残疾人等特定群体"),
    ("assistance", "领取最低生活保障、特困供养等社会救助、司法救助或者优抚对象"),
    ("migrant_wages", "进城务工人员请求支付劳动报酬或者工伤赔偿"),
    ("hero_family", "英雄烈士近亲属为维护英雄烈士的人格权益"),
]

_LOOSE_PHONE = re.compile(r"[0-9+\-\s()（）]{5,30}")


def _text(label: str, max_length: int, *, required: bool = True, help_text: str = "") -> Any:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        error_messages={**REQUIRED, "max_length": f"太长了：最多 {max_length} 个字。"},
    )


def _area(label: str, max_length: int, *, required: bool = True, help_text: str = "") -> Any:
    field = _text(label, max_length, required=required, help_text=help_text)
    field.widget = forms.Textarea(attrs={"rows": 5, "maxlength": max_length})
    return field


def _id_number(value: str, required: bool) -> str:
    try:
        number = clean_id_number(value)
    except IdNumberError as exc:
        raise forms.ValidationError(
            f"身份证号码不对：{exc.reason}。请对照身份证逐位核对。"
        ) from None
    if required and not number:
        raise forms.ValidationError("这一项必须填写。")
    return number


class ConsentForm(HumanCheckMixin, forms.Form):
    """Before step ①: two separate, explicit consents (个人信息保护法第十四、二十九条), and the
    human check (`fayuan.abuse`: a proof of work, or a sum without scripts) before a draft
    is started."""

    personal = forms.BooleanField(
        label="我已阅读上面的说明，同意法律援助中心为审查和提供法律援助处理我的个人信息。",
        error_messages={"required": "不同意就无法在网上申请。您也可以到中心窗口或司法所申请。"},
    )
    sensitive = forms.BooleanField(
        label="我单独同意中心处理我的身份证号码和案件情况（敏感个人信息）。",
        error_messages={
            "required": "身份证号码和案情是审查所必需的；不同意就无法在网上申请，"
            "可到中心窗口或司法所申请。"
        },
    )
    institution = forms.CharField(required=False, widget=forms.HiddenInput, max_length=32)
    practitioner = forms.CharField(required=False, widget=forms.HiddenInput, max_length=32)


class StepForm(forms.Form):
    """A step of the application; `center` gives the roster lists."""

    title = ""

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        self.center = center
        super().__init__(*args, **kwargs)

    def values(self) -> dict[str, Any]:
        """What was typed, as JSON (valid or not), to keep in the draft."""
        out: dict[str, Any] = {}
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField):
                continue
            value = self[name].value()
            out[name] = (
                value if isinstance(value, bool | list) else ("" if value is None else str(value))
            )
        return out


class WhoForm(StepForm):
    """① 你是谁."""

    title = "你是谁"
    name = _text("姓名", 50, help_text="和身份证上的一样。")
    id_number = _text("身份证号码", 30, help_text="18 位，最后一位可能是 X。")
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        error_messages=REQUIRED,
        help_text="11 位手机号。我们用它联系您、发送办理进度。",
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    address = _text("住址", 200, help_text="现在住的地方，写到门牌号。")
    locality = forms.ChoiceField(
        label="所在镇街",
        error_messages={**REQUIRED, "invalid_choice": "请从列表中选择一个镇街。"},
        help_text="您住的或事情发生的镇（街道）。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Locality.objects.filter(center=self.center).values_list("name", flat=True)
        cast(forms.ChoiceField, self.fields["locality"]).choices = [("", "请选择")] + [
            (n, n) for n in names
        ]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"

    def clean_id_number(self) -> str:
        return _id_number(self.cleaned_data.get("id_number", ""), required=True)

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""))
        except SmsError as exc:
            raise forms.ValidationError(str(exc)) from None


class WhatForm(StepForm):
    """② 发生了什么."""

    title = "发生了什么"
    matter = forms.ChoiceField(
        label="是什么事情",
        choices=[(k, v[0]) for k, v in MATTERS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": "请选一项；不清楚就选最后一项。"},
    )
    facts = _area(
        "简单说说经过",
        2000,
        help_text="什么时间、和谁、发生了什么、您希望怎么解决。几句话就可以。",
    )
    minor = forms.BooleanField(label="涉及未成年人（不满 18 周岁的孩子）", required=False)


class OpposingForm(StepForm):
    """③ 对方是谁 (optional)."""

    title = "对方是谁"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, OPPOSING_ROWS + 1):
            self.fields[f"name_{n}"] = _text(f"对方 {n} 的姓名或单位名称", 100, required=False)
            self.fields[f"id_number_{n}"] = _text(
                f"对方 {n} 的身份证号码（知道才填）", 30, required=False
            )
            self.fields[f"phone_{n}"] = _text(f"对方 {n} 的电话（知道才填）", 30, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, OPPOSING_ROWS + 1):
            raw = data.get(f"id_number_{n}", "")
            if raw:
                try:
                    data[f"id_number_{n}"] = _id_number(raw, required=False)
                except forms.ValidationError as exc:
                    self.add_error(f"id_number_{n}", exc)
            phone = (data.get(f"phone_{n}") or "").strip()
            if phone and not _LOOSE_PHONE.fullmatch(phone):
                self.add_error(f"phone_{n}", "电话号码只能有数字，请核对。")
            if (raw or phone) and not (data.get(f"name_{n}") or "").strip():
                self.add_error(f"name_{n}", "填了对方的号码，请也填上对方的姓名或单位名称。")
        return data

    def parties(self) -> list[dict[str, str]]:
        d = self.cleaned_data
        return [
            {
                "name": d[f"name_{n}"].strip(),
                "id_number": d[f"id_number_{n}"],
                "phone": d[f"phone_{n}"].strip(),
            }
            for n in range(1, OPPOSING_ROWS + 1)
            if d.get(f"name_{n}", "").strip()
        ]


class MeansForm(StepForm):
    """④ 经济状况: a 个人诚信承诺 (法律援助法第四十一条)."""

    title = "经济状况"
    household = _area(
        "家庭经济情况",
        1000,
        help_text="家里几口人、每月大约收入多少、有没有工作。如实写，简单写。",
    )
    exempt = forms.MultipleChoiceField(
        label="是否属于下面的情形（可不选）",
        choices=EXEMPT,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="属于这些情形的，不用证明经济困难（法律援助法第三十二、四十二条）。",
    )
    declaration = forms.BooleanField(
        label="我承诺：以上经济状况真实。",
        error_messages={"required": "请勾选承诺。不勾选就无法提交申请。"},
    )


class FilesForm(StepForm):
    """⑤ 材料: one file a time (a slow connection sends a small request)."""

    title = "材料"
    label = forms.ChoiceField(
        label="这是什么材料",
        choices=[
            ("身份证照片", "身份证照片（正面、反面）"),
            ("证据材料", "证据（合同、欠条、照片、判决书等）"),
            ("经济状况证明", "经济困难证明（如低保证）"),
            ("其他材料", "其他材料"),
        ],
        initial="身份证照片",
        required=False,
    )
    file = forms.FileField(
        label="选择文件",
        required=False,
        error_messages={"invalid": "没有收到文件，请重新选择。"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"可以用手机拍照。照片（JPG、PNG）或 PDF，每个最大 "
            f"{size_zh(uploads.max_bytes())}，最多 {MAX_FILES} 个。没有也可以先不传。"
        )
        self.fields["file"].widget.attrs["accept"] = "image/jpeg,image/png,application/pdf"


def _institution_choices(center: Center) -> list[tuple[str, str]]:
    rows = Institution.objects.filter(center=center, status=InstitutionStatus.active).order_by(
        "sequence"
    )
    return [(i.code, i.name) for i in rows.only("code", "name")]


class ChoiceForm(StepForm):
    """⑥ 选择律师 (点援, 第四、九条; optional)."""

    title = "选择律师"
    institution = forms.ChoiceField(
        label="想找的律师事务所或法律服务所（可不选）",
        required=False,
        error_messages={"invalid_choice": "名册里没有这个机构，请重新选择。"},
    )
    practitioner = forms.ChoiceField(
        label="想找的律师或法律服务工作者（可不选）",
        required=False,
        error_messages={"invalid_choice": "名册里没有这个人，请重新选择。"},
    )
    wishes = _area("其他希望（可不填）", 300, required=False, help_text="例如希望是女律师。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institutions = _institution_choices(self.center)
        cast(forms.ChoiceField, self.fields["institution"]).choices = [
            ("", "不选，由中心指派"),
            *institutions,
        ]
        people = (
            Practitioner.objects.filter(
                center=self.center,
                status=PractitionerStatus.active,
                institution__status=InstitutionStatus.active,
            )
            .order_by("institution__sequence", "code")
            .values_list("code", "name", "institution__name")
        )
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [
            ("", "不选，由中心指派")
        ] + [(code, f"{name}（{inst}）") for code, name, inst in people]
        self.fields["wishes"].widget.attrs["rows"] = 2

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person, place = data.get("practitioner"), data.get("institution")
        if person and place:
            inst = Practitioner.objects.filter(center=self.center, code=person).values_list(
                "institution__code", flat=True
            )
            if inst.first() != place:
                self.add_error(
                    "practitioner", "这位律师不在您选的机构，请只选一项，或选他所在的机构。"
                )
        return data


class HelperForm(StepForm):
    """⑦ 谁帮助了你 (第七条: a workstation or a liaison institution; optional)."""

    title = "谁帮助了你"
    workstation = forms.ChoiceField(
        label="帮助您的司法所（可不选）",
        required=False,
        error_messages={"invalid_choice": "请从列表中选择。"},
    )
    helped_by_institution = forms.ChoiceField(
        label="帮助您的律师事务所或法律服务所（可不选）",
        required=False,
        error_messages={"invalid_choice": "请从列表中选择。"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = (
            Workstation.objects.filter(center=self.center)
            .order_by("name")
            .values_list("name", flat=True)
        )
        cast(forms.ChoiceField, self.fields["workstation"]).choices = [("", "没有")] + [
            (n, n) for n in names
        ]
        cast(forms.ChoiceField, self.fields["helped_by_institution"]).choices = [
            ("", "没有"),
            *_institution_choices(self.center),
        ]


class ConfirmForm(StepForm):
    """⑧ 确认并提交."""

    title = "确认并提交"
    confirm = forms.BooleanField(
        label="我确认以上内容真实，同意提交申请，并同意中心把申请交给指派的律师事务所、"
        "法律服务所和承办人办理。",
        error_messages={"required": "请勾选确认后再提交。"},
    )


STEPS: dict[int, type[StepForm]] = {
    1: WhoForm,
    2: WhatForm,
    3: OpposingForm,
    4: MeansForm,
    5: FilesForm,
    6: ChoiceForm,
    7: HelperForm,
    8: ConfirmForm,
}
LAST = max(STEPS)
#: The steps whose values must have passed before submission (⑤ has nothing to check).
CHECKED = [1, 2, 3, 4, 6, 7]

__all__ = ["MATTERS", "STEPS", "ConsentForm", "ConsentKind"]
