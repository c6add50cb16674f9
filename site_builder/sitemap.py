"""sitemap.xml: the absolute URL of every page the plan lists (all but 404 and redirects)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from xml.etree import ElementTree as ET

from . import urls
from .models import OutputFile

__all__ = ["sitemap_file"]

_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_file(base_url: str, page_paths: Sequence[str]) -> OutputFile:
    root = ET.Element("urlset", xmlns=_NS)
    for path in sorted(page_paths):
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = urls.absolute(base_url, path)
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    return OutputFile(PurePosixPath("sitemap.xml"), data)
