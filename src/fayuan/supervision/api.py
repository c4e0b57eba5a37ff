"""征询司法机关意见 through the API (法律援助法第五十九条): the organ that sent a case gives its
opinion of how it was handled, with its bearer token, as on its page."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fayuan.api.lookup import actor, case_for
from fayuan.api.schemas import CaseNumber, In, Text
from fayuan.api.views_cases import ERRORS
from fayuan.supervision.actions import do_record_organ_opinion

router = Router()


class OpinionIn(In):
    rating: Literal["satisfied", "fair", "dissatisfied"] = Field(
        description="satisfied 满意；fair 基本满意；dissatisfied 不满意"
    )
    opinion: Text = Field(min_length=1, max_length=4000, description="对本案承办情况的意见")


class OpinionOut(Schema):
    id: int
    case: str = Field(description="案件编号")
    organ: str = Field(description="办案机关")
    rating: str
    opinion: str
    at: datetime


@router.post(
    "/cases/{number}/opinions",
    response={201: OpinionOut, **ERRORS},
    tags=["监督与质量"],
    summary="办案机关对本案承办情况的意见（法律援助法第五十九条）",
    description="只有通知本案的办案机关可以填写；每次填写记入审计日志。",
)
def post_opinion(
    request: HttpRequest, number: CaseNumber, payload: OpinionIn
) -> Status[dict[str, Any]]:
    case = case_for(request, number, "record_organ_opinion")
    row = do_record_organ_opinion(case, actor(request), payload.rating, payload.opinion)
    return Status(
        201,
        {
            "id": row.pk,
            "case": case.number,
            "organ": row.organ.name,
            "rating": row.rating,
            "opinion": row.opinion,
            "at": row.at,
        },
    )
