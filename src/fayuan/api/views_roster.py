"""The roster: export and import as the JSON of SPEC §12 and as an Excel workbook.

An import is checked completely before anything is written; a bad file is a 400 listing every
bad row (sheet or section, row, column, reason) and the roster is left as it was.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Router, UploadedFile

from fayuan.api.guard import TooLarge, upload_limit
from fayuan.api.lookup import actor, profile
from fayuan.api.schemas import ImportSummaryOut
from fayuan.api.views_cases import ERRORS
from fayuan.exchange import RosterIn
from fayuan.limits import ROSTER_MAX_INT, ROSTER_MAX_ROWS, ROSTER_MAX_SPECIALTIES
from fayuan.roster.actions import ImportSummary, do_import_roster, export_roster
from fayuan.roster.io_excel import export_roster_xlsx, read_roster_xlsx
from fayuan.roster.io_json import parse_roster_json

router = Router(tags=["名册"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def roster_schema() -> dict[str, Any]:
    """The JSON schema of SPEC §12's roster (`fayuan.exchange.RosterIn`) for the OpenAPI
    description, inlined, with the limits the import enforces (rows per section)."""
    schema = RosterIn.model_json_schema()
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    inlined["description"] = (
        f"SPEC §12 名册：center、institutions、practitioners（每部分最多 {ROSTER_MAX_ROWS} 条）"
    )
    properties = inlined["properties"]
    for section in ("institutions", "practitioners"):
        properties[section]["maxItems"] = ROSTER_MAX_ROWS
    properties["institutions"]["items"]["properties"]["sequence"]["maximum"] = ROSTER_MAX_INT
    practitioner = properties["practitioners"]["items"]["properties"]
    practitioner["criminal_defense_cases"]["maximum"] = ROSTER_MAX_INT
    practitioner["specialties"]["maxItems"] = ROSTER_MAX_SPECIALTIES
    return inlined


def _summary(summary: ImportSummary) -> dict[str, Any]:
    return {"summary": str(summary), **summary.as_data()}


@router.get(
    "/roster",
    response={200: dict[str, Any], **ERRORS},
    summary="导出名册（JSON，SPEC §12）",
    description='本中心的承办机构和承办人。暂停指派的机构另有 "suspended": true。',
)
def get_roster(request: HttpRequest) -> dict[str, Any]:
    return export_roster(profile(request, "export_roster").center)


@router.get(
    "/roster.xlsx",
    response=ERRORS,
    summary="导出名册（Excel 工作簿）",
    description="工作表“机构”和“承办人”，首行为中文表头；可修改后再导入。",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 工作簿",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_roster_xlsx(request: HttpRequest) -> HttpResponse:
    center = profile(request, "export_roster").center
    response = HttpResponse(export_roster_xlsx(center), content_type=XLSX)
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{center.code}-名册.xlsx") or "attachment"
    )
    return response


@router.post(
    "/roster",
    response={200: ImportSummaryOut, **ERRORS},
    summary="导入名册（JSON，SPEC §12）",
    description="按编号新增或更新镇街、承办机构和承办人；名册未列出的保持不变。"
    "有任何错误则全部不导入，返回 400 和逐条错误（errors）。",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": roster_schema()}},
        }
    },
)
def import_roster_json(request: HttpRequest) -> dict[str, Any]:
    center = profile(request, "import_roster").center
    roster = parse_roster_json(request.body)
    return _summary(do_import_roster(center, roster, actor(request)))


@router.post(
    "/roster.xlsx",
    response={200: ImportSummaryOut, **ERRORS},
    summary="导入名册（Excel 工作簿，multipart 上传，字段名 file）",
    description="格式同导出的工作簿。有任何错误则全部不导入，返回 400 和逐行错误"
    "（工作表、行、列、原因）。",
)
def import_roster_xlsx(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    center = profile(request, "import_roster").center
    # A district's roster is a few hundred rows; the workbook's size, its unpacked size and its
    # cells are bounded (settings FAYUAN_MAX_UPLOAD_BYTES, FAYUAN_ROSTER_XLSX_MAX_*).
    limit = upload_limit()
    if file.size is not None and file.size > limit:
        raise TooLarge(limit, "名册工作簿")
    roster, locate = read_roster_xlsx(file.read(), center.code, center.name)
    return _summary(do_import_roster(center, roster, actor(request), locate=locate))
