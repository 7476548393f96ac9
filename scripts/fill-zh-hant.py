"""Fill the Traditional Chinese catalogue from the Simplified source strings with OpenCC
(s2twp: Taiwan standard with phrases). Entries a person already translated are kept."""

from pathlib import Path

import polib
from opencc import OpenCC

root = Path(__file__).resolve().parent.parent / "src" / "fupin" / "locale"
convert = OpenCC("s2twp").convert
for po_path in sorted((root / "zh_Hant" / "LC_MESSAGES").glob("*.po")):
    po = polib.pofile(str(po_path))
    filled = 0
    for entry in po:
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()) or entry.fuzzy:
                entry.msgstr_plural = {0: convert(entry.msgid_plural)}
                filled += 1
        elif not entry.msgstr or entry.fuzzy:
            entry.msgstr = convert(entry.msgid)
            filled += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    print(f"{po_path.name}: {filled} entries filled")
