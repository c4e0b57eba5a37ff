"""The report as files: an Excel workbook (one sheet per section, a summary first) and an A4 PDF
with charts (reportlab.graphics), Chinese in the embedded faces of `fayuan.documents`.

Both are made in memory first and then written atomically (a temporary file in the target
directory, fsync, rename): an error leaves no file, a reader never sees half of one."""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from fayuan.reports.figures import Figures

#: The sheets in order, with their Chinese names (the summary first).
SHEETS = (
    "汇总",
    "案件类别与来源",
    "按期指派",
    "机构指派与轮次",
    "承办人集中度",
    "改变系统建议",
    "更换承办人",
    "回避",
    "投诉与评查",
    "回访受援人",
    "办案机关评价",
    "庭审旁听",
    "办案质量评分",
)

#: The PDF's section headings (each also a workbook sheet's subject).
HEADINGS = (
    "一、案件类别与来源",
    "二、按期指派",
    "三、承办机构指派数与轮次应得数",
    "四、承办人集中度",
    "五、改变系统建议的指派意见",
    "六、更换承办人",
    "七、回避",
    "八、投诉与案卷评查",
    "九、回访受援人",
    "十、办案机关评价",
    "十一、庭审旁听",
    "十二、办案质量评分与指派建议",
)


def title(fig: Figures) -> str:
    return f"{fig.center_name}法律援助案件指派情况报告（{fig.period.label}）"


def file_stem(fig: Figures) -> str:
    return f"report-{fig.center_code}-{fig.period.code}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


# ------------------------------------------------------------------ the sections as tables


def summary_rows(fig: Figures) -> list[tuple[str, str]]:
    c = fig.concentration
    return [
        ("法律援助中心", fig.center_name),
        ("期间", fig.period.label),
        ("本期指派案件（件）", str(fig.cases)),
        *[(f"其中{label}（件）", str(n)) for label, n in fig.by_category],
        *[(f"来源：{label}（件）", str(n)) for label, n in fig.by_source],
        (
            "按本地期限（第六条）指派率",
            f"{fig.local.text}（{fig.local.on_time}/{fig.local.counted}）",
        ),
        (
            "按法定期限（三日）指派率",
            f"{fig.statutory.text}（{fig.statutory.on_time}/{fig.statutory.counted}）",
        ),
        ("本期发出指派通知书（份）", str(sum(r.assignments for r in fig.institutions))),
        ("其中刑事轮流指派（份）", str(fig.rotation_total)),
        (
            "承办案件最多的 10% 承办人所占份额",
            f"{c.text}（{c.busiest} 人 {c.busiest_cases} 件 / "
            f"{c.practitioners} 人 {c.all_cases} 件）",
        ),
        ("改变系统建议（次）", str(len(fig.overrides))),
        ("更换承办人申请（次）", str(len(fig.handler_changes))),
        ("回避（次）", str(len(fig.recusals))),
        *_supervision_summary(fig),
        *_quality_summary(fig),
    ]


def _supervision_summary(fig: Figures) -> list[tuple[str, str]]:
    if fig.complaints is None or fig.reviews is None:
        return [("投诉与评查", fig.supervision_note)]
    k, r = fig.complaints, fig.reviews
    return [
        ("收到投诉（件）", str(k.received)),
        (
            "按期答复投诉（件）",
            f"{k.answered_on_time}（已答复 {k.answered}，待答复 {k.still_open}）",
        ),
        ("评查案卷（件）", str(r.counted)),
        ("评查合格率", f"{r.pass_rate}（平均 {r.mean_text} 分）"),
    ]


def supervision_rows(fig: Figures) -> list[list[Any]]:
    """The complaints and file reviews section as [item, value] rows."""
    if fig.complaints is None or fig.reviews is None:
        return [["说明", fig.supervision_note]]
    k, r = fig.complaints, fig.reviews
    return [
        ["收到投诉（件）", k.received],
        *[[f"其中{label}（件）", n] for label, n in k.by_channel],
        ["已答复（件）", k.answered],
        ["按期答复（件）", k.answered_on_time],
        ["待答复（件）", k.still_open],
        ["因投诉申请更换承办人（件）", k.led_to_change],
        ["评查案卷（件）", r.counted],
        *[[f"评为{grade}（件）", n] for grade, n in r.by_grade],
        ["合格率", r.pass_rate],
        ["平均分", r.mean_text],
    ]


