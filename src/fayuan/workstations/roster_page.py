"""The published roster for 点援 (第四条、第九条; 公开公正): the institutions and practitioners of
the public center who take legal aid, with what an applicant chooses by (specialties, 镇街,
practice years, kind, minors qualification) and nothing else: professional data only, never an
ID number or a personal phone (an institution's office address and phone are its own).

No login, no JavaScript: the filters are a GET form, the pages links. The number of queries does
not grow with the roster (tests/service/test_public_roster.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fayuan.policy import model as policy
from fayuan.roster.models import (
    Center,
    Institution,
    InstitutionStatus,
    Locality,
    Practitioner,
    PractitionerStatus,
)

PER_PAGE = 20
KIND_ZH = {
    policy.PractitionerKind.lawyer.value: "律师",
    policy.PractitionerKind.grassroots_worker.value: "基层法律服务工作者",
}
INSTITUTION_KIND_ZH = {
    policy.InstitutionKind.law_firm.value: "律师事务所",
    policy.InstitutionKind.grassroots_office.value: "基层法律服务所",
}


def public_center() -> Center:
    """The center whose public pages these are (the roster, the application, the figures): the
    one named by `FAYUAN_PUBLIC_CENTER` (its code) or, when unset, the installation's only
    center. A Chinese 404 otherwise (none, or several and none named), never a 500."""
    code = getattr(settings, "FAYUAN_PUBLIC_CENTER", "") or ""
    if code:
        center = Center.objects.filter(code=code).first()
    else:
        centers = list(Center.objects.order_by("id")[:2])
        center = centers[0] if len(centers) == 1 else None
    if center is None:
        raise Http404("本系统尚未设置对外服务的法律援助中心（请管理员设置 FAYUAN_PUBLIC_CENTER）。")
    return center


def practice_years(licensed_on: date, today: date) -> int:
    """Whole years of practice since the licence (执业年限), as 第十一条's 执业 3 年以上 counts."""
    before_anniversary = (today.month, today.day) < (licensed_on.month, licensed_on.day)
    return today.year - licensed_on.year - int(before_anniversary)


def licensed_by(today: date, years: int) -> date:
    """The latest licence date with at least `years` whole years of practice today."""
    year = today.year - years
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February in a year without it
        return date(year, 2, 28)


class RosterFilter(forms.Form):
    """The filters, all optional; a wrong value is shown beside its field and filters nothing."""

    show = forms.ChoiceField(
        label="查看",
        choices=[("people", "承办人（律师、基层法律服务工作者）"), ("places", "承办机构")],
        required=False,
    )
    specialty = forms.ChoiceField(label="专业特长", required=False)
    locality = forms.ChoiceField(label="所在镇街", required=False)
    kind = forms.ChoiceField(
        label="类别",
        choices=[("", "全部"), *KIND_ZH.items()],
        required=False,
    )
    years = forms.IntegerField(
        label="执业年限至少（年）",
        min_value=0,
        max_value=60,
        required=False,
        help_text="如：刑事重大案件要求执业 3 年以上（第十一条）。",
        error_messages={
            "invalid": "请填写整数年数，如 3。",
            "min_value": "年数不能小于 0。",
            "max_value": "年数最多填 60。",
        },
    )
    minors = forms.BooleanField(label="只看可承办未成年人案件的", required=False)

    def __init__(
        self, *args: Any, localities: list[str], specialties: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["specialty"]).choices = [("", "全部")] + [
            (s, s) for s in specialties
        ]
        cast(forms.ChoiceField, self.fields["locality"]).choices = [("", "全部")] + [
            (n, n) for n in localities
        ]
        self.fields["years"].widget.attrs.update({"inputmode": "numeric"})


def _with_specialty(rows: QuerySet[Practitioner], specialty: str) -> QuerySet[Practitioner]:
    """Practitioners whose specialties include `specialty`: JSON containment where the database
    has it (PostgreSQL); on SQLite (no JSON `contains`, and the list is stored with escaped
    characters) the matching ids are found in one query of the same rows."""
    if connection.features.supports_json_field_contains:
        return rows.filter(specialties__contains=[specialty])
    ids = [pk for pk, found in rows.values_list("pk", "specialties") if specialty in (found or [])]
    return rows.filter(pk__in=ids)


