"""django-axes under a Chinese name in the admin (its label stays "axes"). A module of its own:
`fayuan.security.apps` must define one AppConfig only, or Django would not pick it."""

from __future__ import annotations

from axes.apps import AppConfig as _AxesAppConfig  # type: ignore[import-untyped]


class AxesConfig(_AxesAppConfig):  # type: ignore[misc]
    verbose_name = "登录安全（失败登录锁定）"
