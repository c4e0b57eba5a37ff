"""The judicial organ's form: a 通知辩护（代理）公函 with its scanned letter (第六条)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from fayuan.cases.actions import CaseInput, PartyInput
from fayuan.cases.models import CATEGORY_CHOICES
from fayuan.identity import IdNumberError, clean_id_number
from fayuan.roster.models import Center, Locality

#: How many persons the form offers (a letter for more: one letter per person, or the API).
PERSONS = 3


class LetterForm(forms.Form):
    letter_number = forms.CharField(
        label="公函文号",
        max_length=100,
        help_text="如（2026）渝0109刑初123号。同一文号只登记一次，重复发送显示原案件。",
    )
    category = forms.ChoiceField(
        label="案件类别",
        choices=CATEGORY_CHOICES,
        initial="criminal",
        help_text="刑事案件为通知辩护（被告人、犯罪嫌疑人）；其他为通知代理。",
    )
    locality = forms.ModelChoiceField(
        label="案件所在镇街",
        queryset=Locality.objects.none(),
        empty_label="请选择",
    )
    summary = forms.CharField(
        label="案情简要",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="涉嫌罪名或案由、诉讼阶段、羁押场所等承办律师需要的情况。",
    )
    minor = forms.BooleanField(label="受援人为未成年人", required=False)
    life_sentence_possible = forms.BooleanField(
        label="可能判处无期徒刑以上刑罚（第十一条）", required=False
    )
    major_difficult = forms.BooleanField(label="重大疑难案件", required=False)
    social_impact = forms.BooleanField(label="具有一定社会影响", required=False)
    letter_file = forms.FileField(
        label="公函扫描件",
        help_text="PDF、JPG、PNG 或 OFD 文件，最大 10 MB（以文件内容判断类型）。",
        error_messages={
            "required": "请上传公函扫描件。",
            "empty": "文件是空的（0 字节），请重新选择扫描件。",
            "invalid": "没有收到文件，请重新选择扫描件。",
        },
    )

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locality = self.fields["locality"]
        assert isinstance(locality, forms.ModelChoiceField)
        locality.queryset = Locality.objects.filter(center=center).order_by("name")
        # The persons after the letter's fields they belong with, before the upload.
        upload = self.fields.pop("letter_file")
        for n in range(1, PERSONS + 1):
            required = n == 1
            word = "受援人（被告人、犯罪嫌疑人或被害人）" if n == 1 else f"受援人 {n}"
            self.fields[f"name_{n}"] = forms.CharField(
                label=f"{word}姓名", max_length=50, required=required
            )
            self.fields[f"id_number_{n}"] = forms.CharField(
                label=f"{'受援人' if n == 1 else f'受援人 {n} '}身份证号",
                max_length=40,
                required=required,
                help_text="18 位居民身份证号码。" if n == 1 else "",
            )
            self.fields[f"phone_{n}"] = forms.CharField(
                label=f"{'受援人' if n == 1 else f'受援人 {n} '}联系电话（可不填）",
                max_length=30,
                required=False,
            )
        self.fields["letter_file"] = upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, PERSONS + 1):
            name = (data.get(f"name_{n}") or "").strip()
            id_number = (data.get(f"id_number_{n}") or "").strip()
            if n > 1 and bool(name) != bool(id_number):
                missing = f"id_number_{n}" if name else f"name_{n}"
                self.add_error(missing, "姓名和身份证号须同时填写。")
                continue
            if id_number:
                try:
                    data[f"id_number_{n}"] = clean_id_number(id_number)
                except IdNumberError as exc:
                    self.add_error(f"id_number_{n}", f"身份证号码无效：{exc.reason}。")
        return data

    def case_input(self, organ_id: int) -> CaseInput:
        d = self.cleaned_data
        parties = [
            PartyInput(
                "aided",
                d[f"name_{n}"].strip(),
                id_number=d[f"id_number_{n}"],
                phone=(d.get(f"phone_{n}") or "").strip(),
                is_applicant=n == 1,
            )
            for n in range(1, PERSONS + 1)
            if (d.get(f"name_{n}") or "").strip()
        ]
        return CaseInput(
            category=d["category"],
            locality=d["locality"].name,
            parties=parties,
            aided_persons=len(parties),
            summary=d["summary"].strip(),
            minor=d["minor"],
            life_sentence_possible=d["life_sentence_possible"],
            major_difficult=d["major_difficult"],
            social_impact=d["social_impact"],
            organ_id=organ_id,
            letter_number=d["letter_number"].strip(),
            # Received by the center now, when the organ sends it here (a resent letter keeps
            # its first time: fayuan.web.organ._register_letter).
            letter_received_at=timezone.now(),
        )
