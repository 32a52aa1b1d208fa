"""The API token check that every token request makes, as one hand-written query.

Through the ORM this lookup (token + user + team, and a membership check) took ~2 ms, almost
all of it building the SQL in Python; the query itself takes ~0.1 ms. So the SQL is written
once per process from the models' own metadata, and rows are turned into model instances with
the same converters the ORM applies (SQLite stores UUIDs, datetimes and booleans as text or
integers), so callers get ordinary `ApiToken` objects with `.user` and `.team` loaded.
The served site skips even the query for tokens it has checked lately (token_cache.py).
"""

from functools import cache
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Model

from .models import ApiToken, Membership, Team, User
from .token_cache import token_cache


def _converters(field) -> tuple:
    """What the ORM applies to this field's raw database value (see SQLCompiler), with the
    column expression the converters expect beside the value."""
    column = field.get_col(field.model._meta.db_table)
    return column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)


@cache
def _query() -> tuple[str, list[tuple[type[Model], list[str], list[tuple[Any, ...]]]]]:
    def quote(name: str | None) -> str:
        return str(connection.ops.quote_name(str(name)))

    models: tuple[type[Model], ...] = (ApiToken, User, Team)
    shapes = [(model, list(model._meta.concrete_fields)) for model in models]
    columns = ", ".join(
        f"{quote(m._meta.db_table)}.{quote(f.column)}" for m, fields in shapes for f in fields
    )
    token, user, team, member = (
        quote(m._meta.db_table) for m in (ApiToken, User, Team, Membership)
    )
    # Only table and column names from our own models go into the text; the hash is a parameter.
    sql = (
        f"SELECT {columns} FROM {token} "  # noqa: S608
        f"JOIN {user} ON {user}.{quote(User._meta.pk.column)} = {token}.user_id "
        f"JOIN {team} ON {team}.{quote(Team._meta.pk.column)} = {token}.team_id "
        f"WHERE {token}.token_hash = %s AND {token}.revoked_at IS NULL AND {user}.is_active "
        # Still a member of the team it charges, whatever path removed them.
        f"AND EXISTS (SELECT 1 FROM {member} WHERE {member}.team_id = {token}.team_id "
        f"AND {member}.user_id = {token}.user_id)"
    )
    loaders = [
        (model, [f.attname for f in fields], [_converters(f) for f in fields])
        for model, fields in shapes
    ]
    return sql, loaders


def _converted(converters, values) -> list:
    converted = []
    for (column, field_converters), value in zip(converters, values, strict=True):
        for convert in field_converters:
            value = convert(value, column, connection)
        converted.append(value)
    return converted


def _fetch_one(sql: str, params: list):
    """On PostgreSQL a prepared statement: planning this join took ~0.4 ms, four times the
    query. Django's own cursors bind parameters client-side, which cannot be prepared, so a
    plain psycopg cursor is used on the same (pooled) connection."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _token_values(token_hash: str) -> tuple[tuple, ...] | None:
    """Each model's field values, as the ORM would load them, or None for no such token."""
    sql, loaders = _query()
    row = _fetch_one(sql, [token_hash])
    if row is None:
        return None
    values, start = [], 0
    for _model, attnames, converters in loaders:
        values.append(tuple(_converted(converters, row[start : start + len(attnames)])))
        start += len(attnames)
    return tuple(values)


def active_token_by_hash(token_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash, of an active user who is still in its team, with
    `.user` and `.team` loaded; None otherwise. New instances on every call; the values may
    come from the served site's token cache (accounts/token_cache.py)."""
    cache = token_cache()
    values = cache.get(token_hash, _token_values) if cache else _token_values(token_hash)
    if values is None:
        return None
    _sql, loaders = _query()
    token, user, team = (
        model.from_db(connection.alias, attnames, list(model_values))
        for (model, attnames, _), model_values in zip(loaders, values, strict=True)
    )
    assert isinstance(token, ApiToken) and isinstance(user, User) and isinstance(team, Team)
    token.user, token.team = user, team
    return token


def active_token_used(token_hash: str, token: ApiToken) -> None:
    """The token check wrote `token.last_used_at`: a kept copy is brought in step (that
    write notifies nobody), so the write is not repeated on every call."""
    cache = token_cache()
    if cache is None:
        return
    _sql, loaders = _query()
    _model, attnames, _converters = loaders[0]
    token_values = tuple(getattr(token, attname) for attname in attnames)
    cache.refresh(token_hash, lambda kept: (token_values, *kept[1:]))
