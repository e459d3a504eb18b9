#!/usr/bin/python3
"""Independent (numpy-only) reference for the trajectory statistics and the Delta F that BoltzmannGen reports.

Nothing here calls or ports BoltzmannGen code: the atom indices come from this script's own PDB parsing
(tools/make_dihedral_fixtures.py), the angles from the Blondel-Karplus formula, the autocorrelation from a direct
O(N^2) sum (C# uses an FFT), the block error and the populations from their textbook definitions.

Definitions (docs/design.md sections 7.5 and the TrajectoryStatistics / FreeEnergyDifference summaries):
  observables      sin and cos of every backbone phi and psi, and for every phi the indicator phi > 0
  rho(t)           C(t)/C(0), C(t) = sum_{s=0}^{N-1-t} dx_s dx_{s+t}, dx = x - mean (biased estimator);
                   a constant series has rho = (1, 0, 0, ...)
  tau_int          1 + 2 sum_{t=1}^{W} rho(t), W the smallest window with W >= 5 tau_int(W) (Sokal), W < N;
                   with R replicas (equal consecutive blocks of frames) tau is the mean of the replicas' taus
  slowest          max over observables of tau_int
  population       of phi > 0 over all frames, standard error from 10 contiguous blocks of floor(N/10) frames:
                   sd(block means, ddof=1) / sqrt(10); relative error SE / mean
  phi > 0          phi in (0, pi] modulo 2 pi
  Delta F          -ln(P(phi>0) / P(phi<0)) in k_BT, P self-normalised with optional weights w_i >= 0
  bond error       median over frames and CONECT bonds of |length - the bond's mean length over the frames| (nm),
                   for the data/aldp test split, beside its harmonic prediction at 300 K from system.xml's k

Inputs and outputs:
  tests/BoltzmannGen.Tests/Fixtures/analysis/aldp_md_window.npy   (400, 22, 3) float32 nm, frames 200-599 of the
      shipped data/aldp/test.npy (a stretch with 70-odd crossings of phi = 0), read as 2 replicas of 200 frames.
      Cut out of data/aldp/test.npy only when missing (or with --recut); afterwards it is a fixed fixture.
  tests/BoltzmannGen.Tests/Fixtures/analysis/aldp_md_window_reference.json   everything computed here, plus
      the Delta F of the shipped data/aldp test split and of its pooled frames (train, val, test, extra), pinned by
      the sha256 of each file read, so a re-simulated dataset is noticed rather than silently compared.

  /usr/bin/python3 tools/dihedral_reference.py [--recut]
"""

import hashlib
import json
import math
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_dihedral_fixtures import backbone_dihedrals, blondel_karplus, read_pdb  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "BoltzmannGen.Tests", "Fixtures", "analysis")
WINDOW = os.path.join(OUT_DIR, "aldp_md_window.npy")
REFERENCE = os.path.join(OUT_DIR, "aldp_md_window_reference.json")
DATASET = os.path.join(ROOT, "data", "aldp")
TOPOLOGY = os.path.join(ROOT, "forcefields", "aldp", "topology.pdb")
SYSTEM_XML = os.path.join(ROOT, "forcefields", "aldp", "system.xml")
START, COUNT, REPLICAS, BLOCKS, WINDOW_FACTOR = 200, 400, 2, 10, 5.0
KT_300 = 0.00831446261815324 * 300  # kJ/mol


