"""Transitive clustering of match edges with safeguards against chaining distinct entities.

1. Must-links are merged first (a must-link that would join a cannot-link pair is refused and
   reported).
2. Connected components of must-links plus match edges are computed with scipy.
3. A component of three or more records, or one holding a cannot-link pair, is checked: every
   pair inside it is scored (``score_pairs``, the evidence in bits without the prior); a pair
   at or below ``conflict_weight`` is a conflict (strong evidence of two different entities), as is a
   cannot-link pair. Components without conflicts and within ``max_cluster_size`` stand.
4. The rest are rebuilt greedily: edges in descending score order (must-links first), a merge
   is refused when it would put a conflicting pair in one cluster or exceed the size cap.
   So a chain A~B~C whose ends conflict becomes {A, B} and {C}: the weaker link is dropped.

Only step 4 is a Python loop, and it runs over the (few) components that fail the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ClusterResult:
    labels: np.ndarray  # cluster label per record (0..k-1)
    refused_edges: np.ndarray  # indices into the edge arrays whose merge was refused
    refused_must_links: list[tuple[int, int]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix  # imported on use: scipy takes 0.2 s to import
    from scipy.sparse.csgraph import connected_components

    if not len(a):
        return np.arange(n)
    g = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    labels: np.ndarray = connected_components(g, directed=False)[1]
    return labels


def all_pairs_within(labels: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of records that share a label, among ``members``."""
    from hotpass_assets.lib.matching.blocking import pairs_from_blocks

    n = len(labels)
    codes, _ = pairs_from_blocks(members, labels[members], n, max_block_size=np.iinfo(np.int32).max)
    return codes // n, codes % n


