"""XMP for the fast reader: the index's properties from the packet, and the namespaces ExifTool
would fix (and warn about)."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree  # no DTD reaches it: see read_xmp

from wirefix.jpeg.read.errors import Fallback
from wirefix.tagmap import FIELD_TAGS

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NS = {
    "http://purl.org/dc/elements/1.1/": "XMP-dc",
    "http://ns.adobe.com/photoshop/1.0/": "XMP-photoshop",
    "http://xmp.gettyimages.com/gift/1.0/": "XMP-getty",
    "http://ns.useplus.org/ldf/xmp/1.0/": "XMP-plus",
    "http://ns.adobe.com/xap/1.0/mm/": "XMP-xmpMM",
}
#: "{uri}localname" -> ExifTool tag, for every XMP tag the index reads.
_XMP_TAGS: dict[str, str] = {}
for _tags in FIELD_TAGS.values():
    for _tag in _tags:
        _group, _, _name = _tag.partition(":")
        for _uri, _g in _NS.items():
            if _g == _group:
                _local = _name[0].lower() + _name[1:] if _group == "XMP-dc" else _name
                _XMP_TAGS["{" + _uri + "}" + _local] = _tag
# Getty's property is OriginalFilename; ExifTool calls the tag OriginalFileName.
_XMP_TAGS["{http://xmp.gettyimages.com/gift/1.0/}OriginalFilename"] = _XMP_TAGS.pop(
    "{http://xmp.gettyimages.com/gift/1.0/}OriginalFileName"
)
_XMP_TAGS_LOWER = {name.lower() for name in _XMP_TAGS}
_XMP_DATES = {tag for tag in _XMP_TAGS.values() if "Date" in tag}


#: ExifTool 12.57's XMP namespace URIs (XMP.pm %uri2ns), from
#: `perl -MImage::ExifTool::XMP -e 'print "$_\\n" for values %Image::ExifTool::XMP::nsURI'`.
#: A declared URI that is one of these but for a trailing slash ExifTool takes for that one,
#: with "[minor] Fixed incorrect URI for xmlns:<prefix>" (XMP.pm ParseXMPElement).
_EXIFTOOL_NS = frozenset(
    (
        "adobe:ns:meta/",
        "http://cipa.jp/exif/1.0/",
        "http://creativecommons.org/ns#",
        "http://developer.sonyericsson.com/cell/1.0/",
        "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
        "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
        "http://ns.acdsee.com/iptc/1.0/",
        "http://ns.adobe.com/DICOM/",
        "http://ns.adobe.com/album/1.0/",
        "http://ns.adobe.com/camera-raw-defaults/1.0/",
        "http://ns.adobe.com/camera-raw-embedded-lens-profile/1.0/",
        "http://ns.adobe.com/camera-raw-saved-settings/1.0/",
        "http://ns.adobe.com/camera-raw-settings/1.0/",
        "http://ns.adobe.com/creatorAtom/1.0/",
        "http://ns.adobe.com/exif/1.0/",
        "http://ns.adobe.com/exif/1.0/aux/",
        "http://ns.adobe.com/hdr-metadata/1.0/",
        "http://ns.adobe.com/iX/1.0/",
        "http://ns.adobe.com/lightroom/1.0/",
        "http://ns.adobe.com/pdf/1.3/",
        "http://ns.adobe.com/pdfx/1.3/",
        "http://ns.adobe.com/photoshop/1.0/",
        "http://ns.adobe.com/photoshop/1.0/camera-profile",
        "http://ns.adobe.com/swf/1.0/",
        "http://ns.adobe.com/tiff/1.0/",
        "http://ns.adobe.com/xap/1.0/",
        "http://ns.adobe.com/xap/1.0/PLUS/",
        "http://ns.adobe.com/xap/1.0/bj/",
        "http://ns.adobe.com/xap/1.0/g/",
        "http://ns.adobe.com/xap/1.0/g/img/",
        "http://ns.adobe.com/xap/1.0/mm/",
        "http://ns.adobe.com/xap/1.0/rights/",
        "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
        "http://ns.adobe.com/xap/1.0/sType/Font#",
        "http://ns.adobe.com/xap/1.0/sType/Job#",
        "http://ns.adobe.com/xap/1.0/sType/ManifestItem#",
        "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
        "http://ns.adobe.com/xap/1.0/sType/ResourceRef#",
        "http://ns.adobe.com/xap/1.0/sType/Version#",
        "http://ns.adobe.com/xap/1.0/t/pg/",
        "http://ns.adobe.com/xmp/1.0/DynamicMedia/",
        "http://ns.adobe.com/xmp/Identifier/qual/1.0/",
        "http://ns.adobe.com/xmp/note/",
        "http://ns.adobe.com/xmp/sType/Area#",
        "http://ns.apple.com/adjustment-settings/1.0/",
        "http://ns.apple.com/faceinfo/1.0/",
        "http://ns.exiftool.ca/1.0/",
        "http://ns.exiftool.org/1.0/",
        "http://ns.extensis.com/extensis/1.0/",
        "http://ns.fastpictureviewer.com/fpv/1.0/",
        "http://ns.google.com/photos/1.0/audio/",
        "http://ns.google.com/photos/1.0/camera/",
        "http://ns.google.com/photos/1.0/creations/",
        "http://ns.google.com/photos/1.0/depthmap/",
        "http://ns.google.com/photos/1.0/focus/",
        "http://ns.google.com/photos/1.0/image/",
        "http://ns.google.com/photos/1.0/panorama/",
        "http://ns.google.com/photos/dd/1.0/profile/",
        "http://ns.google.com/videos/1.0/spherical/",
        "http://ns.idimager.com/ics/1.0/",
        "http://ns.iview-multimedia.com/mediapro/1.0/",
        "http://ns.leiainc.com/photos/1.0/image/",
        "http://ns.microsoft.com/expressionmedia/1.0/",
        "http://ns.microsoft.com/photo/1.0",
        "http://ns.microsoft.com/photo/1.1",
        "http://ns.microsoft.com/photo/1.2/",
        "http://ns.microsoft.com/photo/1.2/t/Region#",
        "http://ns.microsoft.com/photo/1.2/t/RegionInfo#",
        "http://ns.nikon.com/asteroid/1.0/",
        "http://ns.nikon.com/nine/1.0/",
        "http://ns.nikon.com/sdc/1.0/",
        "http://ns.optimasc.com/dex/1.0/",
        "http://ns.useplus.org/ldf/xmp/1.0/",
        "http://prismstandard.org/namespaces/basic/2.0/",
        "http://prismstandard.org/namespaces/pmi/2.2/",
        "http://prismstandard.org/namespaces/prismusagerights/2.1/",
        "http://prismstandard.org/namespaces/prl/2.1/",
        "http://prismstandard.org/namespaces/prm/3.0/",
        "http://purl.org/dc/elements/1.1/",
        "http://rs.tdwg.org/dwc/index.htm",
        "http://www.digikam.org/ns/1.0/",
        "http://www.dji.com/drone-dji/1.0/",
        "http://www.metadataworkinggroup.com/schemas/collections/",
        "http://www.metadataworkinggroup.com/schemas/keywords/",
        "http://www.metadataworkinggroup.com/schemas/regions/",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2000/svg",
        "http://xmp.gettyimages.com/gift/1.0/",
    )
)
_XMLNS = re.compile(rb"""xmlns:([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def check_namespaces(packet: bytes) -> None:
    """ExifTool reads the properties of such a namespace as the standard one's, and warns."""
    for m in _XMLNS.finditer(packet):
        uri = (m[2] if m[2] is not None else m[3]).decode("utf-8", "replace")
        fixed = uri[:-1] if uri.endswith("/") else uri + "/"
        if uri not in _EXIFTOOL_NS and fixed in _EXIFTOOL_NS:
            raise Fallback(f"XMP namespace URI ExifTool fixes: {uri}")


def read_xmp(packet: bytes, record: dict[str, Any]) -> None:
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet or b"<![CDATA[" in packet:
        raise Fallback("XMP with a DTD or CDATA")  # no entity expansion reaches expat
    try:
        root = ElementTree.fromstring(packet.decode("utf-8").strip("\0 \r\n\t"))
    except Exception as exc:  # bad UTF-8 or malformed XML: ExifTool decides
        raise Fallback(f"XMP not parsed: {exc}") from exc
    rdf: ElementTree.Element | None
    if root.tag == f"{{{_RDF}}}RDF":
        rdf = root
    elif root.tag in ("{adobe:ns:meta/}xmpmeta", "{adobe:ns:meta/}xapmeta"):
        rdf = root.find(f"{{{_RDF}}}RDF")
    else:  # ExifTool would read the properties as nested in an unknown element
        raise Fallback("XMP root is not x:xmpmeta or rdf:RDF")
    if rdf is None:
        raise Fallback("XMP without rdf:RDF")
    for desc in rdf:
        if desc.tag != f"{{{_RDF}}}Description":
            raise Fallback("typed node in XMP")
        for attr, value in desc.attrib.items():
            tag = _xmp_tag(attr)
            if tag:
                _put(record, tag, _xmp_date(value) if tag in _XMP_DATES else value)
        for prop in desc:
            tag = _xmp_tag(prop.tag)
            if tag:
                prop_value = _xmp_value(prop, tag)
                _put(record, tag, _xmp_date(prop_value) if tag in _XMP_DATES else prop_value)


def _xmp_tag(name: str) -> str | None:
    """The ExifTool tag of an XMP property the index reads. ExifTool matches property names
    regardless of case (`dc:Rights` is XMP-dc:Rights); such a file is ExifTool's to read."""
    tag = _XMP_TAGS.get(name)
    if tag is None and name.lower() in _XMP_TAGS_LOWER:
        raise Fallback(f"XMP property {name} in an unusual letter case")
    return tag


_XMP_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}:\d{2})(:\d{2})?\s*(\S*)$")


