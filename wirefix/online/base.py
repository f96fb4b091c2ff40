"""What every site connector offers, and the copies it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, Protocol, TypedDict

from wirefix.errors import WirefixError

#: Where a copy lives: a media item, a post, a page, or the site itself (it did not answer).
CopyKind = Literal["media", "posts", "pages", "site"]
#: What is done to a copy (`verify`: purged and proven again, changed by an earlier run).
CopyAction = Literal["rewrite", "replace", "kill", "unlink", "verify", "none"]
#: What a post is on the site (its REST collection).
PostType = Literal["posts", "pages"]
#: How far it went.
CopyStatus = Literal["planned", "done", "already-correct", "open"]


class ApiCall(TypedDict):
    """One call made to a site for a copy, as its audit entry and `--json` keep it."""

    call: str
    status: int
    id: NotRequired[int]  # the media item an upload made


class Receipt(TypedDict):
    """A purger's answer for some URLs: what was asked, the provider's status and answer."""

    purger: str
    kind: str
    request: str
    urls: list[str]
    status: int | None
    answer: Any  # the provider's JSON (or the start of its text)
    error: str | None
    ok: bool


class SiteError(WirefixError):
    """A site did not answer or refused; the copy stays open. One line."""


@dataclass
class Media:
    """A media item: the file a site serves, its renditions, and its words."""

    id: int
    url: str  # the original file
    sizes: dict[str, str]  # size name -> URL, the original's included as "full"
    file_name: str
    width: int | None
    height: int | None
    title: str
    caption: str
    alt_text: str
    description: str
    page: str | None = None  # the attachment's own page
    parent: int | None = None

    @property
    def text_fields(self) -> dict[str, str]:
        return {
            "title": self.title,
            "caption": self.caption,
            "alt_text": self.alt_text,
            "description": self.description,
        }

    @property
    def urls(self) -> list[str]:
        return sorted({self.url, *self.sizes.values()})


@dataclass
class Post:
    """A post or page: its body as stored (not rendered) and its lead image."""

    id: int
    type: PostType
    url: str
    title: str
    content: str
    featured_media: int = 0
    excerpt: str = ""


@dataclass
class Listing:
    media: list[Media] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)


class Site(Protocol):
    """A CMS: find copies, update their words, replace or delete their files, read them back."""

    name: str

    def list(self, search: list[str], since: str | None) -> Listing:
        """Items matching any search word, and every item modified since `since` (ISO)."""
        ...

    def update_media(self, media_id: int, fields: dict[str, str]) -> Media: ...

    def update_post(self, post: Post, content: str, title: str, featured: int) -> Post: ...

    def upload(
        self, data: bytes, file_name: str, fields: dict[str, str], parent: int | None
    ) -> Media: ...

    def delete_media(self, media_id: int) -> None: ...

    def get_media(self, media_id: int) -> Media | None: ...

    def get_post(self, post: Post) -> Post | None: ...

    def fetch(self, url: str) -> bytes: ...


@dataclass
class CopyOutcome:
    """One online copy and what happened to it."""

    site: str
    kind: CopyKind
    object_id: int
    url: str
    found_by: list[str]
    action: CopyAction
    status: CopyStatus = "planned"
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    api: list[ApiCall] = field(default_factory=list)
    purges: list[Receipt] = field(default_factory=list)
    verification: list[dict[str, Any]] = field(default_factory=list)
    replaced_by: int | None = None
    source_file: str | None = None
    error: str | None = None
    audit_seq: int | None = None
    urls: list[str] = field(default_factory=list)  # every URL the change touches
    new_urls: list[str] = field(default_factory=list)  # the corrected item's, when replaced
