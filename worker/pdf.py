"""HTML to PDF with WeasyPrint, without ever reaching the network.

A rendered document may name two kinds of resource: the project's static files (its links,
``{% static %}``, resolve against ``DOCUMENT_ORIGIN``) and the system's DejaVu fonts (``file:``
URLs under ``FONT_DIR``, in the ``@font-face`` rules made here). ``local_file`` decides, and
refuses every other URL: no request leaves the machine (SSRF) and no other file is read.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation

#: The base URL a document is rendered against: never fetched, only mapped to static files.
DOCUMENT_ORIGIN = "https://casusregie.invalid"
#: Debian's fonts-dejavu-core; WeasyPrint embeds the glyphs it uses.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FACES = (
    ("normal", "normal", "DejaVuSans.ttf"),
    ("bold", "normal", "DejaVuSans-Bold.ttf"),
    ("normal", "italic", "DejaVuSans-Oblique.ttf"),
)


class RefusedURL(ValueError):
    """A URL a document may not make the renderer read."""


def local_file(url: str) -> Path:
    """The file that ``url`` in a rendered document stands for: a static file of the project
    (``DOCUMENT_ORIGIN`` + ``STATIC_URL``) or a font under ``FONT_DIR`` (``file:``). Anything
    else — another host, another scheme (``http:``, ``data:``, ``ftp:``), a file elsewhere or a
    path that climbs out (``..``) — raises ``RefusedURL``: guards against the renderer calling
    into the network (SSRF) or reading files it has no business with."""
    parts = urlsplit(url)
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if f"{parts.scheme}://{parts.netloc}" == DOCUMENT_ORIGIN and parts.path.startswith(
        static_prefix
    ):
        relative = unquote(parts.path[len(static_prefix) :])
        try:
            found = finders.find(relative) if ".." not in Path(relative).parts else None
        except SuspiciousFileOperation:
            found = None
        if found:
            return Path(found)
        raise RefusedURL(f"no such static file: {url}")
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        path = Path(url2pathname(parts.path)).resolve()
        if path.is_relative_to(FONT_DIR.resolve()) and path.is_file():
            return path
    raise RefusedURL(f"refused: {url}")


def font_faces() -> str:
    """``@font-face`` rules for DejaVu Sans from the local font files."""
    return "\n".join(
        f'@font-face {{ font-family: "DejaVu Sans"; font-weight: {weight}; '
        f'font-style: {style}; src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for weight, style, name in FONT_FACES
    )


def css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def render_pdf(html: str, *, footer: str, page_label: str) -> bytes:
    """The PDF of ``html`` (a whole document, its stylesheet a static file), with ``footer`` at
    the bottom left of each page and "``page_label`` n / m" at the right."""
    # Imported here, not at the top: WeasyPrint loads Pango when imported, and the site must
    # start (and every other page work) where only the PDF would need it.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = local_file(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
            )

    fetcher = LocalOnly()
    fonts = FontConfiguration()
    page = (
        f"@page {{ @bottom-left {{ content: {css_string(footer)}; }} "
        f'@bottom-right {{ content: {css_string(page_label)} " " counter(page) " / " '
        f"counter(pages); }} }}"
    )
    stylesheet = CSS(string=font_faces() + "\n" + page, font_config=fonts, url_fetcher=fetcher)
    return HTML(string=html, base_url=DOCUMENT_ORIGIN + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet], font_config=fonts
    )
