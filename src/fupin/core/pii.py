"""Personal data as people see it: one rule, one place, one access record per response.

Every display or export of an ID number, a phone, or health (which includes disability)
goes through a :class:`Viewer`. It is built from the actor's ``Scope`` and answers, for
one value in one area, either the value itself (the role may see personal data there) or
its masked form; what it revealed it remembers as (record type, record id, field), never
the value, and writes it as ONE ``AuditEvent(kind="pii_view")`` (or ``pii_export``) when
the response is done.

* In a request, ``viewer(request, channel)`` gives the request's viewer; the
  :class:`PiiAuditMiddleware` writes its access record after the view has answered. A
  viewer asked for on a request that did not pass through the middleware is refused, so
  a display can never go unrecorded silently.
* Outside a request (exports, the CLI, tasks), ``with viewing(actor=..., scope=...,
  channel=...) as v:`` writes the record when the block ends.
* Anything public (the notices at /notices/, anything without login) uses
  ``public_viewer()``, which never reveals: the same rule with an empty scope.
* Set-based exports mask whole columns with ``id_number_expr``/``phone_expr`` under
  ``sees_expr`` and tell the viewer what left unmasked with ``note_many``.

The access record keeps the audit format: with one record type, ``object_type`` is that
type, ``object_ids`` its ids and ``fields`` the field names; when a response revealed
several types (a household's phone and its members' ID numbers), ``object_type`` joins
them with "+" ("household+member"), ``object_ids`` are "type:id" and ``fields``
"type.field".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    import polars as pl

    from fupin.accounts.scope import Scope
    from fupin.audit.models import AuditEvent

ID_NUMBER = "id_number"
PHONE = "phone"
HEALTH = "health"  # health status, disability included: hidden entirely
KINDS = (ID_NUMBER, PHONE, HEALTH)

Ref = tuple[str, int]  # (record type, record id), e.g. ("member", 12)


# --- the masks -------------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_sensitive() -> str:
    """Health and disability are hidden entirely, not partially."""
    return _("（无权查看）")


def mask(kind: str, value: str) -> str:
    if kind == ID_NUMBER:
        return mask_id_number(value)
    if kind == PHONE:
        return mask_phone(value)
    if kind == HEALTH:
        return mask_sensitive() if value else value
    raise ValueError(f"not a kind of personal data: {kind}")


# --- the viewer ------------------------------------------------------------------------


@dataclass
class Viewer:
    """Decides, per value, masked or plain for one actor, and collects what it revealed."""

    actor: Any
    scope: Scope
    channel: str
    export: bool = False
    _shown: dict[str, dict[int, set[str]]] = field(default_factory=dict, repr=False)

    def sees(self, area_code: str) -> bool:
        """Whether the role may see personal data in the area. Not a display: nothing is
        recorded (use it to decide which form fields to offer)."""
        return self.scope.sees_pii(area_code)

    def show(
        self,
        kind: str,
        value: Any,
        *,
        area_code: str,
        ref: Ref,
        field: str | None = None,
        label: str | None = None,
    ) -> str:
        """``value`` as the actor may see it. ``field`` names it in the access record
        (the kind by default); ``label`` is what to show of a revealed health key."""
        if kind not in KINDS:
            raise ValueError(f"not a kind of personal data: {kind}")
        text = "" if value is None else str(value)
        if not text:
            return text  # nothing to reveal or hide
        if not self.scope.sees_pii(area_code):
            return mask(kind, text)
        self._note(ref, field or kind)
        return label if label is not None else text

    def id_number(self, value: Any, *, area_code: str, ref: Ref, field: str = ID_NUMBER) -> str:
        return self.show(ID_NUMBER, value, area_code=area_code, ref=ref, field=field)

    def phone(self, value: Any, *, area_code: str, ref: Ref, field: str = PHONE) -> str:
        return self.show(PHONE, value, area_code=area_code, ref=ref, field=field)

    def health(self, value: str, label: str, *, area_code: str, ref: Ref) -> str:
        """The health label, or the "hidden" text."""
        return self.show(HEALTH, value, area_code=area_code, ref=ref, label=label)

    def health_key(self, value: str, *, area_code: str, ref: Ref) -> str | None:
        """The health key for machines (the API), or None when hidden."""
        if not value or not self.scope.sees_pii(area_code):
            return None
        self._note(ref, HEALTH)
        return value

    def note_many(self, object_type: str, ids: Iterable[int], fields: Iterable[str]) -> None:
        """Records whose fields left unmasked in bulk (exports masking whole columns)."""
        names = set(fields)
        rows = self._shown.setdefault(object_type, {})
        for pk in ids:
            rows.setdefault(int(pk), set()).update(names)

    def _note(self, ref: Ref, name: str) -> None:
        object_type, pk = ref
        self._shown.setdefault(object_type, {}).setdefault(int(pk), set()).add(name)

    @property
    def revealed(self) -> dict[str, dict[int, set[str]]]:
        return {t: {pk: set(f) for pk, f in rows.items()} for t, rows in self._shown.items()}

    def flush(self) -> AuditEvent | None:
        """Write what was revealed since the last flush as one access record."""
        from fupin.audit.services import pii_access_record

        shown, self._shown = self._shown, {}
        shown = {t: rows for t, rows in shown.items() if rows}
        if not shown:
            return None
        if len(shown) == 1:
            ((object_type, rows),) = shown.items()
            ids: list[int | str] = list(sorted(rows))
            fields = {name for names in rows.values() for name in names}
        else:
            types = sorted(shown)
            object_type = "+".join(types)
            ids = [f"{t}:{pk}" for t in types for pk in sorted(shown[t])]
            fields = {f"{t}.{name}" for t in types for names in shown[t].values() for name in names}
        return pii_access_record(
            actor=self.actor,
            object_type=object_type,
            object_ids=ids,
            fields=fields,
            channel=self.channel,
            export=self.export,
        )


def public_viewer() -> Viewer:
    """Public pages: no role, so everything masked and nothing to record."""
    from fupin.accounts.scope import Scope

    return Viewer(actor=None, scope=Scope(user_id=None), channel="public")


@contextmanager
def viewing(
    *, actor: Any, scope: Scope | None = None, channel: str, export: bool = False
) -> Iterator[Viewer]:
    """A viewer outside a request; its access record is written when the block ends
    without an error."""
    if scope is None:
        from fupin.accounts.scope import scope_for

        scope = scope_for(actor)
    v = Viewer(actor=actor, scope=scope, channel=channel, export=export)
    yield v
    v.flush()


# --- requests --------------------------------------------------------------------------

_SLOT = "_fupin_pii_slot"
_VIEWER = "_fupin_pii_viewer"
_FAILED = "_fupin_pii_failed"


def request_actor(request: HttpRequest) -> Any:
    """The API's token user, else the session's user."""
    return getattr(request, "auth", None) or getattr(request, "user", None)


def viewer(request: HttpRequest, channel: str = "web") -> Viewer:
    """The request's viewer, made on first use; the middleware writes its record."""
    existing = getattr(request, _VIEWER, None)
    if isinstance(existing, Viewer):
        return existing
    if not getattr(request, _SLOT, False):
        raise ImproperlyConfigured(
            "fupin.core.pii.PiiAuditMiddleware must be in MIDDLEWARE: without it, views of "
            "personal data would not be recorded"
        )
    from fupin.accounts.scope import scope_for

    actor = request_actor(request)
    made = Viewer(actor=actor, scope=scope_for(actor), channel=channel)
    setattr(request, _VIEWER, made)
    return made


