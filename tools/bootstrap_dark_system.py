"""Write microblog/static/vendor/bootstrap-5.3.8-dark-system.css from the vendored Bootstrap.

Bootstrap 5.3 draws dark mode under `[data-bs-theme=dark]` only (its CSS is built with
`$color-mode-type: data`). For a reader whose setting is "system" (no data-bs-theme on <html>), this
derived file applies the same dark rules inside `@media (prefers-color-scheme: dark)`: CSS only, no script.
Run it again after upgrading Bootstrap: `python tools/bootstrap_dark_system.py`.
"""

from __future__ import annotations

import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "microblog" / "static" / "vendor"
SOURCE = VENDOR / "bootstrap-5.3.8.min.css"
TARGET = VENDOR / "bootstrap-5.3.8-dark-system.css"
DARK = "[data-bs-theme=dark]"
SYSTEM = ":root:not([data-bs-theme])"  # the page follows the system: it carries no data-bs-theme


def dark_rules(css: str) -> list[str]:
    """Every top-level rule of `css` that is for dark mode, its selectors rewritten for the system setting."""
    rules = []
    for match in re.finditer(r"(?:(?<=[{}])|^)([^{}@]+)\{([^{}]*)\}", css):
        selectors = [s for s in match.group(1).split(",") if s.startswith(DARK)]
        if selectors:  # `.navbar-dark`, `.navbar[data-bs-theme=dark]`: a component's own, not the page's
            rules.append(",".join(SYSTEM + s[len(DARK) :] for s in selectors) + "{" + match.group(2) + "}")
    return rules


def main() -> None:
    header = f"/* Derived from {SOURCE.name} (MIT) by tools/bootstrap_dark_system.py: its dark mode, for the system setting. */\n"
    TARGET.write_text(header + "@media (prefers-color-scheme: dark){" + "".join(dark_rules(SOURCE.read_text())) + "}\n")


if __name__ == "__main__":
    main()
