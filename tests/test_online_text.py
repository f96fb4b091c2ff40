"""How an online copy's words are corrected: the notice's pairs in, AFP's boilerplate out, and
in a post only where the photo is (another photo of the same photographer stays as it is)."""

from __future__ import annotations

import seed

from wirefix.ingest import NoticeText, parse_text
from wirefix.online import text


def _notice():
    return parse_text(NoticeText(text=seed.caption(), source="seed", source_kind="text"))


def test_a_caption_loses_the_boilerplate_and_gets_the_right_name() -> None:
    fixed = text.fix(seed.caption(), _notice())
    assert fixed.startswith("Smoke billows following a reported car bomb")
    assert "FEFERBERG" not in fixed and "erroneous" not in fixed and "CORRECTION" not in fixed
    assert fixed.endswith("(Photo credit should read MOHAMAD ABAZEED/AFP/Getty Images)")


def test_a_post_is_fixed_where_the_photo_is_and_nowhere_else() -> None:
    notice = _notice()
    wrong = "Smoke billows in Daraa on February 20, 2017. / AFP / ERIC FEFERBERG"
    other = "Actors arrive in Cannes on May 20, 2017. / AFP / ERIC FEFERBERG"
    story = "<p>ERIC FEFERBERG has covered Cannes for years.</p>"
    body = (
        f'<figure><img src="https://s/d.jpg" alt="{wrong}" class="wp-image-4"/>'
        f"<figcaption>{wrong}</figcaption></figure>"
        f'<figure><img src="https://s/c.jpg" alt="{other}" class="wp-image-9"/>'
        f"<figcaption>{other}</figcaption></figure>{story}"
        f"<p>{seed.caption()}</p>"
    )
    out = text.fix_post(body, notice, ["wp-image-4"])
    fixed_figure, other_figure = out.split("</figure>")[:2]
    assert "MOHAMAD ABAZEED" in fixed_figure and "FEFERBERG" not in fixed_figure
    assert other_figure + "</figure>" in body, "the other photo's figure is byte-identical"
    assert story in out, "a sentence about the photographer is not a caption"
    assert "erroneous mention" not in out and "CORRECTION -" not in out
    assert text.fix_post(out, notice, ["wp-image-4"]) == out, "a second pass changes nothing"
