"""The outgoing guard: what a user-given URL may reach, however the address is spelled."""

from __future__ import annotations

import ipaddress

import httpx2
import pytest

from promptpro.errors import AddressRefused
from promptpro.security.outgoing import OutgoingGuard, ResponseTooLarge, parse_address
from promptpro.testing import FakeProviderServer

# Every spelling of a forbidden address the guard must see through.
REFUSED_HOSTS = [
    "127.0.0.1",
    "127.1",  # short form
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.1",  # hex
    "0x7f000001",
    "017700000001",
    "[::1]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "localhost.",  # not a literal: resolved below
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "0xc0.0xa8.1.1",
    "[fd12:3456::1]",  # unique local
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # metadata
    "2852039166",  # 169.254.169.254 in decimal
    "[::ffff:169.254.169.254]",
    "[fd00:ec2::254]",  # AWS metadata over IPv6
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of the metadata address
    "169.254.1.1",  # link-local
    "[fe80::1]",
    "224.0.0.1",  # multicast
    "[ff02::1]",
    "0.0.0.0",  # unspecified
    "0",
    "[::]",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "metadata.google.internal",
    "metadata",
]


async def public_dns(host: str, port: int) -> list[str]:
    """Every name is public, except those a test names below."""
    return {
        "localhost": ["127.0.0.1"],
        "inside.example.com": ["10.1.2.3"],
        "mixed.example.com": ["93.184.216.34", "127.0.0.1"],
        "mapped.example.com": ["::ffff:10.0.0.1"],
        "metadata.example.com": ["169.254.169.254"],
    }.get(host, ["93.184.216.34"])


@pytest.fixture
def guard() -> OutgoingGuard:
    return OutgoingGuard(resolver=public_dns)


@pytest.mark.parametrize("host", REFUSED_HOSTS)
async def test_every_spelling_of_a_forbidden_address_is_refused(
    guard: OutgoingGuard, host: str
) -> None:
    with pytest.raises(AddressRefused):
        target = guard.check_url(f"http://{host}:8080/v1")
        await guard.resolve(target.host, target.port)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("0x7f.0.1", "127.0.0.1"),
    ],
)
def test_odd_spellings_are_read_as_the_c_library_reads_them(host: str, address: str) -> None:
    parsed, canonical = parse_address(host)
    assert parsed == ipaddress.ip_address(address)
    assert not canonical


def test_an_odd_spelling_says_which_address_it_is(guard: OutgoingGuard) -> None:
    with pytest.raises(AddressRefused, match=r"0177\.0\.0\.1 is 127\.0\.0\.1"):
        guard.check_url("http://0177.0.0.1/")


def test_an_odd_spelling_of_a_public_address_is_refused_too(guard: OutgoingGuard) -> None:
    with pytest.raises(AddressRefused, match="Write the address"):
        guard.check_url("http://134744072/")  # 8.8.8.8


@pytest.mark.parametrize(
    "host",
    ["inside.example.com", "mixed.example.com", "mapped.example.com", "metadata.example.com"],
)
async def test_a_name_that_resolves_to_a_forbidden_address_is_refused(
    guard: OutgoingGuard, host: str
) -> None:
    target = guard.check_url(f"https://{host}/v1")  # a name looks fine until resolved
    with pytest.raises(AddressRefused, match="resolves to"):
        await guard.resolve(target.host, target.port)


async def test_a_public_name_and_address_pass(guard: OutgoingGuard) -> None:
    target = guard.check_url("https://api.example.com/v1")
    assert target.origin == "https://api.example.com:443"
    assert await guard.resolve(target.host, target.port) == ["93.184.216.34"]
    assert guard.check_url("http://8.8.8.8:8080/").origin == "http://8.8.8.8:8080"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "http://user:secret@example.com/",
        "http:///nohost",
        "http://example.com:99999/",
    ],
)
def test_only_plain_http_and_https_urls_are_taken(guard: OutgoingGuard, url: str) -> None:
    with pytest.raises(AddressRefused):
        guard.check_url(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "10.0.0.1", "192.168.1.20", "localhost"])
async def test_allowing_private_endpoints_lets_loopback_and_lan_through(host: str) -> None:
    guard = OutgoingGuard(allow_private=True, resolver=public_dns)
    target = guard.check_url(f"http://{host}:11434/v1")
    assert await guard.resolve(target.host, target.port)


@pytest.mark.parametrize(
    "host", ["169.254.169.254", "[fd00:ec2::254]", "metadata.google.internal", "0.0.0.0"]
)
def test_metadata_and_unspecified_addresses_stay_refused_when_private_ones_are_allowed(
    host: str,
) -> None:
    with pytest.raises(AddressRefused):
        OutgoingGuard(allow_private=True).check_url(f"http://{host}/")


# The connection itself


async def test_the_connection_goes_to_the_checked_address_with_the_name_kept(
    fake: FakeProviderServer,
) -> None:
    seen: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        seen.append(host)
        return ["127.0.0.1"]

    guard = OutgoingGuard(allow_private=True, resolver=resolver)
    async with guard.client() as client:
        response = await client.get(f"http://llm.example.test:{fake.port}/v1/models")
    assert response.status_code == 200
    assert seen == ["llm.example.test"]  # resolved by the guard, once
    assert fake.last_request.headers["host"] == f"llm.example.test:{fake.port}"


async def test_a_name_resolving_to_loopback_is_never_connected_to(fake: FakeProviderServer) -> None:
    async def rebinding(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    guard = OutgoingGuard(resolver=rebinding)
    async with guard.client() as client:
        with pytest.raises(AddressRefused, match="loopback"):
            await client.get(f"http://public.example.test:{fake.port}/v1/models")
    assert fake.requests == []


async def test_a_redirect_to_a_private_address_is_not_followed(fake: FakeProviderServer) -> None:
    fake.redirect_models_to = "http://169.254.169.254/latest/meta-data/"
    guard = OutgoingGuard(allow_private=True)
    async with guard.client() as client:
        response = await client.get(f"{fake.openai_base_url}/models")
    assert response.status_code == 302
    assert len(fake.requests) == 1


async def test_a_response_past_the_size_limit_is_cut_off(fake: FakeProviderServer) -> None:
    fake.models = [f"model-{n}" for n in range(100)]
    guard = OutgoingGuard(allow_private=True, max_response_bytes=256)
    async with guard.client() as client:
        with pytest.raises(ResponseTooLarge):
            await client.get(f"{fake.openai_base_url}/models")


async def test_a_proxy_from_the_environment_is_not_used(
    fake: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    guard = OutgoingGuard(allow_private=True)
    async with guard.client() as client:
        assert (await client.get(f"{fake.openai_base_url}/models")).status_code == 200


async def test_a_slow_resolver_is_given_up_on() -> None:
    import asyncio

    async def hanging(host: str, port: int) -> list[str]:
        await asyncio.sleep(10)
        return []

    guard = OutgoingGuard(resolver=hanging, timeout=0.05)
    with pytest.raises(AddressRefused, match="could not be resolved"):
        await guard.resolve("slow.example.com", 443)


def test_the_client_follows_no_redirects_and_trusts_no_environment() -> None:
    client = OutgoingGuard().client()
    assert isinstance(client, httpx2.AsyncClient)
    assert client.follow_redirects is False
    assert client.trust_env is False
