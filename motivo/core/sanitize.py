"""HTML from customers (email bodies, pasted text) is cleaned with ammonia (nh3)."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "details", "div", "em", "h1", "h2", "h3", "h4", "hr",
    "i", "li", "ol", "p", "pre", "span", "strong", "summary", "table", "tbody", "td", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip


def clean_html(html: str) -> str:
    """Keep harmless formatting; drop scripts, styles, event handlers and remote images."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={
            "a": {"href", "title"},
            "td": {"colspan", "rowspan"},
            "details": {"class"},  # "quoted": e-mail history folded away (mail/services.py)
        },
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
