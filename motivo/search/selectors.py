"""Full-text search over cases, messages and customers, for staff."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection

from motivo.accounts.models import User
from motivo.cases.models import Case
from motivo.customers.models import Customer
from motivo.search.models import SearchDocument
from motivo.search.services import search_index_pending

WORD = re.compile(r"\w+", re.UNICODE)
# PostgreSQL: the indexed expression, accents folded with translate() (immutable, built in;
# no extension needed). Must match search/migrations/0004 to the letter.
ACCENTED = "áàâäãéèêëíìîïóòôöõúùûüñçý"
PLAIN = "aaaaaeeeeiiiiooooouuuuncy"
PG_FOLDED_TEXT = f"translate(lower(text), '{ACCENTED}', '{PLAIN}')"
_FOLD = str.maketrans(ACCENTED, PLAIN)


def fold_accents(text: str) -> str:
    """The same folding as PG_FOLDED_TEXT, for query words (already lower case)."""
    return text.translate(_FOLD)


@dataclass
class SearchResults:
    query: str
    cases: list[Case] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)


def _matching_ids(words: list[str], limit: int, query: str = "") -> list[int]:
    if connection.vendor == "sqlite":
        match = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s "
                "ORDER BY rowid DESC LIMIT %s",  # newest first, as on PostgreSQL
                [match, limit],
            )
            return [row[0] for row in cursor.fetchall()]
    # Every word as a prefix, or the query parsed as the document was: PostgreSQL's parser
    # keeps an e-mail address as one token, which the prefix words alone would not match.
    # Accents are folded on both sides (the index expression is in search/migrations/0004).
    words = [fold_accents(word) for word in words]
    tsquery = " & ".join(f"{word}:*" for word in words)
    return list(
        SearchDocument.objects.extra(  # noqa: S610 - constant SQL, values are params
            where=[
                f"to_tsvector('simple', {PG_FOLDED_TEXT}) @@ "
                "(to_tsquery('simple', %s) || plainto_tsquery('simple', %s))"
            ],
            params=[tsquery, fold_accents(query.lower())],
        )
        .order_by("-id")
        .values_list("id", flat=True)[:limit]
    )


def search_for_user(*, user: User, query: str, limit: int = 50) -> SearchResults:
    """Cases (by subject or any message) and customers (by name or address) matching
    every word of `query` (prefixes too). Staff only: customers get nothing."""
    results = SearchResults(query=query)
    words = WORD.findall(query.lower())[:8]
    if not words or not user.is_staff_member:
        return results
    search_index_pending()
    docs = SearchDocument.objects.filter(pk__in=_matching_ids(words, limit * 4, query)).values_list(
        "kind", "case_id_ref", "customer_id_ref"
    )
    case_ids: list[int] = []
    customer_ids: list[int] = []
    for kind, case_id, customer_id in docs:
        if kind == SearchDocument.Kind.CUSTOMER:
            if customer_id not in customer_ids:
                customer_ids.append(customer_id)
        elif case_id is not None and case_id not in case_ids:
            case_ids.append(case_id)
    results.cases = list(
        Case.objects.filter(pk__in=case_ids[:limit])
        .select_related("customer", "assignee")
        .order_by("-last_activity_at")
    )
    results.customers = list(
        Customer.objects.filter(pk__in=customer_ids[:limit]).prefetch_related("identities")
    )
    return results
