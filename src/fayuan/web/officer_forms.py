"""The assignment officer's forms (指派人员): intake of an application (第七条) or of a judicial
organ's letter (第六条), the review (法律援助法第四十三条) and the 指派意见 (第五条). Labels and
messages in Chinese; each error says which field, why and what to do."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms import BaseFormSet, formset_factory

from fayuan import limits
from fayuan.accounts.models import JudicialOrgan
from fayuan.cases import uploads
from fayuan.cases.actions import CaseInput, PartyInput
from fayuan.cases.models import CATEGORY_CHOICES, Channel, PartyRole
from fayuan.identity import IdNumberError, clean_id_number
from fayuan.roster.models import Center, Institution, Locality, Practitioner, Workstation

#: The ways an application comes in at the center (第七条): the counter, a workstation or a
#: liaison institution (the online channel is the citizens' own page, not this form).
COUNTER_CHANNELS = [
    (Channel.counter.value, Channel.counter.label),
    (Channel.workstation.value, Channel.workstation.label),
    (Channel.liaison.value, Channel.liaison.label),
]

TEXT_MAX = 4000
NONE = [("", "（无）")]


def _text(label: str, required: bool = False, help_text: str = "", rows: int = 3) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class CaseFactsForm(forms.Form):
    """What both intakes ask: the matter, where, how many, and the 第五、十一条 flags."""

    category = forms.ChoiceField(label="案件类别", choices=CATEGORY_CHOICES)
    locality = forms.ChoiceField(label="镇街（属地）")
    aided_persons = forms.IntegerField(
        label="受援人数",
        min_value=1,
        max_value=1_000_000,
        initial=1,
        help_text="集团案件填写全部受援人数（10 人以上为集团案件，50 人以上须报区司法局决定）。",
    )
    specialty = forms.CharField(
        label="涉及专业", required=False, max_length=50, help_text="如：劳动争议、婚姻家庭。"
    )
    minor = forms.BooleanField(label="未成年人案件", required=False)
    social_impact = forms.BooleanField(label="具有一定社会影响（第十一条）", required=False)
    major_difficult = forms.BooleanField(label="重大疑难（第五条、第十一条）", required=False)
    life_sentence_possible = forms.BooleanField(
        label="可能判处无期徒刑以上（第十一条）", required=False
    )
    stability_risk = forms.BooleanField(label="对社会平安稳定有影响（第五条）", required=False)
    summary = _text("案情摘要", rows=4)

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.center = center
        names = Locality.objects.filter(center=center).order_by("name")
        cast(forms.ChoiceField, self.fields["locality"]).choices = [("", "请选择")] + [
            (n, n) for n in names.values_list("name", flat=True)
        ]

    def facts(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "category": d["category"],
            "locality": d["locality"],
            "aided_persons": d["aided_persons"],
            "specialty": d["specialty"].strip(),
            "summary": d["summary"].strip(),
            "minor": d["minor"],
            "social_impact": d["social_impact"],
            "major_difficult": d["major_difficult"],
            "life_sentence_possible": d["life_sentence_possible"],
            "stability_risk": d["stability_risk"],
        }


def _institutions(center: Center) -> list[tuple[str, str]]:
    rows = Institution.objects.filter(center=center).order_by("sequence", "code")
    return [(code, f"{name}（{code}）") for code, name in rows.values_list("code", "name")]


class ApplicationForm(CaseFactsForm):
    """A citizen's application at the counter (第七条), with the applicant's choice (点援,
    第四条、第九条) and wishes."""

    field_order = [
        "category",
        "locality",
        "channel",
        "workstation",
        "helped_by_institution",
        "aided_persons",
        "specialty",
    ]

    channel = forms.ChoiceField(
        label="申请方式", choices=COUNTER_CHANNELS, initial=Channel.counter.value
    )
    workstation = forms.ChoiceField(
        label="代为申请的工作站（司法所）",
        required=False,
        help_text="经工作站（司法所）申请的必填（第七条）。",
    )
    helped_by_institution = forms.ChoiceField(
        label="提供法律帮助的机构（联络点）",
        required=False,
        help_text="经律师事务所、基层法律服务所指引申请的必填；指派时可优先考虑（第七条）。",
    )
    chosen_institution = forms.ChoiceField(label="申请人选择的承办机构（点援）", required=False)
    chosen_practitioner = forms.ChoiceField(label="申请人选择的承办人（点援）", required=False)
    wishes = _text("受援人意愿", help_text="如希望承办人的性别、所在地等（第九条）。")

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        super().__init__(*args, center=center, **kwargs)
        stations = Workstation.objects.filter(center=center).order_by("name")
        cast(forms.ChoiceField, self.fields["workstation"]).choices = NONE + [
            (n, n) for n in stations.values_list("name", flat=True)
        ]
        institutions = _institutions(center)
        cast(forms.ChoiceField, self.fields["helped_by_institution"]).choices = NONE + institutions
        cast(forms.ChoiceField, self.fields["chosen_institution"]).choices = NONE + institutions
        people = (
            Practitioner.objects.filter(center=center)
            .order_by("institution__sequence", "code")
            .values_list("code", "name", "institution__name")
        )
        cast(forms.ChoiceField, self.fields["chosen_practitioner"]).choices = NONE + [
            (code, f"{name}（{code}，{inst}）") for code, name, inst in people
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        channel = data.get("channel")
        if channel == Channel.workstation and not data.get("workstation"):
            self.add_error("workstation", "经工作站（司法所）代为申请的，请选择是哪一个工作站。")
        if channel == Channel.liaison and not data.get("helped_by_institution"):
            self.add_error(
                "helped_by_institution",
                "经联络点指引申请的，请选择提供法律帮助的律师事务所或基层法律服务所。",
            )
        return data

    def case_input(self, parties: list[PartyInput]) -> CaseInput:
        d = self.cleaned_data
        return CaseInput(
            parties=parties,
            channel=d["channel"],
            workstation=d["workstation"],
            helped_by_institution=d["helped_by_institution"],
            chosen_institution=d["chosen_institution"],
            chosen_practitioner=d["chosen_practitioner"],
            wishes=d["wishes"].strip(),
            **self.facts(),
        )


class NotificationForm(CaseFactsForm):
    """A judicial organ's letter (通知辩护/通知代理公函, 第六条) typed in at the center."""

    field_order = ["organ", "letter_number", "letter_received_at", "category", "locality"]

    organ = forms.ModelChoiceField(
        label="办案机关", queryset=JudicialOrgan.objects.none(), empty_label="请选择"
    )
    letter_number = forms.CharField(
        label="公函文号", max_length=100, help_text="如：（2026）渝0109刑初123号。"
    )
    letter_received_at = forms.DateTimeField(
        label="收到公函的时间",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="北京时间。指派期限自收到公函之日起计算（第六条）。",
    )

    letter_file = forms.FileField(
        label="公函扫描件（可选）",
        required=False,
    )

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        super().__init__(*args, center=center, **kwargs)
        organs = JudicialOrgan.objects.filter(center=center).order_by("name")
        cast("forms.ModelChoiceField[JudicialOrgan]", self.fields["organ"]).queryset = organs
        self.fields["letter_file"].help_text = (
            f"PDF、JPG、PNG 或 OFD，最大 {limits.size_zh(uploads.max_bytes())}；"
            "随案件保存，仅有权查看的人员可下载。"
        )
        self.fields["category"].initial = "criminal"

    def case_input(self, parties: list[PartyInput]) -> CaseInput:
        d = self.cleaned_data
        return CaseInput(
            parties=parties,
            organ_id=d["organ"].pk,
            letter_number=d["letter_number"].strip(),
            letter_received_at=d["letter_received_at"],
            **self.facts(),
        )