def weights(n):
    """The fixed weights of the weighted Delta F case: w_i = (i mod 7) + 0.5 (the C# test uses the same formula)."""
    return (np.arange(n) % 7) + 0.5


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def rho(x):
    """Autocorrelation function by the direct sum, for lags 0 .. N-1."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if np.all(x == x[0]):
        out = np.zeros(n)
        out[0] = 1.0
        return out
    d = x - x.mean()
    c = np.array([np.dot(d[: n - t], d[t:]) for t in range(n)])
    return c / c[0]


def tau_int(x):
    r = rho(x)
    tau = 1.0
    for w in range(1, len(r)):
        tau += 2.0 * r[w]
        # The stopping rule is a comparison: a window within rounding of W = 5 tau could stop one lag earlier or
        # later in the FFT-based C# code. Refuse such a fixture (none comes closer than ~4e-6 here).
        assert abs(w - WINDOW_FACTOR * tau) > 1e-9, f"Sokal window at W = {w} is within rounding of 5 tau"
        if w >= WINDOW_FACTOR * tau:
            break
    return tau


def block_error(x, blocks=BLOCKS):
    size = len(x) // blocks
    means = np.array([x[b * size:(b + 1) * size].mean() for b in range(blocks)])
    return float(np.std(means, ddof=1) / np.sqrt(blocks))


def is_positive(phi):
    """phi in (0, pi] modulo 2 pi."""
    r = np.remainder(phi + np.pi, 2 * np.pi) - np.pi  # [-pi, pi)
    return (r > 0) | (r == -np.pi)


def delta_f(phi, w=None):
    w = np.ones(len(phi)) if w is None else np.asarray(w, dtype=np.float64)
    p = float(w[is_positive(phi)].sum() / w.sum())
    return p, float(np.log(1 - p) - np.log(p))


def bond_error_median(x, bonds):
    """Median over frames and bonds of |length - mean length of that bond over the same frames| (nm)."""
    lengths = np.stack([np.linalg.norm(x[:, i] - x[:, j], axis=1) for i, j in sorted(bonds)], axis=1)
    return float(np.median(np.abs(lengths - lengths.mean(axis=0))))


def harmonic_bond_error_median(bonds):
    """The same median for independent harmonic bonds at 300 K: length - mean ~ N(0, kT/k_b) for each bond's k_b
    (HarmonicBondForce of system.xml), so m solves mean_b erf(m / (sigma_b sqrt 2)) = 1/2 (bisection)."""
    with open(SYSTEM_XML) as f:
        xml = f.read()
    block = xml[xml.index('type="HarmonicBondForce"'):]
    block = block[:block.index("</Bonds>")]
    k = {}
    for m in re.finditer(r'<Bond d="[^"]+" k="([^"]+)" p1="(\d+)" p2="(\d+)"', block):
        i, j = int(m.group(2)), int(m.group(3))
        k[(min(i, j), max(i, j))] = float(m.group(1))
    assert set(k) == set(bonds), "system.xml bonds differ from the PDB's CONECT bonds"
    sigma = [math.sqrt(KT_300 / k[b]) for b in sorted(bonds)]
    lo, hi = 0.0, 10 * max(sigma)
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.mean([math.erf(mid / (s * math.sqrt(2))) for s in sigma]) < 0.5:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def statistics(x, dihedrals, replicas):
    angles = {label: blondel_karplus(x, idx) for label, idx in dihedrals}
    series = {}
    for label, _ in dihedrals:
        series[f"sin_{label}"] = np.sin(angles[label])
        series[f"cos_{label}"] = np.cos(angles[label])
        if label.startswith("phi"):
            series[f"{label}_positive"] = (angles[label] > 0).astype(np.float64)
    per = len(x) // replicas
    tau = {name: float(np.mean([tau_int(s[r * per:(r + 1) * per]) for r in range(replicas)])) for name, s in series.items()}
    populations = {}
    for label, _ in dihedrals:
        if label.startswith("phi"):
            s = series[f"{label}_positive"]
            mean, se = float(s.mean()), block_error(s)
            populations[label] = {"mean": mean, "standard_error": se,
                                  "relative_error": se / mean if mean > 0 else None, "blocks": BLOCKS}
    return {"replicas": replicas, "autocorrelation_time_frames": tau, "slowest_time_frames": max(tau.values()),
            "phi_positive_population": populations}


def main(argv):
    atoms, residues, bonds = read_pdb(TOPOLOGY)
    dihedrals = backbone_dihedrals(atoms, residues, bonds)
    source = os.path.join(DATASET, "test.npy")
    if "--recut" in argv or not os.path.exists(WINDOW):
        np.save(WINDOW, np.load(source)[START:START + COUNT].astype(np.float32))
        print(f"cut frames {START}-{START + COUNT - 1} of {os.path.relpath(source, ROOT)} into {os.path.relpath(WINDOW, ROOT)}")
    x = np.load(WINDOW).astype(np.float64)  # float32 widens exactly
    assert x.shape == (COUNT, len(atoms), 3), x.shape

    phis = [(label, idx) for label, idx in dihedrals if label.startswith("phi")]
    out = {
        "made_by": "tools/dihedral_reference.py (numpy only; do not edit by hand)",
        "trajectory": {"file": os.path.basename(WINDOW), "frames": COUNT, "sha256": sha256(WINDOW),
                       "cut_from": f"data/aldp/test.npy frames {START}-{START + COUNT - 1}"},
        "dihedrals": {label: list(idx) for label, idx in dihedrals},
        "statistics": [statistics(x, dihedrals, r) for r in (1, REPLICAS)],
        "delta_f": {},
        "weighted_delta_f": {"weights": "w_i = (i mod 7) + 0.5"},
        "dataset": {},
    }
    w = weights(COUNT)
    for label, idx in phis:
        phi = blondel_karplus(x, idx)
        p, df = delta_f(phi)
        out["delta_f"][label] = {"positive_fraction": p, "delta_f": df, "positive_samples": int(is_positive(phi).sum())}
        p, df = delta_f(phi, w)
        out["weighted_delta_f"][label] = {"positive_fraction": p, "delta_f": df}

    # The shipped dataset: its test split (what reports compare samples against) and all of its frames pooled.
    files = ["test.npy"]
    pooled = ["train.npy", "val.npy", "test.npy"] + (["extra.npy"] if os.path.exists(os.path.join(DATASET, "extra.npy")) else [])
    for name, parts in (("test", files), ("pooled", pooled)):
        frames = np.concatenate([np.load(os.path.join(DATASET, f)) for f in parts]).astype(np.float64)
        entry = {"files": {f: sha256(os.path.join(DATASET, f)) for f in parts}, "frames": len(frames)}
        for label, idx in phis:
            p, df = delta_f(blondel_karplus(frames, idx))
            entry[label] = {"positive_fraction": p, "delta_f": df}
        if name == "test":
            entry["bond_error_median_nm"] = bond_error_median(frames, bonds)
            entry["harmonic_bond_error_median_nm"] = harmonic_bond_error_median(bonds)
        out["dataset"][name] = entry

    with open(REFERENCE, "w", newline="\n") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(REFERENCE, ROOT)}")
    for s in out["statistics"]:
        print(f"  {s['replicas']} replica(s): tau {s['autocorrelation_time_frames']}, populations {s['phi_positive_population']}")
    print(f"  Delta F {out['delta_f']}; weighted {out['weighted_delta_f']}")
    for name, entry in out["dataset"].items():
        print(f"  data/aldp {name}: {entry['frames']} frames, " + ", ".join(f"{l}: {entry[l]}" for l, _ in phis))


if __name__ == "__main__":
    main(sys.argv[1:])