class PiiAuditMiddleware:
    """Writes the access record of what a response revealed, once, after the view.

    Nothing is written when the view failed (an exception, or a 5xx): what it had looked
    at never reached the person."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        setattr(request, _SLOT, True)
        response = self.get_response(request)
        made = getattr(request, _VIEWER, None)
        if (
            isinstance(made, Viewer)
            and not getattr(request, _FAILED, False)
            and response.status_code < 500
        ):
            made.flush()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        setattr(request, _FAILED, True)


# --- set-based masking (exports) -------------------------------------------------------


def sees_expr(scope: Scope, col: str) -> pl.Expr:
    """Per row: whether the role sees personal data in the row's area (column ``col``)."""
    import polars as pl

    return pl.any_horizontal(
        pl.lit(False), *(pl.col(col).str.starts_with(p) for p in scope.pii_prefixes)
    )


def _stars(n: pl.Expr) -> pl.Expr:
    import polars as pl

    return pl.lit("*").repeat_by(n).list.join("")


def _masked_expr(col: str, sees: pl.Expr, head: int, tail: int) -> pl.Expr:
    """The column with all but ``head`` leading and ``tail`` trailing characters starred
    (all of them when it is that short), where ``sees`` is false."""
    import polars as pl

    c = pl.col(col)
    n = c.str.len_chars()
    kept = head + tail
    masked = (
        pl.when(n <= kept)
        .then(_stars(n))
        .otherwise(c.str.slice(0, head) + _stars(n - kept) + c.str.slice(-tail, tail))
    )
    return pl.when(sees | c.is_null() | (n == 0)).then(c).otherwise(masked)


def id_number_expr(col: str, sees: pl.Expr) -> pl.Expr:
    """``mask_id_number`` over a column, where ``sees`` is false."""
    return _masked_expr(col, sees, 6, 4)


def phone_expr(col: str, sees: pl.Expr) -> pl.Expr:
    """``mask_phone`` over a column, where ``sees`` is false."""
    return _masked_expr(col, sees, 3, 4)


def health_expr(shown: pl.Expr, sees: pl.Expr) -> pl.Expr:
    """Health in an export: ``shown`` (the label) where seen, an empty cell elsewhere."""
    import polars as pl

    return pl.when(sees).then(shown).otherwise(pl.lit(""))
