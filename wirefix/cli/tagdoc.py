"""docs/tags.md from tagmap, so the documented mapping is the code's mapping.

`python -m wirefix.cli.tagdoc > docs/tags.md` regenerates it; tests/test_plan_fields.py fails when
the file and `tagmap.FIELD_TAGS` / `IPTC_LIMITS` disagree.
"""

from __future__ import annotations

from wirefix.tagmap import FIELD_TAGS, IPTC_LIMITS, NEVER_REWRITE, WRITABLE_GROUPS

HEADER = """# Which tags each field maps to

Generated from `wirefix/tagmap.py` by `python -m wirefix.cli.tagdoc > docs/tags.md`; a test
keeps the two equal. Names are ExifTool group-1 tags. A correction of a field rewrites every tag
of its row that holds the erroneous value (whole value, or one item of a list), so EXIF,
IPTC-IIM and XMP stay in sync as the Metadata Working Group asks; then every other writable text
tag that *mentions* the erroneous value is corrected too (found by scanning all tags the file
has, in the groups listed at the end; never inside a URL). Dates are matched as days and
rewritten in each tag's own form, time of day kept.
"""


def render() -> str:
    lines = [HEADER, "| field | EXIF | IPTC-IIM (byte limit) | XMP |", "| --- | --- | --- | --- |"]
    for field, tags in FIELD_TAGS.items():
        exif = [t for t in tags if t.startswith(("IFD0:", "ExifIFD:"))]
        iptc = [
            f"{t} ({IPTC_LIMITS[t]})" if t in IPTC_LIMITS else t
            for t in tags
            if t.startswith("IPTC:")
        ]
        xmp = [t for t in tags if t.startswith("XMP-")]
        cells = [", ".join(f"`{t}`" for t in group) or "–" for group in (exif, iptc, xmp)]
        lines.append(f"| {field} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## IPTC-IIM limits",
        "",
        "Bytes after UTF-8 encoding. A longer value is cut on a character boundary in IPTC only;",
        "the XMP twin of the tag (same row above) keeps it whole, and is added if the file has",
        "none; the remediation's notes say which.",
        "",
        "| tag | bytes |",
        "| --- | --- |",
        *(f"| `{t}` | {n} |" for t, n in IPTC_LIMITS.items()),
        "",
        "## Scanned for mentions",
        "",
        "Groups: " + ", ".join(f"`{g}`" for g in sorted(WRITABLE_GROUPS)) + ".",
        "",
        "Never rewritten: " + ", ".join(f"`{t}`" for t in sorted(NEVER_REWRITE)) + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
