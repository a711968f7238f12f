"""The fast path that writes a demo plan: multi-row inserts with reserved ids.

Creating a million contacts one service call at a time would take hours, so the demo writes
the same rows the services would (customers, identities, cases, contacts, inbound messages,
typed case events, search documents and the reason-per-day roll-ups) with `executemany`,
one transaction per batch. Ids are reserved up front so that rows can point at each other
without reading anything back. SQLite (inside the batch's IMMEDIATE transaction) and
PostgreSQL (from the table's sequence; rows go in with COPY) are supported.

Fields a model gains later are filled with their default, so the writer keeps working when
models grow; a new required field without a default makes it fail loudly.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model

from motivo.cases.models import Case, CaseEvent, Contact, Message
from motivo.customers.models import Customer, Identity
from motivo.demo.generator import CasePlan, CustomerPlan
from motivo.insights.models import ReasonDayCount
from motivo.promises.demo import BulkPromises
from motivo.search.models import SearchDocument
from motivo.search.services import search_index_pending

# On SQLite new search documents are indexed in batches (search/migrations/0003): the
# writer indexes its own batch before commit, so the first search has nothing to catch up.
SQLITE_CACHE_KIB = 512 * 1024


class _Table:
    """A prepared INSERT for `model` taking the given attributes, in order. Other fields
    get their default: computed once, or per row when the default is callable."""

    def __init__(
        self, connection: Any, model: type[Model], attnames: Sequence[str], tail: str = ""
    ):
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        extras = [
            f
            for f in meta.concrete_fields
            if f.attname not in attnames and not (f.primary_key and f.auto_created)
        ]
        self.connection = connection
        self.per_row = [f for f in extras if f.has_default() and callable(f.default)]
        constant = [f for f in extras if f not in self.per_row]
        self.extra_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in constant)
        qn = connection.ops.quote_name
        columns = [by_attname[a].column for a in attnames]
        columns += [f.column for f in constant] + [f.column for f in self.per_row]
        self.table = meta.db_table
        # PostgreSQL: plain inserts go through COPY, much faster than one INSERT
        # per row (an ON CONFLICT tail needs INSERT).
        self.copy_sql = (
            "COPY {} ({}) FROM STDIN".format(qn(self.table), ", ".join(qn(c) for c in columns))
            if connection.vendor == "postgresql" and not tail
            else None
        )
        self.sql = "INSERT INTO {} ({}) VALUES ({}){}".format(  # noqa: S608 - model names
            qn(self.table),
            ", ".join(qn(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
            tail,
        )

    def insert(self, cursor: Any, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.extra_values:
            rows = [row + self.extra_values for row in rows]
        if self.per_row:
            rows = [
                row
                + tuple(f.get_db_prep_save(f.get_default(), self.connection) for f in self.per_row)
                for row in rows
            ]
        if self.copy_sql is not None:
            with cursor.cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cursor.executemany(self.sql, rows)


@dataclass
class WriteCount:
    customers: int = 0
    cases: int = 0
    contacts: int = 0
    messages: int = 0
    events: int = 0


class BulkWriter:
    """Writes plans on one database connection. Call inside `transaction.atomic()`."""

    def __init__(self, *, using: str = "default", rich: bool) -> None:
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError("The demo data writer supports SQLite and PostgreSQL.")
        self.rich = rich
        conn = self.connection
        qn = conn.ops.quote_name
        self.customers = _Table(
            conn,
            Customer,
            ("id", "name", "language", "preferred_channel", "created_at", "tier_id"),
        )
        self.identities = _Table(
            conn,
            Identity,
            ("id", "customer_id", "kind", "value", "created_at"),
            " ON CONFLICT ({}, {}) DO NOTHING".format(qn("kind"), qn("value")),
        )
        self.cases = _Table(
            conn,
            Case,
            (
                "id", "subject", "customer_id", "status", "channel", "team_id", "assignee_id",
                "created_at", "last_activity_at", "first_reply_at", "resolved_at",
                "tier_id", "first_answer_due_at", "first_answer_target_at", "resolution_due_at",
                "resolution_target_at", "promise_ends_at", "first_resolved_at",
            ),
        )  # fmt: skip
        self.promises = BulkPromises()  # tiers, due times and their roll-up (motivo.promises)
        self.contacts = _Table(
            conn,
            Contact,
            ("id", "case_id", "customer_id", "channel", "received_at", "reason_id", "created_at"),
        )
        self.messages = _Table(
            conn,
            Message,
            ("id", "case_id", "kind", "contact_id", "author_id", "body", "created_at"),
        )
        self.events = _Table(
            conn, CaseEvent, ("id", "case_id", "kind", "actor_id", "created_at", "data")
        )
        self.documents = _Table(
            conn,
            SearchDocument,
            ("id", "kind", "object_id", "case_id_ref", "customer_id_ref", "text"),
        )
        rdc = qn(ReasonDayCount._meta.db_table)
        self.rollups = _Table(
            conn,
            ReasonDayCount,
            ("day", "reason_id", "channel", "count"),
            " ON CONFLICT ({}, {}, {}) DO UPDATE SET {} = {}.{} + excluded.{}".format(
                qn("day"), qn("reason_id"), qn("channel"),
                qn("count"), rdc, qn("count"), qn("count"),
            ),
        )  # fmt: skip
        self._json_field = CaseEvent._meta.get_field("data")
        if self.vendor == "sqlite":
            with conn.cursor() as cursor:
                # Big loads touch every index of the case tables: give this connection room.
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    # -- value adapters ------------------------------------------------------------------

    def at(self, ts: int | None) -> Any:
        """A timestamp as the database column expects it (UTC text on SQLite)."""
        if ts is None:
            return None
        if self.vendor == "sqlite":
            return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))
        return dt.datetime.fromtimestamp(ts, dt.UTC)

    def day(self, day: dt.date) -> Any:
        return day.isoformat() if self.vendor == "sqlite" else day

    def data(self, value: dict) -> Any:
        if self.vendor == "sqlite":
            return json.dumps(value)
        return self._json_field.get_db_prep_save(value, self.connection)

    # -- ids -----------------------------------------------------------------------------

    def reserve(self, cursor: Any, model: type[Model], count: int) -> Sequence[int]:
        """`count` fresh primary keys for `model` (inside the write transaction)."""
        if count == 0:
            return ()
        table = model._meta.db_table
        if self.vendor == "sqlite":
            cursor.execute(f'SELECT MAX("id") FROM "{table}"')  # noqa: S608 - model table
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            first = max(top, row[0] if row else 0) + 1
            return range(first, first + count)
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]

    def _insert_documents(self, cursor: Any, rows: list[tuple]) -> None:
        if not rows:
            return
        self.documents.insert(cursor, rows)
        search_index_pending()

    def _check_transaction(self) -> None:
        if not self.connection.in_atomic_block:
            raise RuntimeError("BulkWriter must run inside transaction.atomic().")

    # -- writers -------------------------------------------------------------------------

    def write_customers(self, plans: Sequence[CustomerPlan]) -> list[int]:
        """Customers with their identities and search documents; returns their ids."""
        self._check_transaction()
        with self.connection.cursor() as cursor:
            ids = self.reserve(cursor, Customer, len(plans))
            identity_count = sum(bool(p.email) + bool(p.phone) for p in plans)
            identity_ids = iter(self.reserve(cursor, Identity, identity_count))
            doc_ids = iter(self.reserve(cursor, SearchDocument, len(plans)))
            customers, identities, documents = [], [], []
            for customer_id, plan in zip(ids, plans, strict=True):
                created = self.at(plan.created_ts)
                customers.append(
                    (
                        customer_id, plan.name, plan.language, plan.preferred_channel, created,
                        self.promises.tier_of(customer_id),
                    )
                )  # fmt: skip
                values = []
                for kind, value in (("email", plan.email), ("phone", plan.phone)):
                    if value:
                        identities.append((next(identity_ids), customer_id, kind, value, created))
                        values.append(value)
                documents.append(
                    (
                        next(doc_ids),
                        "customer",
                        customer_id,
                        None,
                        customer_id,
                        " ".join([plan.name, *values]),
                    )
                )
            self.customers.insert(cursor, customers)
            self.identities.insert(cursor, identities)
            self._insert_documents(cursor, documents)
        return list(ids)

    def write_cases(
        self,
        plans: Sequence[CasePlan],
        *,
        customer_ids: Sequence[int],
        agent_ids: Sequence[int],
        team_ids: Sequence[int],
        reason_ids: Sequence[int],
    ) -> WriteCount:
        """Cases with their contacts, messages, events, search documents and roll-ups."""
        self._check_transaction()
        rich = self.rich
        at = self.at
        n_contacts = sum(len(p.contacts) for p in plans)
        n_messages = sum(len(p.messages) for p in plans)
        n_events = n_contacts + len(plans)
        if rich:
            n_events += sum(
                (p.assignee is not None)
                + sum(m.kind != "inbound" for m in p.messages)
                + len(p.transitions)
                + len(p.reasons_set)
                for p in plans
            )
        with self.connection.cursor() as cursor:
            case_ids = self.reserve(cursor, Case, len(plans))
            contact_ids = iter(self.reserve(cursor, Contact, n_contacts))
            message_ids = iter(self.reserve(cursor, Message, n_messages))
            event_ids = self.reserve(cursor, CaseEvent, n_events)
            doc_ids = iter(self.reserve(cursor, SearchDocument, len(plans) + n_messages))
            cases, contacts, messages, events, documents = [], [], [], [], []
            rollup: Counter[tuple[dt.date, int, str]] = Counter()
            for case_id, plan in zip(case_ids, plans, strict=True):
                customer_id = customer_ids[plan.customer]
                assignee_id = agent_ids[plan.assignee] if plan.assignee is not None else None
                team_id = team_ids[plan.team] if plan.team is not None else None
                promise = self.promises.case(
                    customer_id=customer_id, channel=plan.channel, team_id=team_id,
                    day=plan.contacts[0].day, created_ts=plan.created_ts,
                    first_reply_ts=plan.first_reply_ts, resolved_ts=plan.resolved_ts,
                )  # fmt: skip
                cases.append(
                    (
                        case_id,
                        plan.subject,
                        customer_id,
                        plan.status,
                        plan.channel,
                        team_id,
                        assignee_id,
                        at(plan.created_ts),
                        at(plan.last_activity_ts),
                        at(plan.first_reply_ts),
                        at(plan.resolved_ts),
                        promise[0],
                        *(at(ts) for ts in promise[1:]),
                    )
                )
                documents.append(
                    (next(doc_ids), "case", case_id, case_id, customer_id, plan.subject)
                )
                events.append(
                    (
                        case_id,
                        "created",
                        None,
                        at(plan.created_ts),
                        self.data({"channel": plan.channel}),
                    )
                )
                ids_of_contacts = []
                for contact in plan.contacts:
                    contact_id = next(contact_ids)
                    ids_of_contacts.append(contact_id)
                    reason_id = reason_ids[contact.reason] if contact.reason is not None else None
                    received = at(contact.ts)
                    contacts.append(
                        (
                            contact_id,
                            case_id,
                            customer_id,
                            contact.channel,
                            received,
                            reason_id,
                            received,
                        )
                    )
                    events.append(
                        (
                            case_id,
                            "contact_added",
                            None,
                            received,
                            self.data({"contact_id": contact_id, "channel": contact.channel}),
                        )
                    )
                    if reason_id is not None:
                        rollup[(contact.day, reason_id, contact.channel)] += 1
                for message in plan.messages:
                    message_id = next(message_ids)
                    author_id = agent_ids[message.author] if message.author is not None else None
                    contact_id = (
                        ids_of_contacts[message.contact] if message.contact is not None else None
                    )
                    created = at(message.ts)
                    messages.append(
                        (
                            message_id,
                            case_id,
                            message.kind,
                            contact_id,
                            author_id,
                            message.body,
                            created,
                        )
                    )
                    documents.append(
                        (next(doc_ids), "message", message_id, case_id, customer_id, message.body)
                    )
                    if rich and message.kind != "inbound":
                        kind = "replied" if message.kind == "reply" else "note_added"
                        events.append(
                            (
                                case_id,
                                kind,
                                author_id,
                                created,
                                self.data({"message_id": message_id}),
                            )
                        )
                if not rich:
                    continue
                if assignee_id is not None:
                    events.append(
                        (
                            case_id,
                            "assigned",
                            None,
                            at(plan.assigned_ts),
                            self.data({"assignee_id": assignee_id, "team_id": team_id}),
                        )
                    )
                for ts, old, new, actor in plan.transitions:
                    events.append(
                        (
                            case_id,
                            "status_changed",
                            agent_ids[actor] if actor is not None else None,
                            at(ts),
                            self.data({"from": old, "to": new}),
                        )
                    )
                for ts, index, actor in plan.reasons_set:
                    reason = plan.contacts[index].reason
                    events.append(
                        (
                            case_id,
                            "reason_set",
                            agent_ids[actor] if actor is not None else None,
                            at(ts),
                            self.data(
                                {
                                    "contact_id": ids_of_contacts[index],
                                    "from": None,
                                    "to": reason_ids[reason] if reason is not None else None,
                                }
                            ),
                        )
                    )
            if rich:  # in time order within each case, as the services would write them
                events.sort(key=lambda row: (row[0], row[3]))
            events = [(event_id, *row) for event_id, row in zip(event_ids, events, strict=True)]
            self.cases.insert(cursor, cases)
            self.contacts.insert(cursor, contacts)
            self.messages.insert(cursor, messages)
            self.events.insert(cursor, events)
            self._insert_documents(cursor, documents)
            self.rollups.insert(
                cursor,
                [
                    (self.day(day), reason_id, channel, count)
                    for (day, reason_id, channel), count in sorted(rollup.items())
                ],
            )
            self.promises.flush(cursor, self.day)
        return WriteCount(
            cases=len(cases), contacts=len(contacts), messages=len(messages), events=len(events)
        )

    def analyze(self) -> None:
        """Refresh the query planner's statistics after a big load."""
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("PRAGMA analysis_limit=1000")
                cursor.execute("ANALYZE")
            else:
                for model in (Customer, Identity, Case, Contact, Message, CaseEvent):
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