class PartyForm(forms.Form):
    """One party: the applicant or an aided person, or an opposing party (第七、十二条: the
    conflict check matches them)."""

    role = forms.ChoiceField(label="身份", choices=PartyRole.choices, initial=PartyRole.aided)
    is_applicant = forms.BooleanField(label="是申请人", required=False)
    name = forms.CharField(label="姓名", max_length=100, required=False)
    id_number = forms.CharField(label="身份证号", max_length=40, required=False)
    phone = forms.CharField(label="电话", max_length=30, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)

    def clean_id_number(self) -> str:
        value: str = self.cleaned_data.get("id_number", "")
        try:
            return clean_id_number(value)
        except IdNumberError as exc:
            raise forms.ValidationError(f"身份证号码无效：{exc.reason}。请核对后重填。") from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        filled = any(data.get(k) for k in ("id_number", "phone", "address", "is_applicant"))
        if filled and not (data.get("name") or "").strip():
            self.add_error("name", "填写了这一行的其他内容，请同时填写姓名（或清空这一行）。")
        return data

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("name") or "").strip()

    def party(self) -> PartyInput:
        d = self.cleaned_data
        return PartyInput(
            role=d["role"],
            name=d["name"].strip(),
            id_number=d["id_number"],
            phone=d["phone"].strip(),
            address=d["address"].strip(),
            is_applicant=d["is_applicant"],
        )


