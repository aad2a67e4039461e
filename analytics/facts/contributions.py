"""Which units' facts each node's figures count: the closure behind the roll-ups.

A node's figures pool its subtree (path prefix) and, for a unit of the current structure, the legacy
units merged into that subtree (figures.selectors.contributing_units says the same for one unit).
The fold needs the relation both ways for many units at once, so it is computed here from the
registry in two queries, in memory (14,000 units and 11,000 successor links: a few hundred
milliseconds), and kept until the registry changes.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from tenants.models import Structure, Unit


def _ancestors_or_self(path: str) -> list[str]:
    """ "c:20/06172/" → ["c:20/", "c:20/06172/"]."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


@dataclass
class Contributions:
    targets: dict[int, set[int]]  # unit → the nodes its facts count in (itself included)
    contributors: dict[int, set[int]] = field(default_factory=dict)  # node → the units it counts

    def __post_init__(self) -> None:
        inverse: dict[int, set[int]] = defaultdict(set)
        for unit, nodes in self.targets.items():
            for node in nodes:
                inverse[node].add(unit)
        self.contributors = dict(inverse)

    def nodes_of(self, units: set[int]) -> set[int]:
        return set().union(*(self.targets.get(unit, {unit}) for unit in units)) if units else set()


# What the closure depends on, summed into one value: a unit's path or structure, a successor link.
REGISTRY_FINGERPRINT = """
SELECT (SELECT count(*) || ':' || coalesce(sum(hashtext(id || path || structure)), 0) FROM tenants_unit)
       || '/' ||
       (SELECT count(*) || ':' || coalesce(sum(hashtext(from_unit_id || '>' || to_unit_id)), 0)
        FROM tenants_unit_successors)
"""
_loaded: dict[str, Contributions] = {}


def contributions_load() -> Contributions:
    """The closure of the registry as it is now; computed again only when the registry changed (a
    worker folds every minute, the registry changes a few times a year)."""
    with connection.cursor() as cursor:
        cursor.execute(REGISTRY_FINGERPRINT)
        fingerprint = cursor.fetchone()[0]
    if fingerprint not in _loaded:
        _loaded.clear()
        _loaded[fingerprint] = _compute()
    return _loaded[fingerprint]


def _compute() -> Contributions:
    rows = list(Unit.objects.exclude(level="national").values_list("pk", "path", "structure"))
    by_path = {path: pk for pk, path, _structure in rows}
    paths = {pk: path for pk, path, _structure in rows}
    legacy = {pk for pk, _path, structure in rows if structure == Structure.LEGACY}
    successors: dict[int, list[int]] = defaultdict(list)
    for source, target in Unit.successors.through.objects.values_list("from_unit_id", "to_unit_id"):
        if source in legacy and target in paths and target not in legacy:
            successors[source].append(target)
    targets: dict[int, set[int]] = {}
    for pk, path in paths.items():
        nodes = {by_path[p] for p in _ancestors_or_self(path) if p in by_path}
        for successor in successors.get(pk, ()):
            nodes |= {by_path[p] for p in _ancestors_or_self(paths[successor]) if p in by_path}
        targets[pk] = nodes
    return Contributions(targets)
