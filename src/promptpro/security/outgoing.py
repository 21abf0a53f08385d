"""The one guard for outgoing requests to URLs a user gave (own endpoints, image URLs).

A URL a user types must not make the server reach what only the server can reach: its
own loopback, the private network it sits on, or a cloud metadata service holding its
credentials (server-side request forgery). So:

- only http and https, no credentials in the URL;
- the host is resolved and every address checked: loopback, private, link-local,
  multicast, unspecified, reserved and cloud metadata addresses are refused, however
  spelled (IPv4-mapped IPv6, decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`,
  short `127.1`); `allow_private` (PROMPTPRO_ALLOW_PRIVATE_ENDPOINTS) lets loopback and
  private addresses through, for Ollama on the same machine, never metadata addresses;
- the connection goes to an address that was checked: the HTTP client's resolver *is*
  the guard (`GuardedResolver`), so the name is resolved once per connection and that
  answer is what is connected to — a DNS answer that changes between a check and the
  connection (DNS rebinding) has nothing to slip through. TLS still checks the
  certificate against the name (SNI and Host stay the name);
- redirects are never followed, and a response is cut off past a size and time limit.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

import aiohttp
import httpx2
from aiohttp.abc import AbstractResolver, ResolveResult

from promptpro.errors import AddressRefused

if TYPE_CHECKING:
    import ssl

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolves (host, port) to address strings; injectable so tests can play DNS."""

# Names of metadata services that resolve (inside a cloud) to its metadata address.
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.oraclecloud.com",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle...
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.169.253",  # AWS DNS
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
    )
)
# Ranges ipaddress does not flag but no endpoint of a user's lives in.
_ALWAYS_REFUSED = (
    (ipaddress.ip_network("0.0.0.0/8"), "an unspecified address"),
    (ipaddress.ip_network("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Ranges ipaddress counts as private that are no more reachable on a LAN than reserved
# ones (documentation, benchmarking, IETF protocol assignments).
_NOT_A_LAN = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "2001:db8::/32",
    )
)
# One part of a numeric IPv4 spelling as inet_aton() takes it: decimal, 0-octal or 0x-hex.
_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the syntactic checks: its scheme, host (lower case) and port."""

    scheme: str
    host: str
    port: int

    @property
    def origin(self) -> str:
        """`scheme://host:port`, what a stored key is bound to."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """The address the C library's inet_aton() reads in `host` (None: not numeric).

    It takes 1 to 4 parts, each decimal, 0-octal or 0x-hex; the last fills the bytes left:
    `127.1` is 127.0.0.1, `2130706433` is 127.0.0.1, `0x7f.1` too.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        return None
    try:
        values = [
            int(p, 16) if p[:2] in ("0x", "0X") else int(p, 8 if p[0] == "0" else 10) for p in parts
        ]
    except ValueError:
        return None  # `09` is no octal number, `0x` no hex one: not an address at all
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for value in head:
        number = number << 8 | value
    number = number << 8 * (4 - len(head)) | last
    return ipaddress.IPv4Address(number)


def parse_address(host: str) -> tuple[IPAddress | None, bool]:
    """The address a host names literally, and whether that spelling is the canonical one.

    (None, True): a name, not an address.
    """
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        odd = _inet_aton(bare.rstrip("."))
        return (odd, False) if odd is not None else (None, True)
    return address, True


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, compatible), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d, the deprecated form
        return ipaddress.IPv4Address(int(address))
    return None


