"""The forms of the deciders' pages (第五、八、十二条). They check only what a form can (a choice
made, a date that is a date, a line per participant); the rules themselves (a reason to return,
at least two participants, who may decide) are the actions', whose refusals go beside the field
they name (fayuan.web.ui.run_action)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from fayuan.policy.deadlines import CHINA_TZ

TEXT_MAX = 5000


def _today() -> date:
    return timezone.localtime(timezone.now(), CHINA_TZ).date()


def _text(
    label: str, help_text: str = "", rows: int = 4, required: bool = False
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"请填写{label}。",
            "max_length": f"{label}不能超过 {TEXT_MAX} 字。",
        },
    )


def _choice(label: str, choices: list[tuple[str, str]], missing: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": missing, "invalid_choice": missing},
    )


class DirectorDecisionForm(forms.Form):
    """第五条：普通案件由中心负责人决定：同意，或退回指派人员（须写明理由）。"""

    decision = _choice(
        "决定",
        [("approve", "同意指派意见"), ("return", "退回指派人员重新提出（须写明理由）")],
        "请选择同意或退回。",
    )
    reason = _text("意见", "退回时必填：写明不同意的理由，指派人员将据此重新提出指派意见。")

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data.get("decision") == "approve")


class DiscussionForm(forms.Form):
    """第五条：重大疑难案件由中心集体讨论：日期、参加人员、结论。"""

    held_on = forms.DateField(
        label="讨论日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写讨论日期。", "invalid": "讨论日期格式应为 年-月-日。"},
    )
    participants = _text("参加人员", "每行一人（姓名及职务），至少 2 人。", rows=5, required=True)
    conclusion = _text("讨论结论", "集体讨论对指派意见的结论。", rows=5, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = _today()

    def clean_held_on(self) -> date:
        held_on: date = self.cleaned_data["held_on"]
        if held_on > _today():
            raise forms.ValidationError("讨论日期不能晚于今天：请记录已经召开的集体讨论。")
        return held_on

    @property
    def names(self) -> list[str]:
        text: str = self.cleaned_data.get("participants", "")
        return [line.strip() for line in text.splitlines() if line.strip()]


class BureauReportForm(forms.Form):
    """第五条：集体讨论后，书面报请区司法局决定：文号与报告正文。"""

    document_number = forms.CharField(
        label="请示文号",
        max_length=100,
        help_text="如 北碚法援〔2026〕1号。",
        error_messages={
            "required": "请填写请示的文号。",
            "max_length": "文号不能超过 100 字。",
        },
    )
    report = _text(
        "请示正文",
        "已按集体讨论记录和指派意见拟好，可修改；报送后可下载 PDF 或 Word 版请示。",
        rows=12,
        required=True,
    )


class BureauDecisionForm(forms.Form):
    """第五条：由区司法局决定：同意或不同意，并写明意见。"""

    decision = _choice(
        "决定",
        [("approve", "同意指派意见"), ("reject", "不同意，退回法律援助中心")],
        "请选择同意或不同意。",
    )
    reason = _text("意见", "区司法局的决定须写明意见。", required=False)

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data.get("decision") == "approve")


class RecusalDecisionForm(forms.Form):
    """第八条：准予或不予回避，写明理由。"""

    decision = _choice(
        "决定",
        [("grant", "准予回避"), ("deny", "不予回避")],
        "请选择准予回避或不予回避。",
    )
    reason = _text("理由", "写明作出该决定的理由。", required=True)

    @property
    def grant(self) -> bool:
        return bool(self.cleaned_data.get("decision") == "grant")


class RecusalApplyForm(forms.Form):
    """第八条：与申请人、其近亲属或所申请事项有利害关系的，应当主动申请回避。"""

    grounds = _text(
        "回避事由",
        "写明您与申请人、其近亲属或本案事项的关系。提交后、作出决定前，您不能处理本案。",
        required=True,
    )


class HandlerChangeDecisionForm(forms.Form):
    """第十二条：批准或不予更换承办人；不予更换的、超过次数报区司法局的，须写明理由。"""

    decision = _choice(
        "决定",
        [("approve", "批准更换"), ("refuse", "不予更换")],
        "请选择批准更换或不予更换。",
    )
    reason = _text("理由", "不予更换的，或超过更换次数由区司法局批准的，须写明书面理由。")

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data.get("decision") == "approve")
