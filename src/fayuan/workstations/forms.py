"""The forms of a workstation's or liaison point's application for a person at its counter
(第七条): the matter and the choice of lawyer (the officer's `ApplicationForm`, without the
channel and helper, which are the user's own), the economic declaration (个人诚信承诺), the
person's consent (个人信息保护法第十四、二十九条) and the attachments. The parties are the
officer's `PartyFormSet` (fayuan.web.officer_forms)."""

from __future__ import annotations

from typing import Any

from django import forms

from fayuan import limits
from fayuan.cases import uploads
from fayuan.cases.actions import CaseInput, PartyInput
from fayuan.roster.models import Center
from fayuan.web.officer_forms import ApplicationForm, _text

#: 法律援助法第四十二条: who need not prove economic hardship (免予核查经济困难状况).
EXEMPTIONS = [
    ("minor_elderly_disabled", "无固定生活来源的未成年人、老年人、残疾人等特定群体"),
    ("assistance", "社会救助、司法救助或者优抚对象"),
    ("migrant_wages", "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员"),
    ("other", "法律、法规、规章规定的其他人员"),
]
EXEMPTION_ZH = dict(EXEMPTIONS)
MAX_ATTACHMENTS = 10


class MatterForm(ApplicationForm):
    """The matter, the applicant's choice (点援, 第四条、第九条) and wishes. The channel and the
    helper are not asked: they are the signed-in workstation or institution (第七条)."""

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        super().__init__(*args, center=center, **kwargs)
        for name in ("channel", "workstation", "helped_by_institution"):
            del self.fields[name]
        self.fields[
            "chosen_institution"
        ].help_text = (
            "申请人从援助律师名册中选择的，请选上；符合规定时优先指派，不能满足的会告知理由。"
        )

    def clean(self) -> dict[str, Any]:
        # The officer's form checks the channel's helper; here the helper is the user.
        return forms.Form.clean(self) or {}

    def helped_input(
        self, parties: list[PartyInput], channel: str, workstation: str, institution: str
    ) -> CaseInput:
        d = self.cleaned_data
        return CaseInput(
            parties=parties,
            channel=channel,
            workstation=workstation,
            helped_by_institution=institution,
            chosen_institution=d["chosen_institution"],
            chosen_practitioner=d["chosen_practitioner"],
            wishes=d["wishes"].strip(),
            **self.facts(),
        )


class EconomicForm(forms.Form):
    """经济困难状况的个人诚信承诺 (法律援助法第四十一条: the applicant declares, the center may
    check)."""

    prefix = "econ"

    household_size = forms.IntegerField(
        label="家庭人口（人）", min_value=1, max_value=99, help_text="与申请人共同生活的家庭成员。"
    )
    household_monthly_income = forms.IntegerField(
        label="家庭月收入合计（元）",
        min_value=0,
        max_value=100_000_000,
        help_text="全家每月的工资、经营、养老金等收入合计；没有收入填 0。",
    )
    exemptions = forms.MultipleChoiceField(
        label="属于以下情形的，可免予核查经济困难状况（法律援助法第四十二条）",
        choices=EXEMPTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    economic_note = _text("经济状况说明", help_text="如失业、患病、受灾等情况。")
    pledged = forms.BooleanField(
        label="申请人承诺以上经济状况属实（个人诚信承诺）",
        error_messages={"required": "请由申请人本人确认经济状况属实后勾选。"},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content when the application is sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"一次最多上传 {MAX_ATTACHMENTS} 个文件。")
        return files


def _file_help() -> str:
    return (
        f"PDF、JPG、PNG 或 OFD，每个最大 {limits.size_zh(uploads.max_bytes())}；"
        "随案件保存，只有审查和承办的人员可以查看。"
    )


class ConsentForm(forms.Form):
    """The person's consent, given in front of the staff member (个人信息保护法第十四条: 在充分
    知情的前提下自愿、明确作出; 第二十九条: 敏感个人信息应当取得个人的单独同意)."""

    prefix = "consent"

    consent = forms.BooleanField(
        label="申请人已当面阅读个人信息保护告知并同意",
        error_messages={
            "required": "须由申请人当面阅读个人信息保护告知并同意后才能提交；"
            "不同意的，不能代为申请，可告知其到法律援助中心窗口申请。"
        },
    )
    consent_scan = forms.FileField(label="签字的同意书扫描件（可选）", required=False)
    attachments = MultipleFileField(label="申请材料（身份证件、证据等，可选）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_scan"].help_text = _file_help()
        self.fields["attachments"].help_text = (
            f"可一次选择多个文件，最多 {MAX_ATTACHMENTS} 个。" + _file_help()
        )