def refusal(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why an address may not be reached (None: it may), e.g. "a loopback address"."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded, allow_private=allow_private)
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return "a link-local address"
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for network, reason in _ALWAYS_REFUSED:
        if address in network:
            return reason
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_loopback:
        return None if allow_private else "a loopback address"
    if address.is_private:
        if allow_private and not any(address in network for network in _NOT_A_LAN):
            return None
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "not a public address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (getaddrinfo)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class OutgoingGuard:
    """Checks URLs and resolves hosts to addresses that may be reached; see the module."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver or system_resolver
        self.max_response_bytes = max_response_bytes
        self.timeout = timeout

    def check_url(self, url: str, *, field: str = "baseUrl") -> Target:
        """The URL's target, or AddressRefused when its form alone rules it out."""
        try:
            parts: SplitResult = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise AddressRefused(f"{url!r} is not a valid URL ({exc}).", field=field) from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise AddressRefused("Only http:// and https:// URLs may be used.", field=field)
        if parts.username is not None or parts.password is not None:
            raise AddressRefused(
                "A URL may not carry a user name or password: give the key separately.",
                field=field,
            )
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise AddressRefused("The URL has no host.", field=field)
        self._check_host(host, field)
        return Target(scheme, host, port or (443 if scheme == "https" else 80))

    def _check_host(self, host: str, field: str) -> None:
        if host in METADATA_NAMES:
            raise AddressRefused(f"{host} is a cloud metadata service.", field=field)
        address, canonical = parse_address(host)
        if address is None:
            return
        reason = refusal(address, allow_private=self.allow_private)
        if reason is not None:
            said = "" if canonical else f" ({host} is {address})"
            raise AddressRefused(
                f"{address} is {reason}{said}: it may not be reached.", field=field
            )
        if not canonical:
            raise AddressRefused(
                f"Write the address {host} as {address}: other spellings are refused.", field=field
            )

    async def resolve(self, host: str, port: int, *, field: str = "baseUrl") -> list[str]:
        """The host's addresses, every one of them checked (AddressRefused if any is not fit).

        One unfit address refuses the host: a name that also points inside is a trap.
        """
        host = host.rstrip(".").lower()
        self._check_host(host, field)
        address, _ = parse_address(host)
        if address is not None:
            return [str(address)]
        try:
            async with asyncio.timeout(self.timeout):
                found = await self.resolver(host, port)
        except (OSError, TimeoutError) as exc:
            raise AddressRefused(f"{host} could not be resolved ({exc}).", field=field) from None
        if not found:
            raise AddressRefused(f"{host} has no address.", field=field)
        checked = []
        for text in found:
            resolved = ipaddress.ip_address(text.split("%")[0])
            reason = refusal(resolved, allow_private=self.allow_private)
            if reason is not None:
                raise AddressRefused(
                    f"{host} resolves to {resolved}, {reason}: it may not be reached.", field=field
                )
            checked.append(str(resolved))
        return checked

    def client(
        self, *, ssl_context: ssl.SSLContext | bool = True, timeout: float | None = None
    ) -> httpx2.AsyncClient:
        """An HTTP client that only ever connects through this guard, never follows redirects.

        It is the client the OpenAI SDK takes (`http_client=`), on the same aiohttp
        transport as the built-in providers' clients.
        """
        # Imported here: the SDK package is slow to import and only runs need it.
        from openai._vendor.httpx_aiohttp.transport import AiohttpTransport

        def session() -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self), ssl=ssl_context, limit=100
            )
            return aiohttp.ClientSession(connector=connector, trust_env=False)

        inner = AiohttpTransport(client=session)
        limit = timeout or self.timeout
        return httpx2.AsyncClient(
            transport=GuardedTransport(self, inner),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would connect for us, unchecked
            timeout=httpx2.Timeout(limit),
        )


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, answered by the guard: a connection only goes to a checked address."""

    def __init__(self, guard: OutgoingGuard) -> None:
        self.guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self.guard.resolve(host, port)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release."""


class ResponseTooLarge(Exception):
    """The response went past the guard's size limit."""


class _LimitedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, limit: int) -> None:
        self.inner = inner
        self.limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self.inner:
            seen += len(chunk)
            if seen > self.limit:
                raise ResponseTooLarge(f"The response is larger than {self.limit} bytes.")
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class GuardedTransport(httpx2.AsyncBaseTransport):
    """Checks each request's URL before it leaves and caps each response's size."""

    def __init__(self, guard: OutgoingGuard, inner: httpx2.AsyncBaseTransport) -> None:
        self.guard = guard
        self.inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.guard.check_url(str(request.url))
        response = await self.inner.handle_async_request(request)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_LimitedStream(response.stream, self.guard.max_response_bytes),
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
