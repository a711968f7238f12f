"""Deterministic demo data: the shop "Tienda Sol" and bulk-generated contacts.

A plain package (not a Django app): `catalog` holds the content, `generator` plans the data
without touching the database, `bulk` writes plans fast, `seed` ties them together.
"""

DEFAULT_SEED = 42
