"""Atom 1.0 feeds (RFC 4287), written with the standard library's ElementTree: the open data
feed of changes to the public register (issue 17).

A feed has ``id``, ``title``, ``updated`` and ``author`` (so that its entries need none), its
links (``self``, ``first``, ``next`` for paging as RFC 5005 names them, ``license`` as RFC 4946
does) and ``rights``; each entry ``id``, ``title``, ``updated``, an ``alternate`` link, a
``category`` and a plain-text ``content``.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - writing only, nothing is parsed here
from collections.abc import Sequence
from dataclasses import dataclass

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"


@dataclass(frozen=True)
class Link:
    rel: str
    href: str
    type: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: dt.datetime
    content: str
    links: Sequence[Link] = ()
    category: str | None = None


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: dt.datetime
    author: str
    entries: Sequence[Entry]
    links: Sequence[Link] = ()
    rights: str | None = None
    subtitle: str | None = None


def rfc3339(when: dt.datetime) -> str:
    """An Atom date (RFC 3339, UTC, ``Z``), whole seconds.

    >>> rfc3339(dt.datetime(2026, 5, 1, 10, 2, 3, 456, tzinfo=dt.UTC))
    '2026-05-01T10:02:03Z'
    """
    if when.tzinfo is None:
        raise ValueError("an Atom date needs a time zone")
    return when.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tag(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _text(parent: ET.Element, name: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _tag(name), attrs)
    el.text = text
    return el


def _links(parent: ET.Element, links: Sequence[Link]) -> None:
    for link in links:
        attrs = {"rel": link.rel, "href": link.href}
        if link.type:
            attrs["type"] = link.type
        ET.SubElement(parent, _tag("link"), attrs)


def to_xml(feed: Feed) -> bytes:
    """The feed as an XML document (UTF-8, with its declaration)."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(_tag("feed"))
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", rfc3339(feed.updated))
    author = ET.SubElement(root, _tag("author"))
    _text(author, "name", feed.author)
    if feed.rights:
        _text(root, "rights", feed.rights)
    _text(root, "generator", "hazatlas")
    _links(root, feed.links)
    for e in feed.entries:
        entry = ET.SubElement(root, _tag("entry"))
        _text(entry, "id", e.id)
        _text(entry, "title", e.title)
        _text(entry, "updated", rfc3339(e.updated))
        _links(entry, e.links)
        if e.category:
            ET.SubElement(entry, _tag("category"), {"term": e.category})
        _text(entry, "content", e.content, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
