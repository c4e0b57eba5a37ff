from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "fayuan.accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from fayuan.accounts.permission_names import rename_permissions

        # After Django has created the permissions (its own post_migrate handler runs first).
        post_migrate.connect(rename_permissions, dispatch_uid="fayuan.chinese_permission_names")