def _quality_summary(fig: Figures) -> list[tuple[str, str]]:
    """Figures 10–12 in the summary (nothing when the supervision app is missing: the note of
    `_supervision_summary` stands for them too)."""
    v, o, a = fig.visits, fig.opinions, fig.attendance
    if v is None or o is None or a is None:
        return []
    return [
        (
            "完成回访受援人（件）",
            f"{v.completed}（联系上 {v.reached}，无法联系 {v.unreachable}）",
        ),
        ("回访满意率", f"{v.satisfaction_rate}（平均满意度 {v.mean_text} 分）"),
        ("办案机关评价（件）", str(o.counted)),
        ("办案机关评价满意率", f"{o.satisfaction_rate}（{o.satisfied}/{o.counted}）"),
        ("旁听庭审（次）", str(a.hearings)),
        *_scores_summary(fig),
    ]


def _scores_summary(fig: Figures) -> list[tuple[str, str]]:
    q = fig.quality
    if q is None:
        return []
    return [
        (
            f"办案质量评分（{q.as_of.isoformat()}）",
            f"已计算 {q.scored} 人，平均 {q.mean_text} 分；低于 {q.threshold:g} 分应提出建议 "
            f"{len(q.low)} 项",
        ),
        ("提出指派建议（份）", f"{len(q.advice)}（已确认收到 {q.acknowledged}）"),
        ("暂停与恢复指派（次）", str(len(q.suspensions))),
    ]


