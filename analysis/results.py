"""The typed contract of a stored run result (``Run.result``, written by
``analysis.engine.result_to_dict``).

Readers outside the engine parse the JSON once with :meth:`RunResult.from_json` instead of
indexing dicts. Parsing tolerates what older and newer engines write: unknown keys are
ignored (e.g. ``gap_ci``, ``nodes[].ci``), and ``furthest_behind``/``furthest_ahead``/``gap``
are ``None`` for a tree without a split (``no_groups_reason`` says why).

Pure Python: no Django import, so the engine's tests and the parsers can use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NodeCondition:
    circumstance: str
    label: str


@dataclass(frozen=True)
class ResultNode:
    id: int
    parent: int | None
    depth: int
    condition: NodeCondition | None
    n: int
    share: float
    mean: float
    is_leaf: bool


@dataclass(frozen=True)
class Leaf:
    node: int
    mean: float
    share: float
    path: tuple[str, ...]


@dataclass(frozen=True)
class ShapleyDriver:
    circumstance: str
    value: float
    share: float


@dataclass(frozen=True)
class CircumstanceInfo:
    name: str
    kind: str


@dataclass(frozen=True)
class RunResult:
    mean: float
    barrier: bool
    nodes: tuple[ResultNode, ...]
    furthest_behind: Leaf | None
    furthest_ahead: Leaf | None
    gap: float | None
    d_index: float | None
    hoi: float | None
    shapley: tuple[ShapleyDriver, ...]
    circumstances: tuple[CircumstanceInfo, ...]
    no_groups_reason: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RunResult | None:
        """Parse a stored result; ``None`` for a run without one (queued, failed)."""
        if not data or data.get("mean") is None:
            return None
        nodes = tuple(_node(n) for n in data.get("nodes") or ())
        shapley = tuple(
            ShapleyDriver(name, float(v.get("value") or 0.0), float(v.get("share") or 0.0))
            for name, v in (data.get("shapley") or {}).items()
        )
        return cls(
            mean=float(data["mean"]),
            barrier=bool(data.get("barrier")),
            nodes=nodes,
            furthest_behind=_leaf(data.get("furthest_behind")),
            furthest_ahead=_leaf(data.get("furthest_ahead")),
            gap=_float(data.get("gap")),
            d_index=_float(data.get("d_index")),
            hoi=_float(data.get("hoi")),
            shapley=tuple(sorted(shapley, key=lambda s: -s.share)),
            circumstances=tuple(
                CircumstanceInfo(c.get("name", ""), c.get("kind", ""))
                for c in data.get("circumstances") or ()
            ),
            no_groups_reason=data.get("no_groups_reason"),
        )

    def node(self, node_id: int) -> ResultNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def path_to(self, node_id: int) -> tuple[str, ...]:
        """The split labels from the root down to the node."""
        by_id = {n.id: n for n in self.nodes}
        labels, current = [], by_id.get(node_id)
        while current is not None and current.condition is not None:
            labels.append(current.condition.label)
            current = by_id.get(current.parent) if current.parent is not None else None
        return tuple(reversed(labels))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _leaf(data: Mapping[str, Any] | None) -> Leaf | None:
    if not data or data.get("node") is None:
        return None
    return Leaf(
        node=int(data["node"]),
        mean=float(data.get("mean") or 0.0),
        share=float(data.get("share") or 0.0),
        path=tuple(data.get("path") or ()),
    )


def _node(data: Mapping[str, Any]) -> ResultNode:
    condition = data.get("condition")
    return ResultNode(
        id=int(data["id"]),
        parent=data.get("parent"),
        depth=int(data.get("depth") or 0),
        condition=(
            NodeCondition(condition.get("circumstance", ""), condition.get("label", ""))
            if condition
            else None
        ),
        n=int(data.get("n") or 0),
        share=float(data.get("share") or 0.0),
        mean=float(data.get("mean") or 0.0),
        is_leaf=bool(data.get("is_leaf")),
    )
