"""Which network addresses a webhook may reach (server-side request forgery guard).

A webhook URL is given by a user, and the server connects to it: without a check, a user
could make the server talk to itself (``127.0.0.1``, ``localhost``, ``[::1]``,
``2130706433``), to the cloud metadata service (``169.254.169.254``) or to the private
network, and read the error messages as a port scanner. So:

* the host is resolved and **every** address it resolves to must be a public internet
  address (:func:`is_public`: not loopback, private, link-local, shared, multicast, reserved
  or unspecified; IPv4 embedded in IPv6, i.e. ``::ffff:a.b.c.d``, 6to4, Teredo and NAT64, is
  checked as IPv4), or lie in an explicitly allowed network (``HAZATLAS_WEBHOOK_ALLOW_NETWORKS``,
  for tests and private deployments);
* this is checked when a contact is saved and again at each connection, and the connection
  goes to the address that was checked (:class:`Target`.``ip``; the ``Host`` header and TLS
  server name keep the URL's host), so a DNS answer that changes in between (DNS rebinding)
  is not used; redirects are never followed.

The message of :class:`AddressNotAllowed` is the same whether the host did not resolve or
resolved to a refused address (a user learns nothing about the internal network); the
reason is in ``detail``, for the server log and the audit log.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from hazatlas.domain.errors import HazatlasError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``resolve(host, port)`` -> the host's addresses as text (``socket.getaddrinfo`` by default).
Resolver = Callable[[str, int], list[str]]

ALLOW_SETTING = "HAZATLAS_WEBHOOK_ALLOW_NETWORKS"
NOT_ALLOWED = (
    "webhook URL not allowed: its host must resolve to public internet addresses only "
    f"(not loopback, private, link-local or reserved; an administrator can allow networks "
    f"with {ALLOW_SETTING})"
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressNotAllowed(HazatlasError):
    """The URL's host is unknown or resolves to an address a webhook may not reach."""

    def __init__(self, detail: str) -> None:
        super().__init__(NOT_ALLOWED)
        self.detail = detail


class HostNotResolved(AddressNotAllowed):
    """The host name could not be resolved (now): refused when a contact is saved, but a
    delivery tries again later, as after a connection failure (DNS outages pass)."""


def parse_networks(text: str | Iterable[str], name: str = ALLOW_SETTING) -> tuple[Network, ...]:
    """``"127.0.0.0/8, ::1"`` -> networks (a bare address is a network of one address).

    >>> parse_networks("127.0.0.0/8, ::1")
    (IPv4Network('127.0.0.0/8'), IPv6Network('::1/128'))
    """
    items = text.replace(";", ",").split(",") if isinstance(text, str) else list(text)
    out: list[Network] = []
    for item in (x.strip() for x in items):
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"{name}: {item!r} is not a network; expected CIDR such as '10.0.0.0/8' or an "
                "address, separated by commas"
            ) from exc
    return tuple(out)


def _embedded(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses carried inside an IPv6 address (mapped, 6to4, Teredo, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [x for x in found if x is not None]


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` (and any IPv4 address embedded in it) is a public unicast address.

    >>> [is_public(ipaddress.ip_address(a)) for a in ("8.8.8.8", "10.1.2.3", "::ffff:127.0.0.1")]
    [True, False, False]
    """
    for x in [ip, *_embedded(ip)]:
        if (
            not x.is_global
            or x.is_multicast
            or x.is_reserved
            or x.is_unspecified
            or x.is_loopback
            or x.is_link_local
        ):
            return False
    return True


def address_allowed(ip: IPAddress, networks: Iterable[Network] = ()) -> bool:
    """Public, or inside one of the explicitly allowed ``networks``."""
    candidates = [ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip]
    for net in networks:
        if any(c.version == net.version and c in net for c in candidates):
            return True
    return is_public(ip)


def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (numbers such as ``2130706433`` too)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``ip``) and what to name (``host`` in ``Host``/SNI)."""

    url: httpx.URL
    host: str
    port: int
    ip: str

    @property
    def pinned_url(self) -> httpx.URL:
        """The URL with the checked address in place of the host."""
        return self.url.copy_with(host=self.ip)

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")


def check_url(
    url: str,
    *,
    allow_http: bool = False,
    networks: Iterable[Network] = (),
    resolve: Resolver = system_resolve,
) -> Target:
    """Check a webhook URL and resolve its host; raise :class:`ValueError` for a malformed
    URL or a wrong scheme, :class:`AddressNotAllowed` for an address it may not reach."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ValueError(f"not a valid URL ({exc})") from exc
    if parsed.scheme != "https" and not (parsed.scheme == "http" and allow_http):
        raise ValueError("expected an https:// URL")
    try:
        host = parsed.raw_host.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValueError("the host name is not valid") from exc
    if not host:
        raise ValueError("the URL has no host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        resolved = resolve(host, port)
    except UnicodeError as exc:
        raise AddressNotAllowed(f"{host}: not a resolvable name ({exc})") from exc
    except OSError as exc:  # socket.gaierror among them: unknown now, perhaps not later
        raise HostNotResolved(f"{host}: not resolved ({type(exc).__name__}: {exc})") from exc
    try:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved]
    except ValueError as exc:
        raise AddressNotAllowed(f"{host}: resolved to a non-address ({exc})") from exc
    networks = tuple(networks)
    refused = [str(a) for a in addresses if not address_allowed(a, networks)]
    if not addresses or refused:
        raise AddressNotAllowed(f"{host} resolves to refused addresses {refused or 'none'}")
    return Target(parsed, host, port, str(addresses[0]))