def _practitioners(center: Center) -> QuerySet[Practitioner]:
    """Who takes legal aid: active practitioners of the center's active institutions."""
    return Practitioner.objects.filter(
        center=center,
        status=PractitionerStatus.active,
        institution__status=InstitutionStatus.active,
    )


def _filtered(center: Center, data: dict[str, Any], today: date) -> QuerySet[Practitioner]:
    rows = _practitioners(center)
    if data.get("locality"):
        rows = rows.filter(institution__locality__name=data["locality"])
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    if data.get("years") is not None:
        rows = rows.filter(licensed_on__lte=licensed_by(today, data["years"]))
    if data.get("minors"):
        rows = rows.filter(minors_qualified=True)
    if data.get("specialty"):
        rows = _with_specialty(rows, data["specialty"])
    return rows


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    kind: str
    locality: str
    address: str
    phone: str

    @classmethod
    def of(cls, inst: Institution) -> Office:
        return cls(
            code=inst.code,
            name=inst.name,
            kind=INSTITUTION_KIND_ZH.get(inst.kind, inst.kind),
            locality=inst.locality.name,
            address=inst.address,
            phone=inst.phone,
        )

    @property
    def choose_url(self) -> str:
        return "/apply/?" + urlencode({"institution": self.code})


def _person(p: Practitioner, today: date) -> dict[str, Any]:
    """What the roster says of a practitioner: professional data only."""
    return {
        "code": p.code,
        "name": p.name,
        "kind": KIND_ZH.get(p.kind, p.kind),
        "lawyer": p.kind == policy.PractitionerKind.lawyer.value,
        "years": practice_years(p.licensed_on, today),
        "specialties": "、".join(p.specialties or []),
        "minors": p.minors_qualified,
        "office": Office.of(p.institution),
        "choose_url": "/apply/?" + urlencode({"practitioner": p.code}),
    }


def _place(inst: Institution, today: date) -> dict[str, Any]:
    people: list[Practitioner] = list(getattr(inst, "roster_people", []))
    specialties = sorted({s for p in people for s in (p.specialties or [])})
    return {
        "office": Office.of(inst),
        "people": len(people),
        "specialties": "、".join(specialties),
        "minors": sum(1 for p in people if p.minors_qualified),
        "longest": max((practice_years(p.licensed_on, today) for p in people), default=0),
    }


def _choices(center: Center) -> tuple[list[str], list[str]]:
    """The localities with a listed institution, and every specialty listed: two queries."""
    localities = list(
        Locality.objects.filter(center=center, institutions__status=InstitutionStatus.active)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    found: set[str] = set()
    for listed in _practitioners(center).values_list("specialties", flat=True):
        found.update(s for s in (listed or []) if isinstance(s, str))
    return localities, sorted(found)


@require_GET
def lawyers(request: HttpRequest) -> HttpResponse:
    """/lawyers/: the published roster (点援, 第四条、第九条)."""
    center = public_center()
    today = timezone.localdate()
    localities, specialties = _choices(center)
    form = RosterFilter(request.GET or None, localities=localities, specialties=specialties)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data  # the valid filters apply; a wrong one is shown beside it
    show = data.get("show") or "people"
    people = _filtered(center, data, today)
    if show == "places":
        listed = Exists(people.filter(institution_id=OuterRef("pk")))
        rows: QuerySet[Any] = (
            Institution.objects.filter(center=center, status=InstitutionStatus.active)
            .filter(listed)
            .select_related("locality")
            .prefetch_related(
                Prefetch(
                    "practitioners",
                    queryset=_practitioners(center).order_by("code"),
                    to_attr="roster_people",
                )
            )
            .order_by("sequence", "code")
        )
    else:
        rows = people.select_related("institution__locality").order_by(
            "institution__sequence", "code"
        )
    current = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    if show == "places":
        cards = [_place(i, today) for i in current.object_list]
    else:
        cards = [_person(p, today) for p in current.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workstations/lawyers.html",
        {
            "title": "法律援助律师名册",
            "center_name": center.name,
            "center_phone": center.phone,
            "form": form,
            "show": show,
            "cards": cards,
            "page_obj": current,
            "query": query.urlencode(),
            "total": current.paginator.count,
        },
    )
