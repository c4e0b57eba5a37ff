"""The two small forms of the status lookup, their errors in plain words. The lookup form, which
makes an SMS go out, carries the human check of `fayuan.abuse` (a proof of work pow.js does by
itself, or a sum in Chinese without scripts)."""

from __future__ import annotations

from django import forms

from fayuan.abuse.forms import HumanCheckMixin


class LookupForm(HumanCheckMixin, forms.Form):
    number = forms.CharField(
        label="申请编号",
        max_length=60,
        help_text="受理回执上印的编号，例如 BEIBEI-2026-000012。",
        error_messages={"required": "请填写申请编号（受理回执上有）。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label="手机号码",
        max_length=30,
        help_text="申请时留的手机号码，验证码会发到这个号码。",
        error_messages={"required": "请填写申请时留的手机号码。"},
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel-national"}
        ),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="短信验证码",
        max_length=12,
        help_text="短信里的 6 位数字，10 分钟内有效。",
        error_messages={"required": "请填写短信里的 6 位验证码。"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )
