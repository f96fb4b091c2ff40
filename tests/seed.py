"""The seed document (`../shared/seeds/`), word for word, in each form it reaches a newsroom.

The seed is the text of a news site's article page that published AFP's re-sent Daraa photo with
AFP's correction notice as the photo's caption. It is read from `../shared/` (as the corpus is),
never copied into the project; these helpers only lay its words out as each carrier would.
"""

from __future__ import annotations

import html
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

SEED = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "000_9cc2b0cbab66e857.txt"
)


def seed_text() -> str:
    if not SEED.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the seed at {SEED}")
        pytest.skip(f"the seed is not at {SEED}")
    return SEED.read_text(encoding="utf-8")


def paragraphs() -> list[str]:
    return [p for p in seed_text().split("\n\n") if p.strip()]


def caption() -> str:
    """The caption paragraph that carries the notice, exactly as the page printed it."""
    [found] = [p for p in paragraphs() if p.startswith("CORRECTION - ")]
    return found


def page_html(url: str = "https://news.example/military/iraq-airstrikes-isis-syria") -> str:
    """The article page as its site served it: header, date line, the photo with the notice as
    its caption, the photo's own caption and credit, and the story."""
    paras = paragraphs()
    section, actions, title, posted = paras[0], paras[1], paras[2], paras[3]
    notice = caption()
    rest = paras[paras.index(notice) + 1 :]
    photo_caption, story = rest[0], rest[1:]
    e = html.escape
    image = "https://news.example/photos/AFP_NG3LP.jpg"
    body = "\n".join(f"<p>{e(p)}</p>" for p in story)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(title)}</title>
<link rel="canonical" href="{e(url)}">
<meta property="og:image" content="{image}">
</head><body>
<header><nav><a href="/news">{e(section)}</a> <span>{e(actions)}</span></nav></header>
<article>
<h1>{e(title)}</h1>
<div class="timestamp">{e(posted).replace(chr(10), "<br>")}</div>
<figure class="lead"><img src="/photos/AFP_NG3LP.jpg" alt="Smoke billows in Daraa">
<figcaption>{e(notice)}</figcaption></figure>
<figure><img src="/photos/AFP_NG3LP-640.jpg" alt="">
<figcaption class="caption">{e(photo_caption)}</figcaption></figure>
{body}
</article></body></html>
"""


def forwarded_email(path: Path) -> Path:
    """The caption paragraph forwarded by a colleague: quoted-printable, "> " quoted, wrapped."""
    import textwrap

    quoted = "\n".join("> " + line for line in textwrap.wrap(caption(), 72))
    msg = EmailMessage()
    msg["From"] = "Photo Desk <desk@newsroom.example>"
    msg["To"] = "pictures@newsroom.example"
    msg["Subject"] = "Fwd: CORRECTION - Daraa car bomb photo"
    msg["Date"] = "Fri, 24 Feb 2017 16:02:11 +0000"
    msg.set_content(
        "Please see below, this is on our site.\n\nOn Fri, Feb 24, 2017 at 3:55 PM AFP Photo "
        f"<photo@afp.example> wrote:\n{quoted}\n",
        cte="quoted-printable",
    )
    path.write_bytes(bytes(msg))
    return path
