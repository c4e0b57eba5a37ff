"""`fayuan manage purge_drafts`: delete the online application drafts that have expired (30 days
after their last save), with their files and consents (个人信息保护法第十九、四十七条: kept no
longer than needed). Run it daily (cron or a systemd timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fayuan.apply.drafts import purge_expired


class Command(BaseCommand):
    help = "删除已过期的网上申请草稿（连同上传的材料和同意记录）"

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired()
        self.stdout.write(f"已删除过期草稿 {count} 份。")
