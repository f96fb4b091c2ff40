"""Every online copy a notice reaches: find it, fix or kill it, purge it, prove it, log it.

A correction rewrites each copy's words (media caption, alt text, title, description; post and
page bodies and titles) and replaces the served file: WordPress's REST API cannot overwrite a
media item's file or its sub-sizes, so the store's corrected file is uploaded as a new media
item (WordPress makes new sub-sizes from it), every post is relinked to it (body URLs, image
ids, featured image), and the old item is deleted with its sub-sizes (its URLs then answer
404). A kill deletes the item and takes it out of every post. Every URL of a changed copy is
purged, fetched again past the cache and through it, and the copy is one audit entry; a copy
whose site, purge or verification failed stays open.
"""

from __future__ import annotations

from typing import Any

from wirefix import __version__
from wirefix.audit.chain import append
from wirefix.online import store, text
from wirefix.online.affected import Affected, Log, affected_files
from wirefix.online.base import CopyOutcome, Media, Post, Site, SiteError
from wirefix.online.config import OnlineConfig
from wirefix.online.edits import _check, _fix_fields, _home, _relink, _unlink
from wirefix.online.finding import _marks, _media_reasons, _post_reasons, _search_words, _since
from wirefix.online.purge import Purger, purge_all, purgers
from wirefix.online.wordpress import WordPress, session
from wirefix.rewrite.verify import mentions_remain
from wirefix.storage.database import Database, utcnow


