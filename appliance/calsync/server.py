"""The CalDAV server as the sync sees it: discover calendars, read changes since a sync token,
write and delete events under ETag preconditions; every failure in the IT person's words."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import caldav
from caldav.lib import error as dav_error

from appliance.config.calendar import CalendarConfig
from appliance.errors import ApplianceError

log = logging.getLogger(__name__)
MULTIGET_BATCH = 200
REFUSED_FOR_GOOD = {400, 409, 413, 415, 422}  # about the event itself, not the server or account
ICS_TYPE = "text/calendar; charset=utf-8"


class CalendarUnavailable(ApplianceError):
    """The calendar server cannot be reached or refuses us; the message says why in plain words."""

    code = "calendar.unavailable"


class EventRefused(ApplianceError):
    """The server refuses this one event for good (4xx other than a precondition): retrying cannot help."""

    code = "calendar.refused"


class EditConflict(ApplianceError):
    """The event changed (or appeared) on the server since we last read it: ETag precondition failed."""

    code = "calendar.conflict"


@dataclass(frozen=True)
class RemoteCalendar:
    """A calendar found on the server."""

    url: str
    name: str


@dataclass(frozen=True)
class Changes:
    """What changed in one calendar since a sync token: objects (href, etag, text), deleted hrefs,
    and, when the calendar was listed whole (a first sync, or a server without sync tokens), every
    href in it."""

    token: str
    changed: list[tuple[str, str, str]]
    deleted: list[str]
    listed: set[str] | None


class CalendarServer:
    """One CalDAV account; every method may raise `CalendarUnavailable`."""

    def __init__(self, config: CalendarConfig) -> None:
        self.config = config
        self.client = caldav.DAVClient(config.url, username=config.user or None, password=config.password or None,
                                       timeout=int(config.timeout_s), ssl_verify_cert=config.ca_file or True)

    def calendars(self) -> list[RemoteCalendar]:
        """The account's calendars with their display names."""
        with self._explained(self.config.url):
            found = self.client.principal().calendars()
            return [RemoteCalendar(str(c.url), c.get_display_name() or _last_segment(str(c.url))) for c in found]

    def check(self, url: str) -> None:
        """Raise `CalendarUnavailable` unless `url` is a calendar this account can read."""
        with self._explained(url):
            response = self.client.propfind(url, depth=0)
        self._check(response, url)

    def changes(self, url: str, token: str, known: dict[str, str]) -> Changes:
        """Objects changed since `token` ('' for all), with their text; those whose ETag is in
        `known` (href -> ETag) are not fetched again."""
        calendar = caldav.Calendar(client=self.client, url=url)
        with self._explained(url):
            try:
                found = calendar.get_objects_by_sync_token(token or None, load_objects=False)
            except dav_error.DAVError as exc:
                if not token or isinstance(exc, dav_error.AuthorizationError):
                    raise
                log.warning("calendar %s refused sync token (%s): reading it whole", url, exc)
                token, found = "", calendar.get_objects_by_sync_token(None, load_objects=False)
            deleted = {str(u) for u in found.deleted_urls}
            listed = {str(o.url): _etag(o.props) for o in found.objects if str(o.url) not in deleted}
            new_token = str(found.sync_token)
            whole = not token or (new_token.startswith("fake-") and new_token != token)
            wanted = [h for h, etag in listed.items() if not etag or known.get(h) != etag]
            texts: list[tuple[str, str, str]] = []
            for first in range(0, len(wanted), MULTIGET_BATCH):
                batch = [caldav.lib.url.URL.objectify(h) for h in wanted[first:first + MULTIGET_BATCH]]
                texts += [(str(o.url), _etag(o.props) or listed.get(str(o.url), ""), o.data)
                          for o in calendar.multiget(batch)]
            return Changes(new_token, texts, sorted(deleted), set(listed) if whole else None)

    def put(self, href: str, text: str, etag: str) -> str:
        """Create (`etag` '') or replace (only if it still has `etag`) the event; its new ETag
        ('' when the server gives none). `EditConflict` when the precondition fails."""
        headers = {"Content-Type": ICS_TYPE, **({"If-Match": etag} if etag else {"If-None-Match": "*"})}
        with self._explained(href):
            response = self.client.put(href, text, headers)
        self._check(response, href)
        return response.headers.get("etag", "") or self._etag_of(href)

    def delete(self, href: str, etag: str) -> None:
        """Delete the event if it still has `etag`; gone already is fine."""
        with self._explained(href):
            response = self.client.delete(href, {"If-Match": etag} if etag else {})
        if response.status != 404:
            self._check(response, href)

    def get(self, href: str) -> tuple[str, str] | None:
        """(text, etag) of one event, None when it is gone."""
        with self._explained(href):
            response = self.client.request(href, "GET")
        if response.status == 404:
            return None
        self._check(response, href)
        return response.raw, response.headers.get("etag", "")

    def _etag_of(self, href: str) -> str:
        found = self.get(href)
        return found[1] if found else ""

    def _check(self, response: caldav.davclient.DAVResponse, href: str) -> None:
        if response.status == 412:
            raise EditConflict(f"{href} changed on the calendar server")
        if response.status in REFUSED_FOR_GOOD:
            raise EventRefused(f"the calendar server refused the event ({_http_words(response.status, href)})")
        if response.status >= 300:
            raise CalendarUnavailable(_http_words(response.status, href))

    def _explained(self, url: str) -> _Explained:
        return _Explained(url, self.config.url)


class _Explained:
    """Turns the client's exceptions into `CalendarUnavailable` with plain words."""

    def __init__(self, url: str, server: str) -> None:
        self.url, self.server = url, server

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or isinstance(exc, (CalendarUnavailable, EditConflict)):
            return False
        if isinstance(exc, dav_error.AuthorizationError):
            raise CalendarUnavailable("the calendar server refused the user name or password") from None
        if isinstance(exc, dav_error.NotFoundError):
            raise CalendarUnavailable(f"the calendar server has no calendar at {self.url}") from None
        if isinstance(exc, dav_error.DAVError):
            raise CalendarUnavailable(f"the calendar server did not accept a request ({exc.reason or exc})") from None
        if isinstance(exc, OSError):
            reason = str(exc)
            if "CERTIFICATE" in reason.upper() or "SSL" in reason.upper():
                words = f"the calendar server's certificate is not trusted ({reason[:160]})"
            elif "timed out" in reason.lower() or "timeout" in reason.lower():
                words = f"the calendar server at {_host(self.server)} did not answer in time"
            else:
                words = f"the calendar server at {_host(self.server)} cannot be reached"
            raise CalendarUnavailable(words) from None
        return False


def _http_words(status: int, href: str) -> str:
    if status == 401:
        return "the calendar server refused the user name or password"
    if status == 403:
        return f"the calendar server does not let this user change {href}"
    if status == 404:
        return f"the calendar server has no calendar at {href}"
    if status == 507:
        return "the calendar server is out of space"
    return f"the calendar server answered HTTP {status} for {href}"


def _etag(props: dict | None) -> str:
    return str((props or {}).get("{DAV:}getetag", "") or "")


def _host(url: str) -> str:
    """'host:port' of a URL, never a user name or password written into it."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or "the configured address"


def _last_segment(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
