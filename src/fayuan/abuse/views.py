"""The 可疑 mark's page: the reasons, and the officer's answer (clear or confirm)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from fayuan.abuse.actions import (
    CONFIRMED,
    NOTE_MAX,
    do_clear_screening,
    do_confirm_screening,
    is_confirmed,
)
from fayuan.errors import ActionError
from fayuan.web.ui import case_for, page


class ScreeningForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理",
        choices=[
            ("clear", "标记有误：清除可疑标记，按普通申请审查"),
            ("confirm", "确认可疑：保留标记（之后可决定不予法律援助或联系申请人核实）"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择清除或确认。"},
    )
    note = forms.CharField(
        label="说明（可不填）", required=False, max_length=NOTE_MAX, widget=forms.Textarea
    )


def badge(screening: list[str] | None) -> str:
    """The list cell of a marked application ("" when it is not marked)."""
    if not screening:
        return ""
    reasons = [r for r in screening if not str(r).startswith(CONFIRMED)]
    head = "可疑（已确认）" if str(screening[0]).startswith(CONFIRMED) else "可疑"
    return f"{head}：" + "；".join(str(r) for r in reasons)


def screening_url(number: str) -> str:
    return f"/cases/{number}/screening/"


@login_required
@require_http_methods(["GET", "POST"])
def screening_page(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, "grant_aid")
    form = ScreeningForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "clear":
                do_clear_screening(case, request.user, form.cleaned_data["note"])
                messages.success(request, "已清除可疑标记。")
            else:
                do_confirm_screening(case, request.user, form.cleaned_data["note"])
                messages.success(request, "已确认可疑标记。")
        except ActionError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return HttpResponseRedirect(f"/cases/{case.number}/")
    return page(
        request,
        "abuse/screening.html",
        {
            "title": f"可疑标记 · {case.number}",
            "case": case,
            "reasons": [r for r in case.screening if not str(r).startswith(CONFIRMED)],
            "confirmed": next((r for r in case.screening if str(r).startswith(CONFIRMED)), ""),
            "is_confirmed": is_confirmed(case),
            "form": form,
        },
    )
