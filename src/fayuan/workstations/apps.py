from django.apps import AppConfig


class WorkstationsConfig(AppConfig):
    name = "fayuan.workstations"
    label = "workstations"
    verbose_name = "工作站与联络点"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from fayuan.cases.models import Case
        from fayuan.workstations.guard import check_helper

        # 第七条: who may record a case as helped by whom (fayuan.workstations.guard).
        pre_save.connect(check_helper, sender=Case, dispatch_uid="fayuan.workstations.helper")
