"""Staff members' and declared persons' ID numbers in the admin: masked, never shown back.

The change form shows the stored number masked (5001**********7552) and an empty input: a new
number replaces it, an empty one keeps it. A reader without the change permission sees the
masked number only. So the admin never displays these numbers unmasked, and there is no
unaudited reveal: the recusal check (第八条) is the only reader of the plain number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from fayuan.identity import mask_id_number

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[Any]
else:
    _Base = object

WRITE_ONLY_HELP = "身份证号不回显：填写新号码即更改，留空则保持不变。"


class WriteOnlyIdNumberAdmin(_Base):
    """Mix in before the ModelAdmin class of a model with an encrypted `id_number`."""

    @admin.display(description="已登记的身份证号")
    def masked_id_number(self, obj: Any) -> str:
        return mask_id_number(getattr(obj, "id_number", "")) or "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if "masked_id_number" in fields else (*fields, "masked_id_number")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [f for f in fields if f != "id_number"]  # read-only: the masked one only
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kw)

        class WriteOnly(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                field = self.fields.get("id_number")
                if field is not None:
                    self.initial["id_number"] = ""
                    field.required = False
                    field.help_text = WRITE_ONLY_HELP

            def clean_id_number(self) -> str:
                value = (self.cleaned_data.get("id_number") or "").strip()
                if not value and self.instance.pk:
                    return str(self.instance.id_number or "")
                parent = getattr(super(), "clean_id_number", None)
                return str(parent()) if parent is not None else value

        return WriteOnly
