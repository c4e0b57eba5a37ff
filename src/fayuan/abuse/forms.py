"""`HumanCheckMixin`: the human check (`fayuan.abuse.challenge`) as four fields of a form.

    class ApplicationForm(HumanCheckMixin, forms.Form): ...
    # template: {{ form.media }} in <head> (pow.js), then the form's fields as usual

The mixin adds, in `__init__`, after the form's own fields:

* `hc_token` (hidden): the signed challenge; `hc_nonce` (hidden): pow.js writes the proof of
  work there;
* `hc_answer`: the sum in Chinese (its label is the question), for a browser without scripts.
  pow.js hides it once the work is done, so most people never see it;
* `hc_homepage`: a honeypot, inside an element with the `hidden` attribute (a person never sees
  or reaches it, an untargeted bot fills it). It is not refused: `fayuan.abuse.screening` marks
  the application, so a bot learns nothing.

`clean()` checks and spends the challenge (`challenge.verify`); a form shown again (with other
mistakes, or after its action refused) carries a fresh challenge (already passed when this one
passed, so nobody solves twice) and the question is new. After `is_valid()`:
`cleaned_data["hc_elapsed"]` is the seconds since the form was first shown and
`cleaned_data["hc_homepage"]` what the honeypot held (the screening reads both), and
`form.human_check` is the spent Challenge.

Render with `web/parts/form_fields.html`, `{{ form }}` or by hand: the hidden fields (the
honeypot counts as one) must be inside the <form>.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict

from fayuan.abuse import challenge as ch

TOKEN, NONCE, ANSWER, HONEYPOT = "hc_token", "hc_nonce", "hc_answer", "hc_homepage"
HUMAN_CHECK_FIELDS = (TOKEN, NONCE, ANSWER, HONEYPOT)


class PowScriptInput(forms.HiddenInput):
    """The challenge's hidden input; brings pow.js in the form's media."""

    class Media:
        js = ("abuse/pow.js",)


class HoneypotInput(forms.TextInput):
    """A text input inside `<span hidden>` with its own label; a hidden field to Django, so
    every form layout renders it without a visible label."""

    template_name = "abuse/honeypot.html"

    @property
    def is_hidden(self) -> bool:
        return True


def question_label(question: str) -> str:
    return f"请回答：{question}（填数字）"


if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class HumanCheckMixin(_FormBase):
    """Mix into a Form or ModelForm (before it): see the module's text."""

    human_check: ch.Challenge | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[TOKEN] = forms.CharField(required=False, widget=PowScriptInput)
        self.fields[NONCE] = forms.CharField(
            required=False, widget=forms.HiddenInput(attrs={"data-pow-nonce": ""})
        )
        self.fields[ANSWER] = forms.CharField(
            required=False,
            max_length=10,
            help_text="用于确认是您本人在填写。浏览器能运行脚本时会自动完成，无需回答。",
            widget=forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "data-pow-answer": ""}
            ),
        )
        self.fields[HONEYPOT] = forms.CharField(
            required=False,
            label="请勿填写此项",
            widget=HoneypotInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )
        previous: float | None = None
        if self.is_bound:
            try:
                previous = ch.read(str(self.data.get(self.add_prefix(TOKEN), ""))).first_issued
            except ch.ChallengeError:
                previous = None
        # Shown when the form is rendered unbound; a bound form gets its next one in clean().
        self._show(ch.issue(first_issued=previous), replace_data=False)

    def _show(self, challenge: ch.Challenge, replace_data: bool = True) -> None:
        """Render `challenge` next time the form is shown."""
        self.fields[TOKEN].initial = challenge.token
        self.fields[TOKEN].widget.attrs["data-pow-token"] = ""
        self.fields[TOKEN].widget.attrs["data-pow-bits"] = str(challenge.bits)
        if challenge.passed:
            self.fields[TOKEN].widget.attrs["data-pow-passed"] = ""
        else:
            self.fields[TOKEN].widget.attrs.pop("data-pow-passed", None)
        self.fields[ANSWER].label = question_label(challenge.question)
        if replace_data and self.is_bound:
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data[self.add_prefix(TOKEN)] = challenge.token
            data[self.add_prefix(NONCE)] = ""
            data[self.add_prefix(ANSWER)] = ""
            self.data = data
        cache: dict[str, object] = self.__dict__.get("_bound_fields_cache", {})
        for name in (TOKEN, NONCE, ANSWER):
            cache.pop(name, None)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        token = str(self.data.get(self.add_prefix(TOKEN), "") or "")
        nonce = str(self.data.get(self.add_prefix(NONCE), "") or "")
        answer = str(self.data.get(self.add_prefix(ANSWER), "") or "")
        try:
            passed = ch.verify(token, nonce, answer)
        except ch.ChallengeError as refused:
            first = None
            with contextlib.suppress(ch.ChallengeError):
                first = ch.read(token).first_issued
            self.add_error(ANSWER, refused.message)
            self._show(ch.issue(first_issued=first))
            return cleaned
        self.human_check = passed
        cleaned["hc_elapsed"] = passed.elapsed()
        cleaned[HONEYPOT] = str(self.data.get(self.add_prefix(HONEYPOT), "") or "")
        # Should the form be shown again (another mistake, or the action refused), it carries
        # a pass that needs no new work: this one is spent.
        self._show(ch.issue(passed=True, first_issued=passed.first_issued))
        return cleaned
