"""Exit 0 when the PostgreSQL server of the given URL answers, 1 otherwise."""

import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

url = sys.argv[1]
parts = urlsplit(url)
# Connect to the maintenance database: the test database itself is made by the tests.
server = urlunsplit(
    (
        parts.scheme.replace("postgres", "postgresql", 1)
        if parts.scheme == "postgres"
        else parts.scheme,
        parts.netloc,
        "/postgres",
        "",
        "",
    )
)
try:
    psycopg.connect(server, connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
sys.exit(0)