class _Greedy:
    """Union–find with cannot-merge sets between current clusters."""

    _NONE: frozenset[int] = frozenset()

    def __init__(self, nodes: list[int], conflicts: list[tuple[int, int]], max_size: int):
        self.parent = dict(zip(nodes, nodes, strict=True))
        self.size = dict.fromkeys(nodes, 1)
        # cannot-merge sets of the roots that have one (most have none)
        self.forbid: dict[int, set[int]] = {}
        for a, b in conflicts:
            if a in self.parent and b in self.parent and a != b:
                self.forbid.setdefault(a, set()).add(b)
                self.forbid.setdefault(b, set()).add(a)
        self.max_size = max_size

    def add_conflict(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.forbid.setdefault(ra, set()).add(rb)
            self.forbid.setdefault(rb, set()).add(ra)

    def find(self, x: int) -> int:
        parent = self.parent
        root = parent[x]
        if root == x or parent[root] == root:  # a root, or a root's child: nothing to compress
            return root
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int, *, force: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.forbid.get(ra, self._NONE):
            return False
        if not force and self.size[ra] + self.size[rb] > self.max_size:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        fb = self.forbid.pop(rb, None)
        if fb:
            for x in fb:
                self.forbid[x].discard(rb)
                self.forbid[x].add(ra)
            self.forbid.setdefault(ra, set()).update(fb)
        return True


# Longer than our 80-line aim, deliberately: connected components first, then only the suspect
# ones (three or more records, a cannot-link inside, or oversized) are checked for conflicting
# pairs and rebuilt greedily, must-links first and match edges by score. The steps share the
# component labels, conflict lists and refused edges; splitting would pass all of them around.
def cluster(
    n: int,
    edge_left: np.ndarray,
    edge_right: np.ndarray,
    edge_score: np.ndarray,
    *,
    must_link: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64)),
    cannot_link: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64)),
    score_pairs: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    conflict_weight: float = -10.0,
    max_cluster_size: int = 100,
    max_checked_size: int = 400,
) -> ClusterResult:
    """Cluster records ``0..n-1`` from match edges (scores are match probabilities)."""
    ml_a, ml_b = (np.asarray(x, dtype=np.int64) for x in must_link)
    cl_a, cl_b = (np.asarray(x, dtype=np.int64) for x in cannot_link)
    edge_left = np.asarray(edge_left, dtype=np.int64)
    edge_right = np.asarray(edge_right, dtype=np.int64)
    all_a = np.r_[ml_a, edge_left]
    all_b = np.r_[ml_b, edge_right]
    comp = _components(n, all_a, all_b)
    sizes = np.bincount(comp)
    suspect = sizes[comp] >= 3
    if len(cl_a):
        bad = comp[cl_a] == comp[cl_b]
        suspect[cl_a[bad]] = True
        suspect[cl_b[bad]] = True
    suspect_mask = np.zeros(len(sizes), dtype=bool)
    suspect_mask[comp[suspect]] = True
    suspect_comps = np.flatnonzero(suspect_mask)
    stats = {"components_checked": len(suspect_comps), "components_rebuilt": 0, "conflict_pairs": 0}
    if not len(suspect_comps):
        return ClusterResult(
            labels=_relabel(comp), refused_edges=np.zeros(0, np.int64), stats=stats
        )

    in_suspect = suspect_mask[comp]
    members = np.flatnonzero(in_suspect & (sizes[comp] <= max_checked_size))
    conflict_a: list[np.ndarray] = []
    conflict_b: list[np.ndarray] = []
    if score_pairs is not None and len(members):
        pa, pb = all_pairs_within(comp, members)
        if len(pa):
            bad = score_pairs(pa, pb) <= conflict_weight
            conflict_a.append(pa[bad])
            conflict_b.append(pb[bad])
    if len(cl_a):
        same = comp[cl_a] == comp[cl_b]
        conflict_a.append(cl_a[same])
        conflict_b.append(cl_b[same])
    ca = np.concatenate(conflict_a) if conflict_a else np.zeros(0, np.int64)
    cb = np.concatenate(conflict_b) if conflict_b else np.zeros(0, np.int64)
    n_scored_conflicts = len(ca) - (int(same.sum()) if len(cl_a) else 0)
    stats["conflict_pairs"] = len(ca)
    rebuild = np.zeros(comp.max() + 1, dtype=bool)
    rebuild[comp[ca]] = True
    rebuild[comp[in_suspect & (sizes[comp] > max_cluster_size)]] = True
    rebuild_comps = np.flatnonzero(rebuild)
    stats["components_rebuilt"] = len(rebuild_comps)

    labels = comp.copy()
    refused: list[int] = []
    refused_ml: list[tuple[int, int]] = []
    if len(rebuild_comps):
        nodes_mask = rebuild[comp]
        e_in = np.flatnonzero(nodes_mask[edge_left])
        ml_in = np.flatnonzero(nodes_mask[ml_a]) if len(ml_a) else np.zeros(0, np.int64)
        nodes = np.flatnonzero(nodes_mask).tolist()
        c_in = np.flatnonzero(nodes_mask[ca]) if len(ca) else np.zeros(0, np.int64)
        pairs = list(zip(ca[c_in].tolist(), cb[c_in].tolist(), strict=True))
        # cannot-links bind must-links; scored conflicts only bind match edges
        n_cl = len(ca) - n_scored_conflicts
        cannot = [pq for k, pq in zip(c_in.tolist(), pairs, strict=True) if k >= n_scored_conflicts]
        scored = [pq for k, pq in zip(c_in.tolist(), pairs, strict=True) if k < n_scored_conflicts]
        stats["cannot_link_pairs_in_components"] = n_cl
        g = _Greedy(nodes, cannot, max_cluster_size)
        for k in ml_in.tolist():
            a, b = int(ml_a[k]), int(ml_b[k])
            if not g.union(a, b, force=True):
                refused_ml.append((a, b))
        for a, b in scored:
            g.add_conflict(a, b)
        order = e_in[np.argsort(-edge_score[e_in], kind="stable")]
        ends = zip(
            order.tolist(), edge_left[order].tolist(), edge_right[order].tolist(), strict=True
        )
        refused = [k for k, a, b in ends if not g.union(a, b)]
        labels[nodes] = comp.max() + 1 + np.array([g.find(x) for x in nodes], dtype=np.int64)
    refused_arr = np.array(refused, dtype=np.int64)
    if len(refused_arr):
        # an edge refused early may still end up inside one cluster through other edges
        same = labels[edge_left[refused_arr]] == labels[edge_right[refused_arr]]
        refused_arr = refused_arr[~same]
    return ClusterResult(
        labels=_relabel(labels),
        refused_edges=refused_arr,
        refused_must_links=refused_ml,
        stats=stats,
    )


def _relabel(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1].ravel()
