"""Every article of 北碚司发〔2023〕9号 is implemented by named code, or says why none does."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from fayuan.policy.decision import ARTICLE_ORDER
from fayuan.policy.registry import REGISTRY

REGULATION = Path(__file__).resolve().parents[1].parent / "shared/regulation/beibei-2023-9.zh.md"
ARTICLES = list(ARTICLE_ORDER)


def _resolve(dotted: str) -> object:
    module_name, _, attr_path = dotted.rpartition(".")
    try:
        obj: object = importlib.import_module(module_name)
        attrs = [attr_path]
    except ModuleNotFoundError:
        module_name, _, owner = module_name.rpartition(".")
        obj = importlib.import_module(module_name)
        attrs = [owner, attr_path]
    for attr in attrs:
        obj = getattr(obj, attr)
    return obj


def test_every_article_from_first_to_fifteenth_is_accounted_for_once() -> None:
    assert [entry.article for entry in REGISTRY] == ARTICLES


@pytest.mark.parametrize("entry", REGISTRY, ids=[e.article for e in REGISTRY])
def test_article_is_implemented_or_says_why_not(entry) -> None:
    assert entry.implemented_by or entry.not_code_because.strip()


@pytest.mark.parametrize(
    "entry", [e for e in REGISTRY if e.implemented_by], ids=lambda e: e.article
)
def test_named_code_exists_and_one_piece_cites_the_article(entry) -> None:
    objects = [_resolve(path) for path in entry.implemented_by]
    sources = [inspect.getsource(obj) for obj in objects]  # type: ignore[arg-type]
    assert any(entry.article in src for src in sources), (
        f"none of {entry.implemented_by} cites {entry.article}"
    )


@pytest.mark.skipif(not REGULATION.exists(), reason="shared regulation text not beside the repo")
def test_registry_articles_are_the_regulations_articles() -> None:
    headings = re.findall(r"^## (第.+条)$", REGULATION.read_text(encoding="utf-8"), re.M)
    assert headings == ARTICLES
