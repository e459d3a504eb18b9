#!/usr/bin/env python3
"""Backbone phi > 0 populations of MD dataset folders, computed with numpy alone (no BoltzmannGen code).

An independent check of `bgen simulate`'s meta.json populations, of `bgen pool`'s pooled estimate and of the
MD Delta F in reports. For each folder: every frame of train/val/test (and extra.npy, pooled runs, when present),
phi = dihedral C(i-1)-N(i)-CA(i)-C(i) from topology.pdb, the fraction with phi > 0, a 10-block standard error of
the dataset's own run, and Delta F = -ln(p / (1 - p)) in k_BT.

    /usr/bin/python3 tools/md_phi_populations.py data/aldp [more dataset folders]
    /usr/bin/python3 tools/md_phi_populations.py --fixture     # every data/* folder, written to
        tests/BoltzmannGen.Tests/Fixtures/analysis/md_phi_populations.json, pinned by the sha256 of each file read;
        Data/MdPhiPopulationsTests compares every meta.json with it (rerun this after replacing or pooling a dataset)
"""
import hashlib
import json
import math
import os
import sys

import numpy as np


def atoms(pdb):
    """(residue number, atom name) -> index, in file order of ATOM/HETATM records."""
    index = {}
    n = 0
    with open(pdb) as f:
        for line in f:
            if line.startswith(("ATOM", "HETATM")):
                index[(int(line[22:26]), line[12:16].strip())] = n
                n += 1
    return index, n


def dihedral(x, i, j, k, l):
    b0, b1, b2 = x[:, i] - x[:, j], x[:, k] - x[:, j], x[:, l] - x[:, k]
    b1 = b1 / np.linalg.norm(b1, axis=-1, keepdims=True)
    v = b0 - (b0 * b1).sum(-1, keepdims=True) * b1
    w = b2 - (b2 * b1).sum(-1, keepdims=True) * b1
    return np.arctan2((np.cross(b1, v) * w).sum(-1), (v * w).sum(-1))


def block_error(indicator, blocks=10):
    size = len(indicator) // blocks
    means = [indicator[b * size:(b + 1) * size].mean() for b in range(blocks)]
    return float(np.std(means, ddof=1) / math.sqrt(blocks))


def between_seed_error(p_own, p_all, run_frames):
    """Spread of the runs' own means, s / sqrt(k): extra.npy holds the pooled runs back to back, in meta.json's order."""
    means, start = [p_own.mean()], len(p_own)
    for frames in run_frames:
        means.append(p_all[start:start + frames].mean())
        start += frames
    return float(np.std(means, ddof=1) / math.sqrt(len(means))), means


def populations(folder):
    """{phi name: {frames, mean, standard_error, pooled_frames, pooled_mean[, between_seed_standard_error]}} and the
    sha256 of each file read."""
    index, n_atoms = atoms(os.path.join(folder, "topology.pdb"))
    files = [f"{s}.npy" for s in ("train", "val", "test")] + (["extra.npy"] if os.path.exists(os.path.join(folder, "extra.npy")) else [])
    sha = {f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest() for f in files}
    own = np.concatenate([np.load(os.path.join(folder, f)) for f in files[:3]]).astype(np.float64)
    extra = np.load(os.path.join(folder, "extra.npy")).astype(np.float64) if "extra.npy" in sha else np.zeros((0, n_atoms, 3))
    meta = json.load(open(os.path.join(folder, "meta.json")))
    run_frames = [run["frames"] for run in meta.get("extra_runs") or []]
    result = {}
    for r in sorted({r for r, _ in index}):
        keys = [(r - 1, "C"), (r, "N"), (r, "CA"), (r, "C")]
        if not all(k in index for k in keys):
            continue
        ids = [index[k] for k in keys]
        p_own = (dihedral(own, *ids) > 0).astype(float)
        p_all = np.concatenate([p_own, (dihedral(extra, *ids) > 0).astype(float)])
        result[f"phi{r}"] = {"frames": len(p_own), "mean": float(p_own.mean()), "standard_error": block_error(p_own),
                             "pooled_frames": len(p_all), "pooled_mean": float(p_all.mean())}
        if len(extra):
            result[f"phi{r}"]["between_seed_standard_error"] = between_seed_error(p_own, p_all, run_frames)[0]
    return result, sha


def fixture():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = {}
    for name in sorted(os.listdir(os.path.join(root, "data"))):
        folder = os.path.join(root, "data", name)
        if os.path.exists(os.path.join(folder, "meta.json")):
            phi, sha = populations(folder)
            out[name] = {"sha256": sha, "phi_positive_population": phi}
    path = os.path.join(root, "tests", "BoltzmannGen.Tests", "Fixtures", "analysis", "md_phi_populations.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {path}: {', '.join(out)}")


def main(folders):
    if folders == ["--fixture"]:
        return fixture()
    for folder in folders:
        index, n_atoms = atoms(os.path.join(folder, "topology.pdb"))
        own = np.concatenate([np.load(os.path.join(folder, f"{s}.npy")) for s in ("train", "val", "test")])
        extra_path = os.path.join(folder, "extra.npy")
        extra = np.load(extra_path) if os.path.exists(extra_path) else np.zeros((0, n_atoms, 3), np.float32)
        meta = json.load(open(os.path.join(folder, "meta.json")))
        residues = sorted({r for r, _ in index})
        for r in residues:
            keys = [(r - 1, "C"), (r, "N"), (r, "CA"), (r, "C")]
            if not all(k in index for k in keys):
                continue
            ids = [index[k] for k in keys]
            p_own = (dihedral(own.astype(np.float64), *ids) > 0).astype(float)
            p_all = np.concatenate([p_own, (dihedral(extra.astype(np.float64), *ids) > 0).astype(float)])
            name = f"phi{r}"
            stored = meta.get("phi_positive_population", {}).get(name, {})
            pooled = (meta.get("pooled_phi_positive_population") or {}).get(name, {})
            print(f"{folder} {name}: own run {len(p_own)} frames p = {p_own.mean():.5f} +- {block_error(p_own):.5f} "
                  f"(meta.json: {stored.get('mean', float('nan')):.5f} +- {stored.get('standard_error', float('nan')):.5f})")
            if len(extra):
                p = p_all.mean()
                df = -math.log(p / (1 - p)) if 0 < p < 1 else float("inf")
                print(f"{folder} {name}: pooled {len(p_all)} frames p = {p:.5f} (meta.json: {pooled.get('mean', float('nan')):.5f} "
                      f"+- {pooled.get('standard_error', float('nan')):.5f}), Delta F = {df:.3f} k_BT")
                # The bar takes the larger of the between-seed and the block standard error.
                between, means = between_seed_error(p_own, p_all, [run["frames"] for run in meta["extra_runs"]])
                block = pooled.get("standard_error", float("nan"))
                print(f"{folder} {name}: run means {', '.join(f'{m:.5f}' for m in means)}; between-seed s.e. {between:.5f} "
                      f"({between / p:.1%}), block s.e. {block:.5f} ({block / p:.1%}); larger: {max(between, block) / p:.1%}")
            else:
                p = p_own.mean()
                df = -math.log(p / (1 - p)) if 0 < p < 1 else float("inf")
                print(f"{folder} {name}: Delta F = {df:.3f} k_BT")


if __name__ == "__main__":
    main(sys.argv[1:] or ["data/aldp"])
