#!/usr/bin/python3
"""Reference optimal assignments for the C# linear-assignment tests.

Writes tests/BoltzmannGen.Tests/Fixtures/assignment/assignment_200.npz with
  cost               (200, 200) float64   uniform [0, 1) costs
  cost_assignment    (200,) int64         optimal column of each row
  cost_optimum       ()     float64       minimal sum of cost[i, col[i]]
  a, b               (200, 66) float64    two point sets (a: N(0, I); b: a 3-component Gaussian mixture)
  points_assignment  (200,) int64         optimal pairing for c(i, j) = ||a_i - b_j||^2
  points_optimum     ()     float64

scipy is not installed here, so the reference solver is written in this file: the classical
Munkres algorithm with starred and primed zeros and covered lines (Munkres, J. SIAM 5, 32 (1957);
steps as in Bourgeois & Lassalle, CACM 14, 802 (1971)). It shares nothing with the C# solver
(Jonker-Volgenant shortest augmenting paths). Every reduction is also booked as dual potentials
u, v, and the script refuses to write a result that does not carry its own optimality certificate:
c - u - v >= 0 everywhere, = 0 on the assignment, so sum(u) + sum(v) equals the optimum.
A brute-force check over all permutations of small problems guards the implementation itself.

  /usr/bin/python3 tools/make_assignment_fixtures.py      (needs numpy only)
"""

import itertools
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "BoltzmannGen.Tests", "Fixtures", "assignment", "assignment_200.npz")
SEED = 20260415
N, D = 200, 66


def munkres(cost):
    """Optimal assignment of a square cost matrix: (column of each row, row potentials u, column potentials v)."""
    c = np.array(cost, dtype=np.float64)
    n = c.shape[0]
    u = c.min(axis=1)                      # step 1: subtract row minima, then column minima
    c -= u[:, None]
    v = c.min(axis=0)
    c -= v[None, :]

    starred = np.zeros((n, n), dtype=bool)  # step 2: star independent zeros greedily
    for i in range(n):
        for j in np.flatnonzero(c[i] == 0):
            if not starred[:, j].any():
                starred[i, j] = True
                break
    primed = np.zeros((n, n), dtype=bool)
    row_cover = np.zeros(n, dtype=bool)
    col_cover = np.zeros(n, dtype=bool)

    while True:
        col_cover[:] = starred.any(axis=0)    # step 3: cover starred columns
        if col_cover.all():
            break
        while True:                           # step 4: prime uncovered zeros
            open_zero = (c == 0) & ~row_cover[:, None] & ~col_cover[None, :]
            hits = np.argwhere(open_zero)
            if len(hits) == 0:                # step 6: move the smallest uncovered value into the lines
                m = c[~row_cover][:, ~col_cover].min()
                c[row_cover, :] += m
                c[:, ~col_cover] -= m
                u[row_cover] -= m
                v[~col_cover] += m
                continue
            i, j = hits[0]
            primed[i, j] = True
            star_cols = np.flatnonzero(starred[i])
            if len(star_cols) == 0:
                break
            row_cover[i] = True
            col_cover[star_cols[0]] = False
        path = [(i, j)]                       # step 5: alternate primes and stars, then swap them
        while True:
            star_rows = np.flatnonzero(starred[:, path[-1][1]])
            if len(star_rows) == 0:
                break
            r = star_rows[0]
            path.append((r, path[-1][1]))
            path.append((r, int(np.flatnonzero(primed[r])[0])))
        for k, (r, s) in enumerate(path):
            starred[r, s] = k % 2 == 0
        primed[:] = False
        row_cover[:] = False

    assignment = np.argmax(starred, axis=1)
    return assignment, u, v


def certified_optimum(cost):
    """Solve and check the dual certificate; returns (assignment, optimum)."""
    assignment, u, v = munkres(cost)
    n = cost.shape[0]
    assert sorted(assignment) == list(range(n)), "not a permutation"
    reduced = cost - u[:, None] - v[None, :]
    scale = max(1.0, np.abs(cost).max())
    assert reduced.min() >= -1e-12 * scale, f"dual infeasible by {reduced.min()}"
    assert np.abs(reduced[np.arange(n), assignment]).max() <= 1e-12 * scale, "assignment not tight"
    optimum = float(cost[np.arange(n), assignment].sum())
    dual = float(u.sum() + v.sum())
    assert abs(optimum - dual) <= 1e-10 * max(1.0, abs(optimum)), f"primal {optimum} != dual {dual}"
    return assignment, optimum


def self_check(rng):
    """The Munkres implementation against brute force on small problems (random and with many ties)."""
    for n in range(1, 8):
        for trial in range(5):
            cost = rng.random((n, n)) if trial % 2 == 0 else rng.integers(0, 3, (n, n)).astype(np.float64)
            _, optimum = certified_optimum(cost)
            brute = min(sum(cost[i, p[i]] for i in range(n)) for p in itertools.permutations(range(n)))
            assert abs(optimum - brute) <= 1e-12, (n, trial, optimum, brute)


def main():
    rng = np.random.default_rng(SEED)
    self_check(rng)

    cost = rng.random((N, N))
    cost_assignment, cost_optimum = certified_optimum(cost)

    a = rng.standard_normal((N, D))
    centres = 1.5 * rng.standard_normal((3, D))
    b = centres[rng.integers(0, 3, N)] + 0.5 * rng.standard_normal((N, D))
    points_cost = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    points_assignment, points_optimum = certified_optimum(points_cost)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    np.savez(OUT, cost=cost, cost_assignment=cost_assignment.astype(np.int64), cost_optimum=np.float64(cost_optimum),
             a=a, b=b, points_assignment=points_assignment.astype(np.int64), points_optimum=np.float64(points_optimum))
    identity = float(np.trace(points_cost))
    print(f"wrote {OUT}: cost optimum {cost_optimum:.15g}; points optimum {points_optimum:.15g} (identity pairing {identity:.6g})")


if __name__ == "__main__":
    main()
