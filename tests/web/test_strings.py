"""The portal's catalogue and its templates: every key used exists, every key exists in every
language, and no template carries what the CSP would refuse (inline scripts, styles, handlers)."""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

import pytest

from councilplan.web.strings import CATALOGUES, EN, t

WEB = Path(str(resources.files("councilplan.web")))
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
SOURCES = sorted(WEB.glob("*.py"))
KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_-]+)+)["']""")
PREFIX = re.compile(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_.]*)(?:\{|["']\s*~)""")  # t("economy." ~ name), t(f"round.rule.{r}")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*TEMPLATES, *SOURCES]:
        keys |= set(KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def test_templates_and_code_use_keys() -> None:
    assert len(TEMPLATES) >= 10 and len(used_keys()) >= 80


def test_every_used_key_is_in_the_catalogue() -> None:
    missing = sorted(k for k in used_keys() if k not in EN)
    assert not missing, f"keys used but not in strings.EN: {missing}"


def test_every_composed_key_prefix_has_entries() -> None:
    for path in [*TEMPLATES, *SOURCES]:
        for prefix in PREFIX.findall(path.read_text(encoding="utf-8")):
            assert any(k.startswith(prefix) and k != prefix for k in EN), (path.name, prefix)


def test_every_language_has_every_key_with_the_same_fields() -> None:
    for lang, catalogue in CATALOGUES.items():
        assert set(catalogue) == set(EN), lang
        for key, text in catalogue.items():
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(EN[key]) if f}, (lang, key)


def test_a_missing_key_is_a_bug_not_a_blank() -> None:
    with pytest.raises(KeyError):
        t("no.such.key")
    assert t("economy.found", n=3) == "3 found"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_template_needs_what_the_csp_refuses(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
    assert not re.search(r"<style\b", html), path.name
    assert not re.search(r"\sstyle=", html), path.name
    assert not re.search(r"\son[a-z]+=", html), path.name
    assert "javascript:" not in html, path.name
    assert not re.search(r"https?://", html), path.name  # nothing from another site


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_english_prose_outside_the_catalogue(path: Path) -> None:
    """Text between tags is a template expression, a tag, or punctuation: words come from ``t()``."""
    html = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", path.read_text(encoding="utf-8"), flags=re.S)
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    words = [w for w in re.findall(r"[A-Za-z]{3,}", text)]
    assert not words, (path.name, words[:10])
