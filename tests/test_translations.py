"""The Vietnamese catalog is complete, keeps every placeholder, and its committed .mo is the compiled .po.

Vietnamese is the default language of every page, so an untranslated string shows English to a citizen.
New strings arrive through deploy/messages.sh (makemessages + compilemessages); this file fails until
they are translated. The .po is read by a small parser here so the suite needs no extra dependency.
"""

import ast
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOG_DIR = Path(settings.LOCALE_PATHS[0]) / "vi" / "LC_MESSAGES"
PO_FILE = CATALOG_DIR / "django.po"
MO_FILE = CATALOG_DIR / "django.mo"

# printf-style directives: %(name)s, %s, %d, %.1f …; "%%" is an escaped percent sign, not a placeholder.
NAMED = re.compile(r"%\((\w+)\)[#0+ -]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL = re.compile(r"%(?!\()[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACED = re.compile(r"\{\{\s*(\w+)\s*\}\}|\{(\w*)\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # msgstr is index 0, like msgstr[0]
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"django.po:{self.line}: {context}{self.msgid!r}"


def po_parse(text: str) -> list[Entry]:
    """Entries of a .po file, header included (msgid ""); '#~' obsolete entries are marked, not dropped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgstr or current.msgid):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()  # a comment right after an entry, without a blank line, starts the next one
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"django.po:{number}: a continuation line outside an entry")
            _append(current, target, ast.literal_eval(line))
            continue
        if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
            finish()
        if current is None:
            current = Entry(line=number)
        current.obsolete = current.obsolete or obsolete
        value = ast.literal_eval(rest.strip())
        match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
        if keyword == "msgctxt":
            current.msgctxt, target = value, ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = value, ("msgid", 0)
            current.line = number
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", 0)
        elif match:
            index = int(match.group(1) or 0)
            current.msgstr[index], target = value, ("msgstr", index)
        else:
            raise ValueError(f"django.po:{number}: unknown keyword {keyword!r}")
    finish()
    return entries


def _append(entry: Entry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] += value
    else:
        setattr(entry, name, (getattr(entry, name) or "") + value)


def placeholders(text: str, *, python_format: bool) -> set[str]:
    found = {f"%({name})" for name in NAMED.findall(text)}
    found |= {f"{{{a or b}}}" for a, b in BRACED.findall(text)}
    if python_format:
        # Positional directives only count where gettext says the string is a format string: in a
        # plain sentence "95 % interval" is not a "% i" directive.
        found |= set(POSITIONAL.findall(text.replace("%%", "")))
    return found


@pytest.fixture(scope="module")
def catalog() -> list[Entry]:
    return [e for e in po_parse(PO_FILE.read_text(encoding="utf-8")) if not e.obsolete]


def messages_of(catalog: list[Entry]) -> list[Entry]:
    return [e for e in catalog if e.msgid or e.msgctxt]


def test_the_parser_reads_plurals_contexts_flags_and_continuations():
    text = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Language: vi\\n"',
            '"Plural-Forms: nplurals=1; plural=0;\\n"',
            "",
            "#, fuzzy, python-format",
            'msgctxt "status"',
            'msgid "%(n)s unit"',
            'msgid_plural "%(n)s units"',
            'msgstr[0] ""',
            '"%(n)s đơn vị"',
            "",
            '#~ msgid "Gone"',
            '#~ msgstr "Đã bỏ"',
        ]
    )
    header, entry, gone = po_parse(text)
    assert header.msgid == "" and "nplurals=1" in header.msgstr[0]
    assert (entry.msgctxt, entry.msgid_plural, entry.msgstr) == ("status", "%(n)s units", {0: "%(n)s đơn vị"})
    assert entry.flags == {"fuzzy", "python-format"}
    assert gone.obsolete and gone.msgstr == {0: "Đã bỏ"}
    assert placeholders("95 %% of %(n)s, {{ x }} %d", python_format=True) == {"%(n)", "{x}", "%d"}
    assert placeholders("95 % interval", python_format=False) == set()


def test_the_header_declares_vietnamese_with_one_plural_form(catalog):
    header = next(e for e in catalog if e.msgid == "" and not e.msgctxt)
    assert "fuzzy" not in header.flags
    assert "Language: vi\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_entry_is_translated_and_none_is_fuzzy(catalog):
    entries = messages_of(catalog)
    assert len(entries) > 100  # the real catalog, not an empty file
    untranslated = [e.label for e in entries if not e.msgstr.get(0, "").strip()]
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    hint = "untranslated (run deploy/messages.sh, then translate):\n"
    assert not untranslated, hint + "\n".join(untranslated)
    assert not fuzzy, "fuzzy (check the translation, then remove the flag):\n" + "\n".join(fuzzy)


def test_plural_entries_have_exactly_the_one_vietnamese_form(catalog):
    wrong = [e.label for e in messages_of(catalog) if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not wrong, "Vietnamese has one plural form (msgstr[0] only):\n" + "\n".join(wrong)


def test_translations_keep_the_placeholders_of_the_source(catalog):
    wrong = []
    for entry in messages_of(catalog):
        python_format = "python-format" in entry.flags
        expected = placeholders(entry.msgid, python_format=python_format)
        if entry.msgid_plural is not None:
            # The one Vietnamese form serves every count, so it follows the plural source ("%(n)s units").
            expected = placeholders(entry.msgid_plural, python_format=python_format)
        for index, text in entry.msgstr.items():
            got = placeholders(text, python_format=python_format)
            if got != expected:
                wrong.append(f"{entry.label} msgstr[{index}]: {sorted(got)} instead of {sorted(expected)}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("msgfmt (gettext) is required in CI to check django.mo")
        pytest.skip("msgfmt (gettext) is not installed")
    compiled = tmp_path / "django.mo"
    # The same call as compilemessages (Django 5.2), so identical input gives identical bytes.
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [msgfmt, "--check-format", "-o", str(compiled), str(PO_FILE)], check=True, capture_output=True
    )
    assert MO_FILE.exists(), "django.mo is missing: run deploy/messages.sh"
    assert compiled.read_bytes() == MO_FILE.read_bytes(), "django.mo is stale: run deploy/messages.sh"


def test_the_interface_speaks_vietnamese():
    with translation.override("vi"):
        assert translation.gettext("Sign in") == "Đăng nhập"
        assert translation.ngettext("%(n)s response", "%(n)s responses", 3) % {"n": 3} == "3 phiếu trả lời"
        assert translation.pgettext("status", "active") == "đang sử dụng"
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"
