"""The language of every message: Chinese by default, English on request.

The language is ``--lang`` (the CLI calls ``set_lang`` before anything prints), else the
environment variable ``JIXIAO_LANG``, else ``zh``. Messages are written as pairs,
``t("中文", "English")``, next to the code that raises them, so neither text can drift
from what the code checks.
"""

from __future__ import annotations

import os

LANGUAGES = ("zh", "en")
_chosen: str | None = None


def set_lang(lang: str | None) -> None:
    """Fix the language for this process (``None`` goes back to JIXIAO_LANG / zh)."""
    global _chosen
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    _chosen = lang


def lang() -> str:
    if _chosen is not None:
        return _chosen
    env = os.environ.get("JIXIAO_LANG", "").strip().lower()
    return "en" if env.startswith("en") else "zh"


def t(zh: str, en: str) -> str:
    """The text in the current language."""
    return en if lang() == "en" else zh

