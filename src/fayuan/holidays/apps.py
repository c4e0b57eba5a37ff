from django.apps import AppConfig


class HolidaysConfig(AppConfig):
    name = "fayuan.holidays"
    verbose_name = "法定节假日安排"
    default_auto_field = "django.db.models.BigAutoField"
