"""Which Chinese fonts the PDF documents embed: a Song (Ming) face for titles, a Kai face for text.

GB/T 9704-2012 sets titles in 方正小标宋 and text in 仿宋_GB2312. Those are not free: the DOCX names
them (Word and WPS on the center's machines have them), and the PDF, which must carry its fonts
(an archived notice; FACTS.md "Documents"), embeds subsets of the nearest free faces in Debian:

* title: ``fonts-arphic-uming`` (AR PL UMing CN, a Ming/Song serif), ``uming.ttc`` face 0;
* text: ``fonts-lxgw-wenkai`` (霞鹜文楷 LXGW WenKai, a Kai face), ``LXGWWenKai-Regular.ttf``.

No free simplified-Chinese FangSong exists (``fonts-cwtex-fs`` is Traditional and lacks 〇 号 条
…), and a Hei (sans-serif) face is not how a 公文 looks. Both faces are TrueType (``glyf``), which
reportlab needs: it rejects CFF fonts such as Noto CJK and never embeds its ``STSong-Light``.

Where each face comes from, first found wins:

1. ``FAYUAN_PDF_TITLE_FONT`` / ``FAYUAN_PDF_FONT`` (text): a ``.ttf``/``.ttc`` file,
   ``…_INDEX`` picking the face of a collection (default 0). When set, it must exist.
2. The Debian files of `TITLE_FONTS` and `BODY_FONTS`.
3. The other serif face: a missing title face is replaced by the text face and vice versa
   (with a warning: `PDFFonts.warnings`).
4. Last resort, with a loud warning: a sans-serif face (`SANS_FALLBACK_FONTS`, e.g. WenQuanYi Zen
   Hei from an older ``./dev setup``), so that documents still print until the fonts are installed.

``fonts-arphic-gbsn00lp`` is deliberately absent: it lacks 〇 (二〇二六年).

This module only looks for files and uses the standard library only, so that ``./dev setup``
can run it as a script (``python -P src/fayuan/documents/fonts.py``): it prints both faces and
exits 0 only when both proper faces are there. `fayuan.documents.pdf` loads them and checks
their glyphs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BODY_FONTS",
    "ENV_FONT",
    "ENV_FONT_INDEX",
    "ENV_TITLE_FONT",
    "ENV_TITLE_FONT_INDEX",
    "INSTALL_HINT",
    "PACKAGES",
    "SANS_FALLBACK_FONTS",
    "TITLE_FONTS",
    "CJKFont",
    "CJKFontError",
    "PDFFonts",
    "find_cjk_font",
    "find_pdf_fonts",
]

ENV_FONT = "FAYUAN_PDF_FONT"
ENV_FONT_INDEX = "FAYUAN_PDF_FONT_INDEX"
ENV_TITLE_FONT = "FAYUAN_PDF_TITLE_FONT"
ENV_TITLE_FONT_INDEX = "FAYUAN_PDF_TITLE_FONT_INDEX"

#: The Debian packages of the two faces (what ``./dev setup`` installs).
PACKAGES = ("fonts-arphic-uming", "fonts-lxgw-wenkai")
INSTALL_HINT = "apt-get install " + " ".join(PACKAGES)

#: (path, face index, Debian package). Index 0 of uming.ttc is "AR PL UMing CN" (simplified).
TITLE_FONTS: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
)
BODY_FONTS: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", 0, "fonts-lxgw-wenkai"),
)
#: Sans-serif faces, used only when neither serif face is installed (and then with a warning).
SANS_FALLBACK_FONTS: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0, "fonts-droid-fallback"),
)


class CJKFontError(RuntimeError):
    """No usable Chinese TrueType font: the message says what to install."""


@dataclass(frozen=True)
class CJKFont:
    path: Path
    subfont_index: int
    source: str
    """Where it was found: the env var or the Debian package name."""
    sans: bool = False
    """A sans-serif last resort (not how a 公文 looks)."""


@dataclass(frozen=True)
class PDFFonts:
    """The two faces the PDF documents embed."""

    title: CJKFont
    """Titles (方正小标宋简体 in the DOCX): a Song/Ming face."""
    body: CJKFont
    """Everything else (仿宋_GB2312 in the DOCX): a Kai face."""
    warnings: tuple[str, ...] = ()
    """What is missing or replaced (Chinese and English); empty when both proper faces are there."""

    @property
    def complete(self) -> bool:
        return not self.warnings

    @property
    def fallbacks(self) -> tuple[CJKFont, ...]:
        """Other installed faces, for single characters neither face has (a rare name
        character, say): the serif faces first, the sans-serif ones last."""
        used = {
            (self.title.path, self.title.subfont_index),
            (self.body.path, self.body.subfont_index),
        }
        out = []
        for entries, sans in ((TITLE_FONTS + BODY_FONTS, False), (SANS_FALLBACK_FONTS, True)):
            for font in _installed(entries, sans):
                if (font.path, font.subfont_index) not in used:
                    used.add((font.path, font.subfont_index))
                    out.append(font)
        return tuple(out)


def _installed(entries: tuple[tuple[str, int, str], ...], sans: bool = False) -> list[CJKFont]:
    return [
        CJKFont(Path(path), index, package, sans)
        for path, index, package in entries
        if Path(path).is_file()
    ]


def _from_env(var: str, index_var: str) -> CJKFont | None:
    configured = os.environ.get(var, "").strip()
    if not configured:
        return None
    path = Path(configured).expanduser()
    raw_index = os.environ.get(index_var, "0").strip() or "0"
    try:
        index = int(raw_index)
    except ValueError:
        raise CJKFontError(
            f"环境变量 {index_var} 应为整数，而不是 {raw_index!r}。\n"
            f"{index_var} must be an integer, not {raw_index!r}."
        ) from None
    if not path.is_file():
        raise CJKFontError(
            f"环境变量 {var} 指向的字体文件不存在：{path}。\n"
            f"The font file named by {var} does not exist: {path}."
        )
    return CJKFont(path, index, var)


def _not_found_message() -> str:
    looked = [p for p, _, _ in TITLE_FONTS + BODY_FONTS + SANS_FALLBACK_FONTS]
    where = "、".join(looked)
    return (
        f"未找到可嵌入 PDF 的中文 TrueType 字体（已查找：{where}）。"
        f"请安装：{INSTALL_HINT}，或设置环境变量 {ENV_TITLE_FONT}（标题）和 {ENV_FONT}（正文）"
        "指向 TrueType（glyf）中文字体文件。\n"
        f"No embeddable Chinese TrueType font found (looked in: {', '.join(looked)}). "
        f"Install them with `{INSTALL_HINT}`, or set {ENV_TITLE_FONT} (titles) and {ENV_FONT} "
        "(text) to TrueType (glyf) Chinese font files."
    )


def find_pdf_fonts() -> PDFFonts:
    """The title and text faces the PDF renderer embeds; `CJKFontError` (Chinese and English)
    if there is none at all."""
    title = _from_env(ENV_TITLE_FONT, ENV_TITLE_FONT_INDEX)
    body = _from_env(ENV_FONT, ENV_FONT_INDEX)
    title = title or next(iter(_installed(TITLE_FONTS)), None)
    body = body or next(iter(_installed(BODY_FONTS)), None)
    warnings: list[str] = []
    if title is None and body is not None:
        title = body
        warnings.append(
            "标题宋体（fonts-arphic-uming）未安装，标题暂用正文字体。"
            "The title face (fonts-arphic-uming) is not installed: titles use the text face."
        )
    if body is None and title is not None:
        body = title
        warnings.append(
            "正文楷体（fonts-lxgw-wenkai，霞鹜文楷）未安装，正文暂用标题宋体。"
            "The text face (fonts-lxgw-wenkai, LXGW WenKai) is not installed: text uses the "
            "title face."
        )
    if title is None or body is None:
        sans = next(iter(_installed(SANS_FALLBACK_FONTS, sans=True)), None)
        if sans is None:
            raise CJKFontError(_not_found_message())
        title = body = sans
        warnings.append(
            f"警告：未安装衬线中文字体，PDF 暂用无衬线字体 {sans.path}（{sans.source}），"
            f"不合公文格式。请安装：{INSTALL_HINT}。"
            f"WARNING: no serif Chinese face installed; PDF documents fall back to the "
            f"sans-serif {sans.path} ({sans.source}), which is not how an official document "
            f"looks. Install `{INSTALL_HINT}`."
        )
    return PDFFonts(title, body, tuple(warnings))


def find_cjk_font() -> CJKFont:
    """The text face (see `find_pdf_fonts`)."""
    return find_pdf_fonts().body


def main() -> int:
    """``python -P src/fayuan/documents/fonts.py``: print both faces; exit 0 only when both
    proper (serif) faces are installed, else print what is missing and exit 1.

    Runs as a plain script (standard library only) so that ``./dev setup`` can check the fonts
    without importing the package and its renderers.
    """
    try:
        found = find_pdf_fonts()
    except CJKFontError as exc:
        print(exc)
        return 1
    for role, font in (("标题 title", found.title), ("正文 text", found.body)):
        kind = "，无衬线 sans-serif" if font.sans else ""
        print(f"{role}: {font.path} (face {font.subfont_index}, {font.source}{kind})")
    for warning in found.warnings:
        print(warning)
    return 0 if found.complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
