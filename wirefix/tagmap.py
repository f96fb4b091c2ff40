"""Which EXIF / IPTC / XMP tags carry each field (ExifTool group-1 names).

From the Metadata Working Group guidance as ExifTool's MWG module implements it (byline, caption,
copyright, date, place), plus the IPTC <-> XMP pairs of ExifTool's `iptc2xmp.args` for the news
fields MWG leaves out (credit, source, headline, transmission reference, ...). The README's tag
table is this dict.
"""

from __future__ import annotations

import unicodedata
from typing import Any

FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "byline": ("IPTC:By-line", "XMP-dc:Creator", "IFD0:Artist"),
    "credit": ("IPTC:Credit", "XMP-photoshop:Credit"),
    "source": ("IPTC:Source", "XMP-photoshop:Source"),
    "caption": ("IPTC:Caption-Abstract", "XMP-dc:Description", "IFD0:ImageDescription"),
    "headline": ("IPTC:Headline", "XMP-photoshop:Headline"),
    "date": ("IPTC:DateCreated", "XMP-photoshop:DateCreated", "ExifIFD:DateTimeOriginal"),
    "city": ("IPTC:City", "XMP-photoshop:City"),
    "country": ("IPTC:Country-PrimaryLocationName", "XMP-photoshop:Country"),
    "copyright": ("IPTC:CopyrightNotice", "XMP-dc:Rights", "IFD0:Copyright"),
    "transmission_ref": (
        "IPTC:OriginalTransmissionReference",
        "XMP-photoshop:TransmissionReference",
    ),
    "object_name": ("IPTC:ObjectName", "XMP-dc:Title"),
    "special_instructions": ("IPTC:SpecialInstructions", "XMP-photoshop:Instructions"),
    "original_filename": ("XMP-getty:OriginalFileName",),
    "image_id": ("XMP-getty:AssetID", "XMP-plus:ImageSupplierImageID", "XMP-xmpMM:DocumentID"),
}

#: IPTC-IIM maximum lengths in bytes, after encoding (ExifTool 12.57 IPTC.pm, `string[0,N]`), for
#: every text dataset of the application record (codes, dates and times are not text). ExifTool
#: cuts a longer value to this many bytes when it writes one (a cut inside a UTF-8 character
#: leaves "." for each broken byte); `plan.cut_forms` recognises such cut values.
IPTC_LIMITS: dict[str, int] = {
    "IPTC:By-line": 32,
    "IPTC:By-lineTitle": 32,
    "IPTC:City": 32,
    "IPTC:Credit": 32,
    "IPTC:Source": 32,
    "IPTC:OriginalTransmissionReference": 32,
    "IPTC:Writer-Editor": 32,
    "IPTC:Sub-location": 32,
    "IPTC:Province-State": 32,
    "IPTC:SupplementalCategories": 32,
    "IPTC:FixtureIdentifier": 32,
    "IPTC:OriginatingProgram": 32,
    "IPTC:ObjectName": 64,
    "IPTC:EditStatus": 64,
    "IPTC:Keywords": 64,
    "IPTC:ContentLocationName": 64,
    "IPTC:Country-PrimaryLocationName": 64,
    "IPTC:JobID": 64,
    "IPTC:AudioOutcue": 64,
    "IPTC:CopyrightNotice": 128,
    "IPTC:Contact": 128,
    "IPTC:Headline": 256,
    "IPTC:SpecialInstructions": 256,
    "IPTC:LocalCaption": 256,
    "IPTC:Caption-Abstract": 2000,
}

#: Groups whose text tags wirefix may rewrite when they hold an erroneous mention.
WRITABLE_GROUP_PREFIXES = ("IPTC", "IFD0", "ExifIFD", "XMP-")

