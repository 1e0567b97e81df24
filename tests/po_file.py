"""A small reader for gettext .po files, enough to check the catalogues in tests.

It reads what ``makemessages`` writes: comments, ``msgctxt``, ``msgid``,
``msgid_plural``, ``msgstr`` / ``msgstr[n]`` with continued string lines, and
the ``#, fuzzy`` flag. The header entry (empty msgid) is returned like any other.
"""

from __future__ import annotations

import ast
import struct
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> str:
        """Return the key gettext stores the entry under (context, EOT, msgid)."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def _string(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> list[Entry]:
    """Return the entries of the .po file at `path`, in file order."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#~"):
            finish()
            continue
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            finish()
            current = Entry(line=number, flags={flag.strip() for flag in line[2:].split(",")})
            continue
        if line.startswith("#"):
            continue
        if current is None:
            current = Entry(line=number)
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = _string(line)
        else:
            value = _string(rest)
            if keyword == "msgctxt":
                if current.msgid or current.msgstr:
                    finish()
                    current = Entry(line=number)
                target = ("msgctxt", 0)
                current.msgctxt = ""
            elif keyword == "msgid":
                if current.msgid or current.msgstr:
                    finish()
                    current = Entry(line=number)
                target = ("msgid", 0)
            elif keyword == "msgid_plural":
                target = ("msgid_plural", 0)
                current.msgid_plural = ""
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                current.msgstr[0] = ""
            elif keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
                current.msgstr[target[1]] = ""
            else:
                raise ValueError(f"{path}:{number}: cannot read {raw!r}")
        if target is None:
            raise ValueError(f"{path}:{number}: a string outside an entry")
        name, index = target
        if name == "msgstr":
            current.msgstr[index] += value
        else:
            setattr(current, name, (getattr(current, name) or "") + value)
    finish()
    return entries


def read_mo(path: Path) -> dict:
    """Return the messages of a compiled .mo file as gettext keys them: msgid (or ctxt EOT msgid) -> text.

    A plural entry gives one key per form, ``(msgid, n)``. The format is GNU
    gettext's: a header of 32-bit words (magic, revision, count, the offsets of
    the original and translated string tables), then (length, offset) pairs.
    """
    data = path.read_bytes()
    order = "<" if struct.unpack("<I", data[:4])[0] == 0x950412DE else ">"
    _magic, _revision, count, originals, translations = struct.unpack(f"{order}5I", data[:20])

    def string(table: int, index: int) -> str:
        length, offset = struct.unpack(f"{order}2I", data[table + 8 * index : table + 8 * index + 8])
        return data[offset : offset + length].decode("utf-8")

    catalogue: dict = {}
    for index in range(count):
        msgid, text = string(originals, index), string(translations, index)
        if "\x00" in msgid:
            singular = msgid.split("\x00")[0]
            for n, form in enumerate(text.split("\x00")):
                catalogue[(singular, n)] = form
        else:
            catalogue[msgid] = text
    return catalogue
