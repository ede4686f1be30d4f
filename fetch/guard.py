"""Which addresses a user's URL may reach: public ones, plus an explicit allow-list.

The check resolves the name once and returns the address to connect to, so the connection
goes exactly where the check looked (no DNS-rebinding window). Every spelling of an address
(``2130706433``, ``0x7f000001``, ``127.1``, ``::ffff:127.0.0.1``) is resolved by the system
first, so it is judged by what it really is.
"""

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(Exception):
    """The URL's host resolves to an address the policy forbids."""


def _normalise(address: str) -> IPAddress:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_allowed(ip: IPAddress, allow: tuple[Network, ...]) -> bool:
    """Public unicast addresses, or any address inside an allow-listed network."""
    if any(ip.version == net.version and ip in net for net in allow):
        return True
    return ip.is_global and not ip.is_multicast


def resolve_pinned(host: str, port: int, allow: tuple[Network, ...]) -> IPAddress:
    """Resolve ``host`` and return the first address, or raise BlockedAddress / OSError."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise OSError(f"{host} did not resolve")
    ip = _normalise(infos[0][4][0])
    if not is_allowed(ip, allow):
        raise BlockedAddress(f"{host} resolves to {ip}, a private or reserved address")
    return ip
