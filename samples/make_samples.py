"""Build the bundled sample media store deterministically (Pillow for pixels, ExifTool for tags).

The result is committed under samples/store/ and samples/notices/; run this again only to change
the samples:  .venv/bin/python samples/make_samples.py

The store holds an AFP photo from Daraa, Syria (2017-02-20) credited to ERIC FEFERBERG, a smaller
web rendition of it, AFP's re-sent copy whose caption carries the correction notice, six other
ERIC FEFERBERG photos (other events and dates, one of them in Daraa a month later), and photos of
Daraa that day by other agencies.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
STORE = HERE / "store"
NOTICES = HERE / "notices"

NOTICE_TEXT = (NOTICES / "afp-daraa-correction.txt").read_text(encoding="utf-8").strip()
DARAA_CAPTION = (
    "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
    "southern Syrian city of Daraa on February 20, 2017."
)


def afp(
    byline: str,
    caption: str,
    date: str,
    city: str,
    country: str,
    code: str,
    ref: str,
    slug: str,
    time: str = "12:00:00",
) -> dict:
    """Tags as AFP delivers them: IPTC (UTF-8 declared), XMP and EXIF in sync."""
    credit = f"{byline}/AFP"
    return {
        "IPTC:CodedCharacterSet": "UTF8",
        "IPTC:By-line": byline,
        "IPTC:By-lineTitle": "STF",
        "IPTC:Credit": credit,
        "IPTC:Source": "AFP",
        "IPTC:Caption-Abstract": caption,
        "IPTC:Headline": slug,
        "IPTC:ObjectName": slug,
        "IPTC:OriginalTransmissionReference": ref,
        "IPTC:DateCreated": date.replace("-", ":"),
        "IPTC:City": city,
        "IPTC:Country-PrimaryLocationName": country,
        "IPTC:Country-PrimaryLocationCode": code,
        "IPTC:CopyrightNotice": "AFP",
        "IPTC:Keywords": ["horizontal", slug.split("-")[0].lower()],
        "Photoshop:IPTCDigest": "new",
        "XMP-dc:Creator": [byline],
        "XMP-dc:Description": caption,
        "XMP-dc:Title": slug,
        "XMP-dc:Rights": "AFP",
        "XMP-photoshop:Credit": credit,
        "XMP-photoshop:Source": "AFP",
        "XMP-photoshop:Headline": slug,
        "XMP-photoshop:City": city,
        "XMP-photoshop:Country": country,
        "XMP-photoshop:DateCreated": date.replace("-", ":"),
        "XMP-photoshop:TransmissionReference": ref,
        "IFD0:Artist": byline,
        "IFD0:ImageDescription": caption,
        "IFD0:Copyright": "AFP",
        "IFD0:Make": "Canon",
        "IFD0:Model": "Canon EOS-1D X",
        "ExifIFD:DateTimeOriginal": f"{date.replace('-', ':')} {time}",
    }


def other_agency(byline: str, credit: str, caption: str, ref: str) -> dict:
    return {
        "IPTC:CodedCharacterSet": "UTF8",
        "IPTC:By-line": byline,
        "IPTC:Credit": credit,
        "IPTC:Source": credit,
        "IPTC:Caption-Abstract": caption,
        "IPTC:OriginalTransmissionReference": ref,
        "IPTC:DateCreated": "2017:02:20",
        "IPTC:City": "Daraa",
        "IPTC:Country-PrimaryLocationName": "Syria",
        "XMP-dc:Creator": [byline],
        "XMP-dc:Description": caption,
        "XMP-photoshop:Credit": credit,
        "XMP-photoshop:City": "Daraa",
        "XMP-photoshop:Country": "Syria",
        "XMP-photoshop:DateCreated": "2017:02:20",
        "IFD0:Artist": byline,
        "IFD0:ImageDescription": caption,
    }


def feferberg(
    caption: str, date: str, city: str, country: str, code: str, ref: str, slug: str
) -> dict:
    return afp(
        "ERIC FEFERBERG", f"{caption} / AFP / ERIC FEFERBERG", date, city, country, code, ref, slug
    )


DARAA = afp(
    "ERIC FEFERBERG",
    f"{DARAA_CAPTION} / AFP / ERIC FEFERBERG",
    "2017-02-20",
    "Daraa",
    "Syria",
    "SYR",
    "000_NG3LP",
    "SYRIA-CONFLICT",
    "13:42:10",
)
RESENT = afp(
    "MOHAMAD ABAZEED",
    NOTICE_TEXT,
    "2017-02-20",
    "Daraa",
    "Syria",
    "SYR",
    "000_NG3LP",
    "SYRIA-CONFLICT",
    "13:42:10",
)

PHOTOS: list[tuple[str, tuple[int, int], int, dict]] = [
    ("afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg", (480, 320), 1, DARAA),
    ("web/2017-02-20/daraa-car-bomb-w240.jpg", (240, 160), 1, DARAA),
    ("incoming/afp/SYRIA-CONFLICT-000_NG3LP-CORRECTION.jpg", (480, 320), 1, RESENT),
    (
        "afp/2016/10/24/FRANCE-MIGRANTS-CALAIS.jpg",
        (480, 320),
        2,
        feferberg(
            "Migrants walk with their belongings as the demolition of the Jungle camp begins in "
            "Calais, northern France, on October 24, 2016.",
            "2016-10-24",
            "Calais",
            "France",
            "FRA",
            "000_HX2KT",
            "FRANCE-EUROPE-MIGRANTS",
        ),
    ),
    (
        "afp/2016/11/03/IRAQ-CONFLICT-MOSUL.jpg",
        (480, 320),
        3,
        feferberg(
            "Iraqi special forces advance towards the eastern districts of Mosul on "
            "November 3, 2016.",
            "2016-11-03",
            "Mosul",
            "Iraq",
            "IRQ",
            "000_IC8Q1",
            "IRAQ-CONFLICT-MOSUL",
        ),
    ),
    (
        "afp/2016/12/15/SYRIA-CONFLICT-ALEPPO.jpg",
        (480, 320),
        4,
        feferberg(
            "Civilians wait to be evacuated from the last rebel-held districts of Aleppo on "
            "December 15, 2016.",
            "2016-12-15",
            "Aleppo",
            "Syria",
            "SYR",
            "000_JB4WZ",
            "SYRIA-CONFLICT-ALEPPO",
        ),
    ),
    (
        "afp/2017/03/15/SYRIA-CONFLICT-DARAA.jpg",
        (480, 320),
        5,
        feferberg(
            "Rebel fighters stand guard in the southern Syrian city of Daraa on March 15, 2017.",
            "2017-03-15",
            "Daraa",
            "Syria",
            "SYR",
            "000_NP7DC",
            "SYRIA-CONFLICT",
        ),
    ),
    (
        "afp/2017/05/20/FRANCE-FILM-FESTIVAL-CANNES.jpg",
        (320, 480),
        6,
        feferberg(
            "Guests arrive for the screening of a film at the 70th Cannes Film Festival in Cannes, "
            "southern France, on May 20, 2017.",
            "2017-05-20",
            "Cannes",
            "France",
            "FRA",
            "000_OB1HQ",
            "FRANCE-FILM-FESTIVAL-CANNES",
        ),
    ),
    (
        "afp/2016/10/01/FRANCE-FASHION-PARIS.jpg",
        (480, 320),
        7,
        feferberg(
            "A model presents a creation during a women's fashion show in Paris on "
            "October 1, 2016.",
            "2016-10-01",
            "Paris",
            "France",
            "FRA",
            "000_HF9ZX",
            "FRANCE-FASHION",
        ),
    ),
    (
        "reuters/2017/02/20/daraa-smoke-RC1B2C3D4E5F.jpg",
        (480, 320),
        8,
        other_agency(
            "STRINGER",
            "REUTERS",
            "Smoke rises after a car bomb explosion in the rebel-held part of Daraa, Syria "
            "February 20, 2017. REUTERS/Stringer",
            "RC1B2C3D4E5F",
        ),
    ),
    (
        "ap/2017/02/20/APTOPIX-Mideast-Syria-Daraa.jpg",
        (480, 320),
        9,
        other_agency(
            "Uncredited",
            "AP",
            "In this photo provided by the Nabaa Media Foundation, smoke rises after a car bomb "
            "explosion in Daraa, Syria, Monday, Feb. 20, 2017. (Nabaa Media Foundation via AP)",
            "BEI801",
        ),
    ),
]


def pixels(size: tuple[int, int], seed: int) -> Image.Image:
    """A distinct, deterministic picture per photo (renditions share the seed)."""
    w, h = size
    img = Image.new("RGB", size, (20 * seed % 255, 90, 160))
    draw = ImageDraw.Draw(img)
    for i in range(8):
        x0 = (seed * 37 + i * 53) % w
        y0 = (seed * 17 + i * 29) % h
        draw.ellipse(
            [x0, y0, x0 + w // 4, y0 + h // 4],
            fill=((i * 40 + seed * 30) % 255, 60 + i * 20, 200 - i * 15),
        )
    draw.rectangle([0, h - h // 6, w, h], fill=(40, 40, 40))
    return img


def write_tags(path: Path, tags: dict) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump([{"SourceFile": "*", **tags}], fh, ensure_ascii=False)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", f"-j={fh.name}", str(path)], check=True
    )
    Path(fh.name).unlink()


def main() -> None:
    for rel, size, seed, tags in PHOTOS:
        path = STORE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        # A rendition is the original picture scaled down, as a web pipeline makes it.
        img = pixels((480, 320) if size == (240, 160) else size, seed).resize(size)
        img.save(path, "JPEG", quality=60, optimize=True)
        write_tags(path, tags)
    # The re-sent image is also a notice source in its own right.
    resent = NOTICES / "afp-daraa-correction.jpg"
    resent.write_bytes((STORE / PHOTOS[2][0]).read_bytes())
    print(f"wrote {len(PHOTOS)} photos under {STORE} and {resent.name}")


if __name__ == "__main__":
    main()
