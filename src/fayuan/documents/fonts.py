"""Which Chinese font the PDF documents embed.

An archived notice must carry its font (PDF/A practice; FACTS.md "Documents"), so the PDF
renderer embeds a subset of a free TrueType CJK font. reportlab reads TrueType outlines (``glyf``)
only: the CFF-based Noto CJK fonts are rejected, and its built-in ``STSong-Light`` is never
embedded. Where the font comes from, first found wins:

1. ``FAYUAN_PDF_FONT``: a font file (``.ttf`` or ``.ttc``); ``FAYUAN_PDF_FONT_INDEX`` picks the
   face of a collection (default 0). When set, it must work: no silent fallback.
2. The PyPI package ``paperang-p2-fonts-cjk`` (WenQuanYi Micro Hei), when installed. Its code is
   never imported; only its font file is read.
3. Debian's font packages, in `DEBIAN_FONTS` order: ``fonts-wqy-zenhei`` (what ``./dev setup``
   installs), ``fonts-wqy-microhei``, ``fonts-arphic-uming``, ``fonts-droid-fallback``.

``fonts-arphic-gbsn00lp`` is deliberately absent: it lacks 〇 (二〇二六年).

This module only looks for files; `fayuan.documents.pdf` loads the font and checks its glyphs.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEBIAN_FONTS",
    "ENV_FONT",
    "ENV_FONT_INDEX",
    "INSTALL_HINT",
    "PYPI_FONT_PACKAGE",
    "CJKFont",
    "CJKFontError",
    "find_cjk_font",
]

ENV_FONT = "FAYUAN_PDF_FONT"
ENV_FONT_INDEX = "FAYUAN_PDF_FONT_INDEX"
INSTALL_HINT = "apt-get install fonts-wqy-zenhei"

#: (import name, file inside the package, face index)
PYPI_FONT_PACKAGE = ("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc", 0)

#: (path, face index, Debian package) — index 0 of uming.ttc is "AR PL UMing CN".
DEBIAN_FONTS: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0, "fonts-droid-fallback"),
)


class CJKFontError(RuntimeError):
    """No usable Chinese TrueType font: the message says what to install."""


@dataclass(frozen=True)
class CJKFont:
    path: Path
    subfont_index: int
    source: str
    """Where it was found: the env var, the PyPI package or the Debian package name."""


def _pypi_font() -> CJKFont | None:
    module, relative, index = PYPI_FONT_PACKAGE
    try:
        spec = importlib.util.find_spec(module)  # finds the package without running it
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / relative
        if path.is_file():
            return CJKFont(path, index, "pypi:paperang-p2-fonts-cjk")
    return None


def _not_found_message(looked_in: list[str]) -> str:
    where = "、".join(looked_in)
    return (
        f"未找到可嵌入 PDF 的中文 TrueType 字体（已查找：{where}）。"
        f"请安装：{INSTALL_HINT}，或设置环境变量 {ENV_FONT} 指向 TrueType（glyf）中文字体文件。\n"
        f"No embeddable Chinese TrueType font found (looked in: {where}). "
        f"Install one with `{INSTALL_HINT}`, or set {ENV_FONT} to a TrueType (glyf) "
        "Chinese font file."
    )


def find_cjk_font() -> CJKFont:
    """The font the PDF renderer embeds; `CJKFontError` (Chinese and English) if none."""
    configured = os.environ.get(ENV_FONT, "").strip()
    if configured:
        path = Path(configured).expanduser()
        raw_index = os.environ.get(ENV_FONT_INDEX, "0").strip() or "0"
        try:
            index = int(raw_index)
        except ValueError:
            raise CJKFontError(
                f"环境变量 {ENV_FONT_INDEX} 应为整数，而不是 {raw_index!r}。\n"
                f"{ENV_FONT_INDEX} must be an integer, not {raw_index!r}."
            ) from None
        if not path.is_file():
            raise CJKFontError(
                f"环境变量 {ENV_FONT} 指向的字体文件不存在：{path}。\n"
                f"The font file named by {ENV_FONT} does not exist: {path}."
            )
        return CJKFont(path, index, ENV_FONT)

    found = _pypi_font()
    if found is not None:
        return found
    for path_text, index, package in DEBIAN_FONTS:
        path = Path(path_text)
        if path.is_file():
            return CJKFont(path, index, package)
    raise CJKFontError(
        _not_found_message(["PyPI paperang-p2-fonts-cjk", *(p for p, _, _ in DEBIAN_FONTS)])
    )


def main() -> int:
    """``python src/fayuan/documents/fonts.py``: print the font, or the error and exit 1.

    Runs as a plain script (standard library only) so that ``./dev setup`` can check for a font
    without importing the package and its renderers.
    """
    try:
        font = find_cjk_font()
    except CJKFontError as exc:
        print(exc)
        return 1
    print(f"{font.path} (face {font.subfont_index}, {font.source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
