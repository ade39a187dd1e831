"""Who may use the viewer: the Host of every request, the Origin of the WebSocket, the token.

- Host: every HTTP request and WebSocket must name a loopback name (127.0.0.1, localhost, [::1]),
  the host the server listens on, or the address the connection arrived at, with the port it
  arrived at. Anything else (a DNS-rebinding page's own name, for one) gets 403.
- Origin (WebSocket): when present it must be http(s)://<the request's Host>, so a page from any
  other origin, another port of this machine included, cannot open /ws. Browsers always send an
  Origin with a WebSocket; clients that are not browsers send none and are let through (they still
  pass the Host and token checks).
- Token: required whenever one is set: always when the server listens beyond loopback (generated
  when not given), and on loopback when one is given. It comes as `?token=` on the page's address
  (the answer stores it in an HttpOnly, SameSite=Strict cookie and redirects to the same address
  without it), as that cookie, as `?token=` on any API or WebSocket URL, or as an
  `Authorization: token <t>` (or `Bearer <t>`) header.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
TOKEN_PARAMETER = "token"
POLICY_VIOLATION = 1008  # WebSocket close code


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the server on this machine (every address it names is a
    loopback address)."""
    name = host.strip("[]").lower()
    if name in WILDCARDS:
        return False
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback
                               for info in infos)


def choose_token(host: str, token: str | None) -> str | None:
    """The token the server requires: `token` when given, a new random one when listening beyond
    loopback, else None (no token)."""
    if token:
        return token
    return None if is_loopback(host) else secrets.token_urlsafe(24)


def browse_host(host: str) -> str:
    """The host part of a URL that reaches a server listening on `host` from this machine."""
    name = host.strip("[]")
    if name in WILDCARDS:
        return "[::1]" if name == "::" else "127.0.0.1"
    return f"[{name}]" if ":" in name else name


def page_url(host: str, port: int, token: str | None, run: str | None = None) -> str:
    """The address to open: the run list, or run `run`'s page, with the token when there is one."""
    query = f"?{urlencode({TOKEN_PARAMETER: token})}" if token else ""
    fragment = f"#/run/{quote(run, safe='')}" if run else ""
    return f"http://{browse_host(host)}:{port}/{query}{fragment}"


def exposure_warning(host: str) -> str | None:
    """What to tell the user when the server listens beyond loopback, else None."""
    if is_loopback(host):
        return None
    where = "every network interface" if host.strip("[]") in WILDCARDS else host
    return (f"the viewer listens on {where}: anyone who can reach this machine may try it. It "
            "asks for the token in the printed address; share that address only with people "
            "who may see your runs, and prefer --host 127.0.0.1 with an SSH tunnel on networks "
            "you do not trust (the traffic is not encrypted).")


@dataclass(frozen=True)
class AccessPolicy:
    """The rules for one server: the host it listens on and its token (None: no token)."""

    host: str
    token: str | None

    def cookie_name(self, port: int) -> str:
        # cookies are shared by every port of a host: one name per port keeps viewers apart
        return f"neat-viewer-token-{port}"

    def host_problem(self, scope: Scope, headers: Headers) -> str | None:
        """Why the request's Host header is refused, or None."""
        server = scope.get("server") or ("", 0)
        value = headers.get("host")
        if not value:
            return "requests must carry a Host header"
        try:
            parts = urlsplit(f"//{value}")
            port = parts.port
        except ValueError:
            return f"Host '{value[:80]}' is not a host and port"
        default = 443 if scope.get("scheme") in ("https", "wss") else 80
        names = set(LOOPBACK_NAMES) | {_plain_address(str(server[0]))}
        bound = self.host.strip("[]").lower()
        if bound in WILDCARDS:
            names.add(socket.gethostname().lower())
        else:
            names.add(bound)
        if parts.hostname not in names or (port or default) != server[1]:
            return (f"Host '{value[:80]}' is not an address this viewer serves; open it as "
                    f"http://127.0.0.1:{server[1]}/ (or the address it printed)")
        return None

    def origin_problem(self, headers: Headers) -> str | None:
        """Why a WebSocket's Origin is refused (it must be the page's own origin), or None."""
        origin = headers.get("origin")
        if origin is None:
            return None
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != headers["host"].lower():
            return f"Origin '{origin[:80]}' may not use this viewer (same-origin pages only)"
        return None

    def given_token(self, scope: Scope, headers: Headers) -> str | None:
        """The token the request carries (query, header or cookie), if any."""
        query = _query(scope)
        if TOKEN_PARAMETER in query:
            return query[TOKEN_PARAMETER]
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() in ("token", "bearer") and value:
            return value.strip()
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header carries no token
            return None
        morsel = cookie.get(self.cookie_name((scope.get("server") or ("", 0))[1]))
        return morsel.value if morsel else None

    def token_matches(self, given: str | None) -> bool:
        return self.token is None or (
            given is not None and secrets.compare_digest(given.encode(), self.token.encode()))


def _query(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


def _plain_address(address: str) -> str:
    """`address` as the Host header would name it (IPv4-mapped IPv6 as IPv4), lower case."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address.lower()
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


class AccessGuard:
    """ASGI middleware applying an AccessPolicy to every HTTP request and WebSocket."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        policy = self.policy
        headers = Headers(scope=scope)
        problem = policy.host_problem(scope, headers)
        if problem is None and scope["type"] == "websocket":
            problem = policy.origin_problem(headers)
        given = policy.given_token(scope, headers)
        if problem is None and not policy.token_matches(given):
            problem = ("this viewer needs its token: open the address it printed "
                       "(http://HOST:PORT/?token=...)")
        if problem is not None:
            await _refuse(scope, receive, send, problem)
            return
        if (scope["type"] == "http" and policy.token and scope["path"] == "/"
                and TOKEN_PARAMETER in _query(scope)):
            await _store_token(policy, scope, given or "")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _store_token(policy: AccessPolicy, scope: Scope, token: str) -> RedirectResponse:
    """The page's address without its token, with the token stored in a cookie."""
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(policy.cookie_name(scope["server"][1]), token, httponly=True,
                        samesite="strict", path="/")
    return response


async def _refuse(scope: Scope, receive: Receive, send: Send, problem: str) -> None:
    if scope["type"] == "http":
        await JSONResponse({"detail": problem}, status_code=403)(scope, receive, send)
        return
    await receive()  # websocket.connect; closing before accepting answers the handshake with 403
    await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": problem[:120]})
