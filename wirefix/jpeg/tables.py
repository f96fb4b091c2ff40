"""The tags wirefix writes into JPEGs without ExifTool, and how ExifTool names them.

The writer (`jpeg.write`) edits these tags and the prover (`jpeg.prove`) checks that nothing
else changed; both read the tables here so neither depends on the other's code. A wrong entry
would still mislead both alike, which is why ExifTool's read-back of every file stays the judge.
"""

from __future__ import annotations

#: ExifTool name -> (record, dataset, list?, max bytes, exact length or 0) (IPTC.pm formats).
IPTC_TAGS: dict[str, tuple[int, int, bool, int, int]] = {
    "IPTC:ObjectName": (2, 5, False, 64, 0),
    "IPTC:Keywords": (2, 25, True, 64, 0),
    "IPTC:SpecialInstructions": (2, 40, False, 256, 0),
    "IPTC:By-line": (2, 80, True, 32, 0),
    "IPTC:By-lineTitle": (2, 85, True, 32, 0),
    "IPTC:City": (2, 90, False, 32, 0),
    "IPTC:Sub-location": (2, 92, False, 32, 0),
    "IPTC:Province-State": (2, 95, False, 32, 0),
    "IPTC:Country-PrimaryLocationCode": (2, 100, False, 3, 3),
    "IPTC:Country-PrimaryLocationName": (2, 101, False, 64, 0),
    "IPTC:OriginalTransmissionReference": (2, 103, False, 32, 0),
    "IPTC:Headline": (2, 105, False, 256, 0),
    "IPTC:Credit": (2, 110, False, 32, 0),
    "IPTC:Source": (2, 115, False, 32, 0),
    "IPTC:CopyrightNotice": (2, 116, False, 128, 0),
    "IPTC:Contact": (2, 118, True, 128, 0),
    "IPTC:Caption-Abstract": (2, 120, False, 2000, 0),
    "IPTC:Writer-Editor": (2, 122, True, 32, 0),
}

#: ExifTool name -> IFD0 tag id; ASCII entries that must already exist.
EXIF_TAGS: dict[str, int] = {
    "IFD0:ImageDescription": 0x010E,
    "IFD0:Artist": 0x013B,
    "IFD0:Copyright": 0x8298,
}

#: ExifTool's XMP prefix -> namespace URI, for the properties of XMP_TAGS.
XMP_NAMESPACES: dict[str, str] = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "GettyImagesGIFT": "http://xmp.gettyimages.com/gift/1.0/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
}

#: ExifTool name -> (ExifTool's prefix, property, shape): "text", "Seq", "Bag" or "Alt"
#: (lang-alt, the plain tag name meaning its x-default item). Dates are not here on purpose.
XMP_TAGS: dict[str, tuple[str, str, str]] = {
    "XMP-dc:Creator": ("dc", "creator", "Seq"),
    "XMP-dc:Description": ("dc", "description", "Alt"),
    "XMP-dc:Rights": ("dc", "rights", "Alt"),
    "XMP-dc:Title": ("dc", "title", "Alt"),
    "XMP-dc:Subject": ("dc", "subject", "Bag"),
    "XMP-dc:Publisher": ("dc", "publisher", "Bag"),
    "XMP-dc:Contributor": ("dc", "contributor", "Bag"),
    **{
        f"XMP-photoshop:{name}": ("photoshop", name, "text")
        for name in (
            "AuthorsPosition",
            "CaptionWriter",
            "Category",
            "City",
            "Country",
            "Credit",
            "Headline",
            "Instructions",
            "Source",
            "State",
            "TransmissionReference",
        )
    },
    "XMP-photoshop:SupplementalCategories": ("photoshop", "SupplementalCategories", "Bag"),
    "XMP-xmpRights:UsageTerms": ("xmpRights", "UsageTerms", "Alt"),
    "XMP-xmpRights:WebStatement": ("xmpRights", "WebStatement", "text"),
    "XMP-xmpRights:Certificate": ("xmpRights", "Certificate", "text"),
    "XMP-xmpRights:Owner": ("xmpRights", "Owner", "Bag"),
    "XMP-iptcCore:CountryCode": ("Iptc4xmpCore", "CountryCode", "text"),
    "XMP-iptcCore:IntellectualGenre": ("Iptc4xmpCore", "IntellectualGenre", "text"),
    "XMP-iptcCore:Location": ("Iptc4xmpCore", "Location", "text"),
    "XMP-iptcCore:Scene": ("Iptc4xmpCore", "Scene", "Bag"),
    "XMP-iptcCore:SubjectCode": ("Iptc4xmpCore", "SubjectCode", "Bag"),
    **{
        f"XMP-getty:{name}": ("GettyImagesGIFT", name, "text")
        for name in (
            "AssetID",
            "CallForImage",
            "CameraFilename",
            "Composition",
            "ExclusiveCoverage",
            "ImageRank",
            "ParentMEID",
            "ParentMediaEventID",
            "TimeShot",
        )
    },
    # Getty's property is OriginalFilename; ExifTool calls the tag OriginalFileName.
    "XMP-getty:OriginalFileName": ("GettyImagesGIFT", "OriginalFilename", "text"),
    "XMP-getty:Personality": ("GettyImagesGIFT", "Personality", "Bag"),
    "XMP-plus:ImageSupplierImageID": ("plus", "ImageSupplierImageID", "text"),
    "XMP-xmpMM:DocumentID": ("xmpMM", "DocumentID", "text"),
    "XMP-xmpMM:InstanceID": ("xmpMM", "InstanceID", "text"),
    "XMP-xmpMM:OriginalDocumentID": ("xmpMM", "OriginalDocumentID", "text"),
}