def quality_sections(fig: Figures) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Figure 13 as three tables: the low scores, the advice issued, the suspensions."""
    q = fig.quality
    if q is None:
        return []
    return [
        (
            "低于建议分数线的评分",
            ["承办人", "承办机构", "评分", "记录数", "计算"],
            [[r["who"], r["institution"], r["score"], r["records"], r["formula"]] for r in q.low],
        ),
        (
            "指派建议",
            ["提出时间", "承办机构", "对象", "所依据的评分", "机构确认收到"],
            [
                [a["issued"], a["institution"], a["who"], a["score"], a["acknowledged"]]
                for a in q.advice
            ],
        ),
        (
            "暂停与恢复指派",
            ["时间", "类别", "对象", "变更", "原因"],
            [[c["at"], c["kind"], c["who"], c["what"], c["reason"]] for c in q.suspensions],
        ),
    ]


def quality_rows(fig: Figures) -> list[list[Any]]:
    """Figure 13 as one sheet: the summary rows, then each table under its title."""
    q = fig.quality
    if q is None:
        return [["说明", fig.supervision_note]]
    rows: list[list[Any]] = [
        ["评分日期", q.as_of.isoformat()],
        ["已计算评分的承办人（人）", q.scored],
        ["沿用名册录入评分的承办人（人）", q.entered],
        ["平均评分", q.mean_text],
        ["指派建议分数线", f"低于 {q.threshold:g} 分，且不少于 {q.min_records} 条记录"],
    ]
    for name, headers, table in quality_sections(fig):
        rows += [[], [name], headers, *(table or [["（无）"]])]
    return rows


#: How each 满意率 is computed (figures 10 and 11), as the report states it.
SATISFIED_NOTE = "满意度 4 分及以上的回访 ÷ 联系上受援人的回访，无法联系的不计入"
OPINION_NOTE = "评价为满意的 ÷ 全部评价，基本满意不计为满意"


def visit_rows(fig: Figures) -> list[list[Any]]:
    """Figure 10 (the return visits) as [item, value] rows."""
    v = fig.visits
    if v is None:
        return [["说明", fig.supervision_note]]
    return [
        ["完成回访（件）", v.completed],
        ["联系上受援人（件）", v.reached],
        ["无法联系（件）", v.unreachable],
        ["无法联系的回访共尝试（次）", v.unreachable_attempts],
        *[[f"满意度 {score} 分（件）", n] for score, n in v.by_satisfaction],
        ["平均满意度（分）", v.mean_text],
        ["满意率", v.satisfaction_rate],
        ["满意率的计算", SATISFIED_NOTE],
    ]


def opinion_rows(fig: Figures) -> list[list[Any]]:
    """Figure 11 (the organs' opinions) as [item, value] rows."""
    o = fig.opinions
    if o is None:
        return [["说明", fig.supervision_note]]
    return [
        ["办案机关评价（件）", o.counted],
        *[[f"评价为{label}（件）", n] for label, n in o.by_rating],
        ["满意率", o.satisfaction_rate],
        ["满意率的计算", OPINION_NOTE],
    ]


def opinion_kind_rows(fig: Figures) -> tuple[list[str], list[list[Any]]]:
    """Figure 11 by the organ's kind: (headers, rows)."""
    o = fig.opinions
    if o is None:
        return [], []
    headers = ["办案机关类别", *[label for label, _ in o.by_rating], "合计"]
    return headers, [[kind, *counts, sum(counts)] for kind, counts in o.by_kind]


def attendance_rows(fig: Figures) -> list[list[Any]]:
    """Figure 12 (court attendance) as [item, value] rows."""
    if fig.attendance is None:
        return [["说明", fig.supervision_note]]
    return [["旁听庭审（次）", fig.attendance.hearings]]


def sections(fig: Figures) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet, headers, rows) of every sheet after the summary."""
    c = fig.concentration
    kind_headers, kind_rows = opinion_kind_rows(fig)
    return [
        (
            "案件类别与来源",
            ["分类", "项目", "案件数（件）"],
            [["类别", label, n] for label, n in fig.by_category]
            + [["来源", label, n] for label, n in fig.by_source]
            + [["合计", "本期指派案件", fig.cases]],
        ),
        (
            "按期指派",
            ["期限", "按期（件）", "计入（件）", "未记录期限（件）", "按期指派率"],
            [
                [
                    "本地期限（第六条）",
                    fig.local.on_time,
                    fig.local.counted,
                    fig.local.without_limit,
                    fig.local.text,
                ],
                [
                    "法定期限（三日）",
                    fig.statutory.on_time,
                    fig.statutory.counted,
                    fig.statutory.without_limit,
                    fig.statutory.text,
                ],
            ]
            + [[], ["超期指派的案件", "类别", "指派时间", "本地期限", "法定期限", "超过"]]
            + [
                [
                    r["case"],
                    r["category"],
                    r["issued"],
                    r["local_due"],
                    r["statutory_due"],
                    r["beyond"],
                ]
                for r in fig.late_cases
            ],
        ),
        (
            "机构指派与轮次",
            [
                "编号",
                "承办机构",
                "类型",
                "指派（份）",
                "其中刑事",
                "刑事轮流指派",
                "轮次权重",
                "轮次应得",
                "差额",
            ],
            [
                [
                    r.code,
                    r.name,
                    r.kind,
                    r.assignments,
                    r.criminal,
                    r.rotation,
                    r.weight,
                    round(r.entitlement, 2),
                    round(r.difference, 2),
                ]
                for r in fig.institutions
            ],
        ),
        (
            "承办人集中度",
            ["承办人编号", "承办人", "本期承办案件（件）"],
            [[code, name, n] for code, name, n in c.top]
            + [
                [],
                ["有案件的承办人（人）", c.practitioners],
                ["最多的 10%（人）", c.busiest],
                ["其承办案件（件）", c.busiest_cases],
                ["全部承办案件（件）", c.all_cases],
                ["份额", c.text],
            ],
        ),
        (
            "改变系统建议",
            ["案件编号", "类别", "时间", "系统建议机构", "指派意见机构", "理由", "状态"],
            [
                [
                    o["case"],
                    o["category"],
                    o["at"],
                    o["engine"],
                    o["officer"],
                    o["reason"],
                    o["status"],
                ]
                for o in fig.overrides
            ],
        ),
        (
            "更换承办人",
            ["案件编号", "第几次", "申请时间", "方式", "理由", "状态"],
            [
                [h["case"], h["number"], h["at"], h["mode"], h["reason"], h["status"]]
                for h in fig.handler_changes
            ],
        ),
        (
            "回避",
            ["案件编号", "时间", "回避人员角色", "回避事由", "系统提示", "状态"],
            [
                [r["case"], r["at"], r["role"], r["grounds"], r["flagged"], r["status"]]
                for r in fig.recusals
            ],
        ),
        ("投诉与评查", ["项目", "数值"], supervision_rows(fig)),
        ("回访受援人", ["项目", "数值"], visit_rows(fig)),
        (
            "办案机关评价",
            ["项目", "数值"],
            opinion_rows(fig) + ([[], kind_headers, *kind_rows] if kind_rows else []),
        ),
        ("庭审旁听", ["项目", "数值"], attendance_rows(fig)),
        ("办案质量评分", ["项目", "数值"], quality_rows(fig)),
    ]


# ------------------------------------------------------------------ Excel


def workbook_bytes(fig: Figures) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "汇总"
    sheet.append([title(fig)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["项目", "数值"])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for item, value in summary_rows(fig):
        sheet.append([item, value])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 60
    for name, headers, rows in sections(fig):
        ws = book.create_sheet(name)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True)
        for values in rows:
            ws.append(values)
        for i, h in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(h) * 2 + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ PDF


def _bar_chart(
    labels: Sequence[str],
    series: Sequence[Sequence[float]],
    names: Sequence[str],
    font: str,
    width: float,
    height: float,
    chart_title: str,
) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    palette = [colors.HexColor("#2f5d8a"), colors.HexColor("#d08c2c")]
    drawing = Drawing(width, height)
    drawing.add(
        String(width / 2, height - 14, chart_title, fontName=font, fontSize=11, textAnchor="middle")
    )
    chart = VerticalBarChart()
    angled = len(labels) > 6
    chart.x, chart.y = 40, 40 if angled else 25
    chart.width, chart.height = width - 60, height - (85 if angled else 70)
    chart.data = [list(s) for s in series]
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30 if len(labels) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 6 else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    top = max([max(s) if s else 0 for s in series] + [1])
    chart.valueAxis.valueMax = math.ceil(top * 1.15) or 1
    chart.valueAxis.valueStep = max(1, math.ceil(chart.valueAxis.valueMax / 5))
    for i in range(len(series)):
        chart.bars[i].fillColor = palette[i % len(palette)]
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "s"
    chart.barLabels.dy = 2
    chart.barLabelFormat = "%.4g"
    drawing.add(chart)
    if len(names) > 1:
        legend = Legend()
        legend.fontName = font
        legend.fontSize = 8
        legend.x, legend.y = width - 150, height - 30
        legend.alignment = "right"
        legend.colorNamePairs = [(palette[i], n) for i, n in enumerate(names)]
        drawing.add(legend)
    return drawing


def pdf_bytes(fig: Figures) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from fayuan.documents.pdf import pdf_font_names

    title_font, body_font = pdf_font_names()
    h0 = ParagraphStyle(
        "h0", fontName=title_font, fontSize=16, leading=24, alignment=1, spaceAfter=6
    )
    h1 = ParagraphStyle(
        "h1",
        fontName=title_font,
        fontSize=13,
        leading=20,
        spaceBefore=10,
        spaceAfter=4,
        keepWithNext=1,  # a heading never ends a page without its section
    )
    body = ParagraphStyle("b", fontName=body_font, fontSize=10, leading=15)
    cell = ParagraphStyle("c", fontName=body_font, fontSize=8.5, leading=11)
    width = A4[0] - 36 * mm

    def table(headers: list[str], rows: list[list[Any]], widths: list[float] | None = None) -> Any:
        data = [[Paragraph(str(h), cell) for h in headers]]
        data += [[Paragraph("" if v is None else str(v), cell) for v in r] for r in rows]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        Paragraph(f"{fig.center_name}<br/>法律援助案件指派情况报告（{fig.period.label}）", h0)
    ]
    story.append(
        Paragraph(
            f"期间：{fig.period.label}（北京时间）。依据《{fig.policy}》第九条、第十三条"
            f"定期向区司法局反馈。本期指派案件 {fig.cases} 件。",
            body,
        )
    )
    story.append(Spacer(1, 4))
    story.append(
        table(
            ["项目", "数值"], [list(r) for r in summary_rows(fig)[2:]], [width * 0.42, width * 0.58]
        )
    )

    story.append(Paragraph(HEADINGS[0], h1))
    story.append(
        _bar_chart(
            [label for label, _ in fig.by_category],
            [[n for _, n in fig.by_category]],
            ["案件数"],
            body_font,
            width,
            190,
            "本期指派案件（按类别，件）",
        )
    )
    story.append(table(["来源", "案件数（件）"], [[label, n] for label, n in fig.by_source]))

    story.append(Paragraph(HEADINGS[1], h1))
    story.append(
        table(
            ["期限", "按期（件）", "计入（件）", "未记录期限（件）", "按期指派率"],
            [
                [
                    "本地期限（第六条）",
                    fig.local.on_time,
                    fig.local.counted,
                    fig.local.without_limit,
                    fig.local.text,
                ],
                [
                    "法定期限（三日）",
                    fig.statutory.on_time,
                    fig.statutory.counted,
                    fig.statutory.without_limit,
                    fig.statutory.text,
                ],
            ],
        )
    )
    if fig.late_cases:
        story.append(Spacer(1, 4))
        story.append(
            table(
                ["超期指派的案件", "指派时间", "本地期限", "法定期限", "超过"],
                [
                    [r["case"], r["issued"], r["local_due"], r["statutory_due"], r["beyond"]]
                    for r in fig.late_cases
                ],
            )
        )

    story.append(Paragraph(HEADINGS[2], h1))
    firms = [r for r in fig.institutions if r.weight or r.rotation]
    if firms:
        story.append(
            _bar_chart(
                [r.code for r in firms],
                [[r.rotation for r in firms], [round(r.entitlement, 2) for r in firms]],
                ["刑事轮流指派", "轮次应得"],
                body_font,
                width,
                210,
                "刑事轮流指派与轮次应得（按律师事务所）",
            )
        )
    story.append(
        table(
            ["承办机构", "指派", "其中刑事", "轮流指派", "权重", "应得", "差额"],
            [
                [
                    f"{r.name}（{r.code}）",
                    r.assignments,
                    r.criminal,
                    r.rotation,
                    r.weight,
                    f"{r.entitlement:.2f}",
                    f"{r.difference:+.2f}",
                ]
                for r in fig.institutions
            ],
            [width * 0.4] + [width * 0.1] * 6,
        )
    )
    story.append(
        Paragraph(
            f"轮次应得 = 本期刑事轮流指派 {fig.rotation_total} 份 × 本所权重 ÷ 总权重 "
            f"{fig.total_weight}（SPEC §8）。",
            body,
        )
    )

    c = fig.concentration
    story.append(Paragraph(HEADINGS[3], h1))
    story.append(
        Paragraph(
            f"本期有承办案件的承办人 {c.practitioners} 人，承办最多的 10%（{c.busiest} 人）承办 "
            f"{c.busiest_cases} 件，占全部 {c.all_cases} 件的 {c.text}。",
            body,
        )
    )
    if c.top:
        story.append(
            table(["承办人", "案件（件）"], [[f"{n}（{code}）", k] for code, n, k in c.top])
        )

    def listed(heading: str, headers: list[str], rows: list[list[Any]], none: str) -> None:
        """A section that lists rows, or says there are none."""
        story.append(Paragraph(heading, h1))
        story.append(table(headers, rows) if rows else Paragraph(none, body))

    listed(
        HEADINGS[4],
        ["案件", "系统建议", "指派意见", "理由", "状态"],
        [[o["case"], o["engine"], o["officer"], o["reason"], o["status"]] for o in fig.overrides],
        "本期无改变系统建议的指派意见。",
    )
    listed(
        HEADINGS[5],
        ["案件", "第几次", "方式", "理由", "状态"],
        [
            [h["case"], h["number"], h["mode"], h["reason"], h["status"]]
            for h in fig.handler_changes
        ],
        "本期无更换承办人申请。",
    )
    listed(
        HEADINGS[6],
        ["案件", "回避人员", "事由", "系统提示", "状态"],
        [[r["case"], r["role"], r["grounds"], r["flagged"], r["status"]] for r in fig.recusals],
        "本期无回避。",
    )

    story.append(Paragraph(HEADINGS[7], h1))
    if fig.complaints is None:
        story.append(Paragraph(fig.supervision_note + "。", body))
    else:
        story.append(table(["项目", "数值"], supervision_rows(fig), [width * 0.5, width * 0.5]))

    story.append(Paragraph(HEADINGS[8], h1))
    v = fig.visits
    if v is None:
        story.append(Paragraph(fig.supervision_note + "。", body))
    else:
        story.append(
            Paragraph(
                f"本期完成回访 {v.completed} 件：联系上受援人 {v.reached} 件，无法联系 "
                f"{v.unreachable} 件（共尝试 {v.unreachable_attempts} 次）。满意率 "
                f"{v.satisfaction_rate}，平均满意度 {v.mean_text} 分（满分 5 分）。"
                f"满意率 = {SATISFIED_NOTE}。",
                body,
            )
        )
        story.append(
            _bar_chart(
                [f"{score} 分" for score, _ in v.by_satisfaction],
                [[n for _, n in v.by_satisfaction]],
                ["回访"],
                body_font,
                width,
                170,
                "受援人满意度分布（联系上的回访，件）",
            )
        )
        # The rows without the definition: the paragraph above gives it.
        story.append(table(["项目", "数值"], visit_rows(fig)[:-1], [width * 0.5, width * 0.5]))

    story.append(Paragraph(HEADINGS[9], h1))
    o = fig.opinions
    if o is None:
        story.append(Paragraph(fig.supervision_note + "。", body))
    else:
        story.append(
            Paragraph(
                f"本期收到办案机关评价 {o.counted} 件："
                + "，".join(f"{label} {n} 件" for label, n in o.by_rating)
                + f"。满意率 {o.satisfaction_rate}（{OPINION_NOTE}）。按办案机关类别（件）：",
                body,
            )
        )
        kind_headers, kind_rows = opinion_kind_rows(fig)
        story.append(Spacer(1, 4))
        story.append(table(kind_headers, kind_rows, [width * 0.32] + [width * 0.17] * 4))

    story.append(Paragraph(HEADINGS[10], h1))
    if fig.attendance is None:
        story.append(Paragraph(fig.supervision_note + "。", body))
    else:
        story.append(Paragraph(f"本期旁听庭审 {fig.attendance.hearings} 次。", body))

    story.append(Paragraph(HEADINGS[11], h1))
    q = fig.quality
    if q is None:
        story.append(Paragraph(fig.supervision_note + "。", body))
    else:
        story.append(
            Paragraph(
                f"截至 {q.as_of.isoformat()}，已计算办案质量评分的承办人 {q.scored} 人，平均 "
                f"{q.mean_text} 分；{q.entered} 人尚无评查、回访或评价记录，沿用名册录入的评分。"
                f"评分低于 {q.threshold:g} 分且不少于 {q.min_records} 条记录的 {len(q.low)} 项，"
                f"应提出指派建议（第九条）。本期提出指派建议 {len(q.advice)} 份（承办机构已确认"
                f"收到 {q.acknowledged} 份），暂停或恢复指派 {len(q.suspensions)} 次。",
                body,
            )
        )
        for name, headers, rows in quality_sections(fig):
            if rows:
                story.append(Spacer(1, 4))
                story.append(Paragraph(name, body))
                story.append(table(headers, rows))

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title(fig),
        author=fig.center_name,
    )
    doc.build(story)
    return out.getvalue()


# ------------------------------------------------------------------ writing


def write_atomically(path: Path, content: bytes) -> None:
    """`content` at `path`, whole or not at all."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(fig: Figures, directory: Path) -> tuple[Path, Path]:
    """The workbook and the PDF in `directory`: both made first, then each written atomically
    (the PDF is only written once the workbook is, and an error in either writes neither)."""
    directory.mkdir(parents=True, exist_ok=True)
    xlsx, pdf = workbook_bytes(fig), pdf_bytes(fig)
    stem = file_stem(fig)
    xlsx_path, pdf_path = directory / f"{stem}.xlsx", directory / f"{stem}.pdf"
    write_atomically(xlsx_path, xlsx)
    try:
        write_atomically(pdf_path, pdf)
    except BaseException:
        xlsx_path.unlink(missing_ok=True)
        raise
    return xlsx_path, pdf_path
