"""sitemap.xml: the absolute URL of every page the plan lists (all but 404 and redirects)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from xml.etree import ElementTree as ET

from . import urls
from .models import OutputFile

__all__ = ["sitemap_file"]

_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _xml_text(text: str) -> str:
    """`text` escaped as ElementTree escapes an element's text."""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def sitemap_file(base_url: str, page_paths: Sequence[str]) -> OutputFile:
    """The bytes ElementTree writes for the indented `urlset`, written out directly: a tree
    of 36,000 elements took 83 ms at 10,000 papers, this 10 ms (a test compares the two)."""
    if not page_paths:
        return OutputFile(PurePosixPath("sitemap.xml"), element_tree_sitemap(base_url, []))
    lines = [f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{_NS}\">"]
    lines += [
        f"  <url>\n    <loc>{_xml_text(urls.absolute(base_url, path))}</loc>\n  </url>"
        for path in sorted(page_paths)
    ]
    lines.append("</urlset>\n")
    data = "\n".join(lines).encode("utf-8", "xmlcharrefreplace")
    return OutputFile(PurePosixPath("sitemap.xml"), data)


def element_tree_sitemap(base_url: str, page_paths: Sequence[str]) -> bytes:
    """The sitemap as ElementTree writes it: the reference `sitemap_file` matches."""
    root = ET.Element("urlset", xmlns=_NS)
    for path in sorted(page_paths):
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = urls.absolute(base_url, path)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
