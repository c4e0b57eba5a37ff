"""Documents the center prints and files: the 《指派通知书》 (第六条), the 指派审批表 (第五条) and
the 更换承办人审批表 (第十二条), as DOCX and as PDF with its Chinese font embedded.

Pure rendering: callers fill the dataclasses of `fayuan.documents.data` (no database access
here) and get bytes back. Both formats are laid out once, in `fayuan.documents.layout`, after
GB/T 9704-2012; the PDF's two faces (a Song face for titles, a Kai face for text) are found by
`fayuan.documents.fonts`.
"""

from fayuan.documents.data import (
    ApprovalFormData,
    BureauDecision,
    BureauReport,
    CollectiveDiscussion,
    DirectorDecision,
    EngineProposalView,
    HandlerChangeFormData,
    NoticeData,
    OfficerProposalView,
    PartyContact,
)
from fayuan.documents.docx import (
    render_approval_form_docx,
    render_handler_change_form_docx,
    render_notice_docx,
)
from fayuan.documents.fonts import CJKFontError
from fayuan.documents.pdf import (
    render_approval_form_pdf,
    render_handler_change_form_pdf,
    render_notice_pdf,
)

__all__ = [
    "ApprovalFormData",
    "BureauDecision",
    "BureauReport",
    "CJKFontError",
    "CollectiveDiscussion",
    "DirectorDecision",
    "EngineProposalView",
    "HandlerChangeFormData",
    "NoticeData",
    "OfficerProposalView",
    "PartyContact",
    "render_approval_form_docx",
    "render_approval_form_pdf",
    "render_handler_change_form_docx",
    "render_handler_change_form_pdf",
    "render_notice_docx",
    "render_notice_pdf",
]