def _xmp_date(value: Any) -> Any:
    """ExifTool's ConvertXMPDate: "2011-10-28T12:00:00+00:00" -> "2011:10:28 12:00:00+00:00"."""
    if not isinstance(value, str):
        return value
    m = _XMP_DATE.match(value)
    if m:
        return f"{m[1]}:{m[2]}:{m[3]} {m[4]}{m[5] or ''}{m[6]}"
    if re.match(r"^\d{4}(-\d{2}){0,2}", value):
        return value.replace("-", ":")
    return value


def _put(record: dict[str, Any], tag: str, value: str | list[str] | None) -> None:
    if value is None:
        return
    if tag in record:
        raise Fallback(f"{tag} twice")
    record[tag] = value


def _xmp_value(prop: Any, tag: str) -> str | list[str] | None:
    if prop.attrib:
        raise Fallback(f"{tag} has attributes")
    children = list(prop)
    if not children:
        return prop.text or ""
    if len(children) != 1 or (prop.text or "").strip():
        raise Fallback(f"{tag} is not a simple value or one container")
    container = children[0]
    kind = container.tag.rpartition("}")[2]
    if container.tag not in (f"{{{_RDF}}}Seq", f"{{{_RDF}}}Bag", f"{{{_RDF}}}Alt"):
        raise Fallback(f"{tag} holds a {kind}")
    items = []
    for li in container:
        if li.tag != f"{{{_RDF}}}li" or len(li) or set(li.attrib) - {_XML_LANG}:
            raise Fallback(f"{tag} has structured items")
        items.append((li.attrib.get(_XML_LANG), li.text or ""))
    if kind == "Alt":
        langs = [lang for lang, _ in items]
        if "x-default" not in langs or len(set(langs)) != len(langs):
            raise Fallback(f"{tag} lang-alt without one x-default")
        return next(text for lang, text in items if lang == "x-default")
    if any(lang is not None for lang, _ in items):
        raise Fallback(f"{tag} list items with languages")
    values = [text for _, text in items]
    if not values:
        return None
    return values if len(values) > 1 else values[0]
