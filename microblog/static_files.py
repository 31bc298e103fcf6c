"""Static files and response compression (what a phone on a slow network needs).

- WhiteNoise serves `/static/`: the `.br`/`.gz` copies that `make` writes beside each file (see
  `compress_static()`), chosen by the browser's Accept-Encoding, and far-future `immutable` caching for file
  names that carry a version (`bootstrap-5.3.8.min.css`); other files are revalidated after an hour.
- Flask-Compress compresses HTML and JSON answers over `COMPRESS_MIN_SIZE` bytes; a 204 poll has no body
  and is never touched, nor is a streamed answer.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

from .extensions import compress
from .security import SECURITY_HEADERS

VERSIONED = re.compile(r"-\d+\.\d+\.\d+(\.min)?\.\w+$")  # name-1.2.3.min.css: a new version is a new name
UNVERSIONED_MAX_AGE = 3600


def is_versioned(_path: str, url: str) -> bool:
    """WhiteNoise's immutable test: the URL's file name carries its version."""
    return bool(VERSIONED.search(url))


def _add_security_headers(headers, _path: str, _url: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value


def compress_static(static_dir: Path) -> None:
    """Write the `.br` and `.gz` copies WhiteNoise serves (what `make` runs; build products, not in git)."""
    from whitenoise.compress import Compressor

    compressor = Compressor(quiet=True)
    for path in sorted(static_dir.rglob("*")):
        if path.is_file() and compressor.should_compress(path.name):
            compressor.compress(str(path))


def init_app(app: Flask) -> None:
    compress.init_app(app)
    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=app.static_folder,
        prefix=app.static_url_path,
        max_age=0 if app.debug else UNVERSIONED_MAX_AGE,
        autorefresh=app.debug,
        immutable_file_test=is_versioned,
        add_headers_function=_add_security_headers,
    )


if __name__ == "__main__":  # python -m microblog.static_files: what `make` runs
    compress_static(Path(__file__).resolve().parent / "static")
