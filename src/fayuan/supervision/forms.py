"""The forms of the supervision pages (第十三条；法律援助法第五十五、五十九条)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from fayuan.abuse.forms import HumanCheckMixin
from fayuan.accounts.models import Role
from fayuan.policy.params import SupervisionValues
from fayuan.supervision.models import AttemptOutcome, OpinionRating, VisitMethod

DATE = forms.DateInput(attrs={"type": "date"})


class DrawForm(forms.Form):
    period_start = forms.DateField(label="结案日期自", widget=DATE)
    period_end = forms.DateField(label="结案日期至", widget=DATE)
    seed = forms.IntegerField(
        label="随机种子",
        required=False,
        min_value=0,
        max_value=2**53,
        help_text="留空则随机生成；填写已记录的种子可复现同一次抽取。",
    )


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(label="评查人", queryset=User.objects.none())

    def __init__(self, *args: Any, center_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(
            profile__center_id=center_id, profile__role=Role.supervisor, is_active=True
        ).order_by("username")
        field.label_from_instance = _reviewer_label  # type: ignore[method-assign,assignment]


def _reviewer_label(user: Any) -> str:
    return f"{user.profile.full_name}（{user.get_username()}）"


class ScoreForm(forms.Form):
    """One number field per checklist item (`item_<n>`), 0 to its weight, and the comments."""

    comments = forms.CharField(
        label="评查意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="评为不合格的须写明理由。",
    )

    def __init__(self, *args: Any, values: SupervisionValues, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = values.review_checklist
        fields: dict[str, forms.Field] = {}
        for n, (item, weight) in enumerate(values.review_checklist):
            fields[f"item_{n}"] = forms.DecimalField(
                label=f"{item}（满分 {weight:g}）",
                min_value=0,
                max_value=weight,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )
        self.fields = {**fields, **self.fields}

    def points(self) -> dict[str, float]:
        return {
            item: float(self.cleaned_data[f"item_{n}"])
            for n, (item, _) in enumerate(self.checklist)
        }


class VisitForm(forms.Form):
    method = forms.ChoiceField(label="方式", choices=VisitMethod.choices)
    outcome = forms.ChoiceField(label="结果", choices=AttemptOutcome.choices)
    satisfaction = forms.TypedChoiceField(
        label="满意度",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(str(n), f"{n} 分") for n in range(5, 0, -1)]],
        help_text="联系上受援人时必填：5 非常满意 … 1 非常不满意。",
    )
    comments = forms.CharField(
        label="受援人意见", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(label="说明", required=False, max_length=300)


class UnreachableForm(forms.Form):
    note = forms.CharField(label="说明", max_length=300)


class OpinionForm(forms.Form):
    rating = forms.ChoiceField(label="评价", choices=OpinionRating.choices)
    opinion = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 4}))


class AttendanceForm(forms.Form):
    attended_on = forms.DateField(label="旁听日期", widget=DATE)
    court = forms.CharField(label="法庭", max_length=100)
    notes = forms.CharField(label="旁听记录", widget=forms.Textarea(attrs={"rows": 5}))


class _ComplaintFields(forms.Form):
    name = forms.CharField(
        label="您的姓名", max_length=100, error_messages={"required": "请填写您的姓名。"}
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=30,
        error_messages={"required": "请填写联系电话，以便答复您。"},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    case_number = forms.CharField(
        label="案件编号",
        max_length=40,
        required=False,
        help_text="受理回执或指派通知上的编号；不知道可以不填。",
    )
    what = forms.CharField(
        label="投诉事项",
        max_length=4000,
        error_messages={"required": "请写明发生了什么。"},
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="什么时候、谁、做了什么或没有做什么，您希望怎样处理。",
    )


class PublicComplaintForm(HumanCheckMixin, _ComplaintFields):
    """法律援助法第五十五条: the aided person's complaint, with the human check of fayuan.abuse."""


class CounterComplaintForm(_ComplaintFields):
    """The same complaint, taken at the counter by an officer."""


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复", widget=forms.Textarea(attrs={"rows": 5}))
    change_handler = forms.BooleanField(label="据此提出更换承办人申请（第十二条）", required=False)
    consent = forms.BooleanField(label="受援人已同意更换承办人", required=False)
    mode = forms.ChoiceField(
        label="更换方式",
        choices=[
            ("same_institution", "由原承办机构重新安排承办人"),
            ("other_institution", "由中心重新指派其他承办机构"),
        ],
    )