class BasePartyFormSet(BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [f for f in self.forms if f.cleaned_data and not f.is_blank()]
        if not any(f.cleaned_data["role"] == PartyRole.aided for f in rows):
            raise forms.ValidationError(
                "至少填写一名受援人（身份选“受援人”，并填写姓名）。", code="no_aided"
            )
        if sum(1 for f in rows if f.cleaned_data["is_applicant"]) > 1:
            raise forms.ValidationError("只能有一名申请人，请只勾选一行“是申请人”。")

    def parties(self) -> tuple[list[PartyInput], list[int]]:
        """The filled rows as `PartyInput`s, and each one's form index (for errors)."""
        rows = [(i, f) for i, f in enumerate(self.forms) if f.cleaned_data and not f.is_blank()]
        return [f.party() for _, f in rows], [i for i, _ in rows]


PartyFormSet = formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=0, min_num=1, max_num=200, validate_max=True
)
PARTY_ROWS = 3  # blank rows shown on a new form: applicant, another aided, an opposing party


class RefuseForm(forms.Form):
    reason = _text(
        "不予法律援助的理由",
        required=True,
        help_text="写入《不予法律援助决定书》，告知申请人（法律援助法第四十三条）。",
        rows=5,
    )


class MaterialForm(forms.Form):
    what = _text(
        "需要补充的材料或说明",
        required=True,
        help_text="一次性写明全部需补充的材料（法律援助法第四十三条）；补充期间不计入审查期限。",
        rows=4,
    )


class ProposeForm(forms.Form):
    """指派意见 (第五条): accept the rules' institution, or name another eligible one with a
    reason."""

    ACCEPT = "accept"
    OTHER = "other"

    choice = forms.ChoiceField(
        label="指派意见",
        widget=forms.RadioSelect,
        choices=[(ACCEPT, "同意系统建议的承办机构"), (OTHER, "指派其他符合条件的承办机构")],
        initial=ACCEPT,
    )
    institution = forms.ChoiceField(label="其他承办机构", required=False)
    override_reason = _text(
        "不同于系统建议的理由", help_text="选择其他机构时必填，记入审批表和审计日志。"
    )
    opinion = _text("指派意见说明", help_text="可填写需报负责人知悉的情况。")

    def __init__(
        self, *args: Any, alternatives: list[tuple[str, str]], engine_found: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.engine_found = engine_found
        institution = cast(forms.ChoiceField, self.fields["institution"])
        institution.choices = [("", "请选择"), *alternatives]
        if not engine_found:
            choice = cast(forms.ChoiceField, self.fields["choice"])
            choice.choices = [(self.OTHER, "指派符合条件的承办机构")]
            self.fields["choice"].initial = self.OTHER

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("choice") == self.OTHER:
            if not data.get("institution"):
                self.add_error("institution", "请选择要指派的承办机构。")
            if not (data.get("override_reason") or "").strip():
                self.add_error(
                    "override_reason", "指派意见与系统建议不同，须写明理由（记入审批表）。"
                )
        return data
