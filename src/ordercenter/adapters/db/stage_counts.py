"""Keeps `order_stage_counts` equal to the orders, in the same transaction as every change of stage.

Every flush notes which (shop, stage) pairs gained or lost orders (a savepoint's notes are dropped
if it is rolled back, kept if it is released); just before the commit the deltas
are written with one upsert per pair, in a fixed order, so concurrent commits lock the counter rows
in the same order and never deadlock, and hold those locks only for the commit itself.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from ordercenter.domain.order_counts import OrderStageCount
from ordercenter.domain.orders import Order
from ordercenter.domain.status import Stage

_DELTAS = "order_stage_deltas"

Deltas = Counter[tuple[int, Stage]]


def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _pending(session: Session) -> dict[int, Deltas]:
    """Deltas per open transaction (a savepoint keeps its own until it is released or rolled back)."""
    found: dict[int, Deltas] = session.info.setdefault(_DELTAS, {})
    return found


def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    deltas = _pending(session).setdefault(id(_innermost(session)), Counter())
    for obj in session.new:
        if isinstance(obj, Order):
            deltas[(obj.shop_id, Stage(obj.stage or Stage.UNPAID))] += 1
    for obj in session.deleted:
        if isinstance(obj, Order):
            history = inspect(obj).attrs.stage.history
            before = (history.deleted or history.unchanged or [obj.stage])[0]
            deltas[(obj.shop_id, Stage(before))] -= 1
    for obj in session.dirty:
        if isinstance(obj, Order):
            history = inspect(obj).attrs.stage.history
            if history.deleted and history.added and history.deleted[0] != history.added[0]:
                deltas[(obj.shop_id, Stage(history.deleted[0]))] -= 1
                deltas[(obj.shop_id, Stage(history.added[0]))] += 1


def _write_before_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its deltas join its parent's, written at the real commit (locks last)
    session.flush()  # the last changes are counted too
    deltas = _pending(session).pop(id(session.get_transaction()), None)
    if not deltas:
        return
    dialect = session.get_bind().dialect.name
    build = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for (shop_id, stage), change in sorted(deltas.items()):
        if change == 0:
            continue
        statement = build(OrderStageCount).values(shop_id=shop_id, stage=stage, orders=change)
        session.execute(statement.on_conflict_do_update(
            index_elements=[OrderStageCount.shop_id, OrderStageCount.stage],
            set_={"orders": OrderStageCount.orders + statement.excluded.orders}))


def _forget_rolled_back(session: Session) -> None:
    # Fired for a savepoint's rollback too, while the savepoint is still the innermost transaction.
    if session.get_nested_transaction() is None:
        session.info.pop(_DELTAS, None)
    else:
        _pending(session).pop(id(session.get_nested_transaction()), None)


def _merge_released(session: Session, transaction: SessionTransaction) -> None:
    pending = _pending(session)
    mine = pending.pop(id(transaction), None)
    if mine and transaction.nested and transaction.parent is not None:
        pending.setdefault(id(transaction.parent), Counter()).update(mine)


def keep_stage_counts(factory: sessionmaker[Session]) -> None:
    """Make every session of this factory maintain the per-stage counts."""
    event.listen(factory, "before_flush", _note_flush)
    event.listen(factory, "before_commit", _write_before_commit)
    event.listen(factory, "after_rollback", _forget_rolled_back)
    event.listen(factory, "after_transaction_end", _merge_released)


def recount(session: Session, shop_id: int) -> dict[Stage, int]:
    """Rebuild one shop's counts from its orders (a repair; the listener keeps them right otherwise)."""
    rows = session.execute(
        select(Order.stage, func.count()).where(Order.shop_id == shop_id).group_by(Order.stage)).all()
    actual = {stage: n for stage, n in rows}  # noqa: C416  (rows are Row objects)
    session.execute(delete(OrderStageCount).where(OrderStageCount.shop_id == shop_id))
    if actual:
        session.execute(insert(OrderStageCount), [
            {"shop_id": shop_id, "stage": stage, "orders": n} for stage, n in actual.items()])
    return actual
