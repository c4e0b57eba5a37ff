"""Permission names in Chinese. Django writes "Can add case" into the database when it creates a
model's permissions, in English whatever the language; the admin's user and group pages show
them. After every migrate they are renamed from the model's Chinese verbose_name."""

from __future__ import annotations

from typing import Any

VERBS = {"add": "可以新增", "change": "可以修改", "delete": "可以删除", "view": "可以查看"}


def chinese_name(codename: str, verbose_name: str) -> str | None:
    verb, _, _ = codename.partition("_")
    return f"{VERBS[verb]}{verbose_name}" if verb in VERBS else None


def rename_permissions(**kwargs: Any) -> None:
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        _rename(apps, Permission)


def _rename(apps: Any, Permission: Any) -> None:

    for perm in Permission.objects.select_related("content_type"):
        try:
            model = apps.get_model(perm.content_type.app_label, perm.content_type.model)
        except LookupError:  # a model since removed
            continue
        name = chinese_name(perm.codename, str(model._meta.verbose_name))
        if name and perm.name != name:
            perm.name = name[:255]
            perm.save(update_fields=["name"])