#: The exact group-1 names the mention scan rewrites: the first IPTC block (ExifTool merges
#: further blocks, `IPTC2`..., on write, so those files are refused by the rewrite's check) and
#: the XMP namespaces ExifTool knows how to write; a custom namespace (`XMP-thirdlight`) is
#: read-only to ExifTool.
WRITABLE_GROUPS = frozenset(
    {"IPTC", "IFD0", "ExifIFD"}
    | {
        f"XMP-{ns}"
        for ns in (
            "dc",
            "photoshop",
            "iptcCore",
            "iptcExt",
            "xmp",
            "xmpRights",
            "xmpMM",
            "plus",
            "getty",
            "mwg-rs",
            "mwg-kw",
            "mediapro",
            "microsoft",
            "MicrosoftPhoto",
            "lr",
            "exif",
            "exifEX",
            "tiff",
            "aux",
            "xmpBJ",
            "xmpDM",
            "acdsee",
            "photomech",
            "iptcCore",
            "prism",
            "digiKam",
            "GettyImagesGIFT",
        )
    }
)

#: Tags that hold text but are not the photo's description of itself; never rewritten.
NEVER_REWRITE = {
    "IPTC:CodedCharacterSet",
    "IPTC:EnvelopeRecordVersion",
    "IPTC:ApplicationRecordVersion",
    "XMP-x:XMPToolkit",
    "IFD0:Software",
    "IFD0:Make",
    "IFD0:Model",
}


def as_list(value: Any) -> list[str]:
    """ExifTool JSON gives a string, a number or a list; the index wants a list of strings."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v not in (None, "")]
    text = str(value)
    return [text] if text.strip() not in ("", "-") else []


def normalise_date(value: str) -> str | None:
    """ "2017:02:20", "2017:02:20 10:00:00+00:00", "2017-02-20T..." -> "2017-02-20"."""
    head = value.strip()[:10].replace(":", "-")
    if len(head) == 10 and head[4] == "-" and head[7] == "-" and head.replace("-", "").isdigit():
        return head if head != "0000-00-00" and not head.startswith("0001") else None
    return None


def index_fields(record: dict[str, Any]) -> dict[str, list[str]]:
    """The index's view of one ExifTool record: field -> distinct values, in tag order."""
    fields: dict[str, list[str]] = {}
    for name, tags in FIELD_TAGS.items():
        values: list[str] = []
        for tag in tags:
            for v in as_list(record.get(tag)):
                if name == "date":
                    v = normalise_date(v) or ""
                if v and v not in values:
                    values.append(v)
        if values:
            fields[name] = values
    return fields


#: Index fields that identify one photo (or, for `slug`, a story shared by many photos).
KEY_FIELDS: dict[str, str] = {
    "transmission_ref": "id",
    "image_id": "id",
    "object_name": "slug",
    "original_filename": "fname",
    "byline": "name",
    "date": "date",
}


def norm_key(value: str) -> str:
    """Keys compare NFC, case-folded, with single spaces, cut to the indexed column's width."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())[:200]


def file_stem(name: str) -> str:
    """ "AFP_NG3LP.JPG" and "afp_ng3lp.jpg" name the same original file."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return norm_key(stem if dot and 2 <= len(ext) <= 5 else base)


def index_keys(fields: dict[str, list[str]], rel_path: str) -> set[tuple[str, str]]:
    """(kind, value) rows of `file_keys`: what a notice can name a photo by."""
    keys: set[tuple[str, str]] = set()
    for name, kind in KEY_FIELDS.items():
        for value in fields.get(name, []):
            key = file_stem(value) if kind == "fname" else norm_key(value)
            if key:
                keys.add((kind, key))
    # Credit lines name agencies and photographers: "MOHAMAD ABAZEED/AFP", "Pool via AP".
    for credit in fields.get("credit", []):
        for part in credit.replace(",", "/").split("/"):
            if norm_key(part):
                keys.add(("name", norm_key(part)))
    stem = file_stem(rel_path)
    if stem:
        keys.add(("fname", stem))
    return keys