class Remediation:
    """One notice's online copies on every configured site."""

    def __init__(
        self,
        db: Database,
        notice_id: int,
        config: OnlineConfig,
        operator: str,
        affected: list[Affected] | None = None,
        log: Log | None = None,
        sites: list[Site] | None = None,
    ) -> None:
        self.db, self.notice_id, self.config, self.operator = db, notice_id, config, operator
        self.notice, self.received_at = db.notice(notice_id)
        self.affected = affected if affected is not None else affected_files(db, notice_id)
        self.log = log or (lambda _m: None)
        self._sites = sites
        self.purgers: list[Purger] = purgers(config.purgers)
        self.http = session()
        self._dropped: set[str] = set()

    def sites(self) -> list[tuple[Site | None, str, str, str | None]]:
        if self._sites is not None:
            return [(s, s.name, getattr(s, "base", ""), None) for s in self._sites]
        out: list[tuple[Site | None, str, str, str | None]] = []
        for cfg in self.config.sites:
            try:
                out.append((WordPress(cfg), cfg.name, cfg.url, None))
            except SiteError as exc:
                out.append((None, cfg.name, cfg.url, str(exc)))
        return out

    def run(self, dry_run: bool = False) -> list[CopyOutcome]:
        outcomes: list[CopyOutcome] = []
        for site, name, url, problem in self.sites():
            try:
                if site is None:
                    raise SiteError(problem or f"site {name}: not usable")
                outcomes += self._site(site, dry_run)
                if not dry_run:
                    store.settle_site(self.db, self.notice_id, name)
            except SiteError as exc:
                outcome = CopyOutcome(name, "site", 0, url, [], "none", "open", error=str(exc))
                outcomes.append(outcome)
                if not dry_run:
                    store.record(self.db, self.notice_id, outcome)
                self.log(f"{exc}: its copies stay open")
        return outcomes

    # -- one site ---------------------------------------------------------------------------

    def _site(self, site: Site, dry_run: bool) -> list[CopyOutcome]:
        notice = self.notice
        listing = site.list(_search_words(notice, self.affected), _since(notice))
        copies: list[tuple[Media, list[str], Affected | None]] = []
        for m in listing.media:
            reasons, best = _media_reasons(
                site, m, notice, self.affected, self.config.phash_distance
            )
            if reasons:
                copies.append((m, reasons, best))
        media = [m for m, _, _ in copies]
        posts = [(p, r) for p in listing.posts if (r := _post_reasons(p, notice, media))]
        kill = notice.kind == "kill"
        out: list[CopyOutcome] = []
        replaced: dict[int, Media] = {}
        self._dropped = set()  # URLs of files taken away: no post may show them
        for m, reasons, best in copies:
            o = (self._kill_media if kill else self._fix_media)(site, m, reasons, best, dry_run)
            if o.replaced_by is not None and not dry_run:
                new = site.get_media(o.replaced_by)
                if new:
                    replaced[m.id] = new
            out.append(o)
        for p, reasons in posts:
            out.append(self._post(site, p, reasons, media, replaced, kill, dry_run))
        if not dry_run:
            for m, _, _ in copies:
                if m.id in replaced:
                    self._drop_old(site, m, replaced[m.id], out)
                if kill or m.id in replaced:
                    self._dropped |= {u for u in m.urls if "/wp-content/uploads/" in u}
            for o in out:
                self._finish(o)
        return out

    def _fix_media(
        self, site: Site, m: Media, reasons: list[str], best: Affected | None, dry_run: bool
    ) -> CopyOutcome:
        before = m.text_fields
        after = _fix_fields(before, self.notice)
        o = CopyOutcome(
            site.name,
            "media",
            m.id,
            m.url,
            reasons,
            "rewrite",
            before=before,
            after=after,
            urls=[*m.urls, *([m.page] if m.page else [])],
        )
        files_wrong = self._files_wrong(site, m)
        if after == before and not files_wrong:
            o.status, o.action = "already-correct", "none"
            return o
        if files_wrong:
            if best is None:
                o.error = "its file carries the error and the store holds no corrected copy of it"
            else:
                o.action, o.source_file = "replace", best.rel_path
        if dry_run:
            return o
        try:
            if o.action == "replace" and best is not None:
                new = site.upload(best.path.read_bytes(), m.file_name, after, m.parent)
                o.replaced_by = new.id
                o.api.append(
                    {
                        "call": f"upload media (corrected {best.rel_path})",
                        "id": new.id,
                        "status": 201,
                    }
                )
                o.new_urls = [*new.urls, *([new.page] if new.page else [])]
                o.urls += o.new_urls
            elif after != before:
                site.update_media(m.id, {k: v for k, v in after.items() if before[k] != v})
                o.api.append({"call": f"POST media {m.id}", "status": 200})
        except (SiteError, OSError) as exc:
            o.error = str(exc)
        return o

    def _files_wrong(self, site: Site, m: Media) -> bool:
        for url in sorted(set(m.sizes.values())):
            try:
                data = site.fetch(url)
            except SiteError:
                return True
            if mentions_remain(data, self.notice) or b"erroneous mention" in data.lower():
                return True
        return False

    def _kill_media(
        self, site: Site, m: Media, reasons: list[str], best: Affected | None, dry_run: bool
    ) -> CopyOutcome:
        o = CopyOutcome(
            site.name,
            "media",
            m.id,
            m.url,
            reasons,
            "kill",
            before=m.text_fields,
            urls=[*m.urls, *([m.page] if m.page else [])],
        )
        if dry_run:
            return o
        try:
            site.delete_media(m.id)
            o.api.append({"call": f"DELETE media {m.id} force", "status": 200})
        except SiteError as exc:
            o.error = str(exc)
        return o

    def _post(
        self,
        site: Site,
        p: Post,
        reasons: list[str],
        media: list[Media],
        replaced: dict[int, Media],
        kill: bool,
        dry_run: bool,
    ) -> CopyOutcome:
        content, featured = p.content, p.featured_media
        if kill:
            placeholder = None
            ph_id = next(
                (s.placeholder_media for s in self.config.sites if s.name == site.name), None
            )
            if ph_id:
                placeholder = site.get_media(ph_id)
            content = _unlink(content, media, placeholder)
            if featured in {m.id for m in media}:
                featured = placeholder.id if placeholder else 0
        else:
            for m in media:
                if m.id in replaced:
                    content = _relink(content, m, replaced[m.id])
                    if featured == m.id:
                        featured = replaced[m.id].id
            items = [*media, *replaced.values()]
            content = text.fix_post(content, self.notice, [k for m in items for k in _marks(m)])
        title = text.fix(p.title, self.notice)
        o = CopyOutcome(
            site.name,
            p.type,
            p.id,
            p.url,
            reasons,
            "unlink" if kill else "rewrite",
            before={
                "title": p.title,
                "content": p.content,
                "featured_media": str(p.featured_media),
            },
            after={"title": title, "content": content, "featured_media": str(featured)},
            urls=[p.url, _home(p.url)],
        )
        if (content, title, featured) == (p.content, p.title, p.featured_media):
            o.status, o.action = "already-correct", "none"
            return o
        if dry_run:
            return o
        try:
            site.update_post(p, content, title, featured)
            o.api.append(
                {
                    "call": f"POST {p.type} {p.id} (content.raw, title, featured_media)",
                    "status": 200,
                }
            )
        except SiteError as exc:
            o.error = str(exc)
        return o

    def _drop_old(self, site: Site, old: Media, new: Media, out: list[CopyOutcome]) -> None:
        """Delete the replaced item once every post points at the new one."""
        o = next(x for x in out if x.kind == "media" and x.object_id == old.id)
        if any(x.error for x in out if x.kind in ("posts", "pages")):
            o.error = "a post could not be relinked; the old item is kept until it is"
            return
        try:
            site.delete_media(old.id)
            o.api.append(
                {"call": f"DELETE media {old.id} force (replaced by {new.id})", "status": 200}
            )
        except SiteError as exc:
            o.error = str(exc)

    # -- proof and record ---------------------------------------------------------------------

    def _finish(self, o: CopyOutcome) -> None:
        if o.status == "already-correct":
            if store.is_open(self.db, self.notice_id, o):
                o.action = "verify"  # changed by an earlier run whose purge or proof failed
            else:
                return
        if not o.error:
            o.purges = purge_all(self.purgers, o.urls)
            bad = [r for r in o.purges if not r["ok"]]
            if bad:
                o.error = (
                    f"purge by {bad[0]['purger']} failed: {bad[0]['error'] or bad[0]['status']}"
                )
        if not o.error:
            o.verification = self._verify(o)
            failed = [v["url"] for v in o.verification if not v["ok"]]
            if failed:
                o.error = f"verification failed for {', '.join(failed[:3])}"
        o.status = "open" if o.error else "done"
        o.audit_seq = append(self.db, self._entry(o))
        store.record(self.db, self.notice_id, o)
        self.log(
            f"{o.site} {o.kind} {o.object_id}: {o.action} {o.status}"
            + (f" ({o.error})" if o.error else "")
        )

    def _verify(self, o: CopyOutcome) -> list[dict[str, Any]]:
        """Every URL of the copy again: a deleted or replaced file's URLs must be gone, the
        rest must be served without the error (and a post without the old file's URLs)."""
        removed = o.kind == "media" and o.action in ("kill", "replace")
        old_files = [u for u in o.urls if "/wp-content/uploads/" in u and u not in o.new_urls]
        absent = [] if o.kind == "media" else list(self._dropped)
        checks = []
        for url in o.urls:
            if o.kind != "media" and url == _home(url) and url != o.url:
                continue  # the front page lists other posts too: purged, not judged
            if removed and "/wp-content/uploads/" not in url and url not in o.new_urls:
                continue  # a deleted item's attachment page: purged, not judged
            expect = "gone" if removed and url in old_files else "correct"
            checks.append(_check(self.http, url, self.notice, expect, 30.0, absent))
        return checks

    def _entry(self, o: CopyOutcome) -> dict[str, Any]:
        return {
            "notice_id": self.notice_id,
            "notice_hash": self.notice.content_hash,
            "notice_received_at": self.received_at.isoformat(),
            "reason": f"{self.notice.kind}: online copy of the notice's photo",
            "action": f"online-{o.action}",
            "path": o.url,
            "root": None,
            "rel_path": None,
            "site": o.site,
            "object": {"kind": o.kind, "id": o.object_id},
            "found_by": o.found_by,
            "fields_before": o.before,
            "fields_after": {k: v for k, v in o.after.items() if not k.startswith("_")},
            "replaced_by": o.replaced_by,
            "source_file": o.source_file,
            "api": o.api,
            "purges": o.purges,
            "verification": o.verification,
            "outcome": "failed" if o.error else "ok",
            "error": o.error,
            "operator": self.operator,
            "wirefix_version": __version__,
            "online_at": utcnow().isoformat(),
        }
