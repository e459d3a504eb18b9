#!/usr/bin/python3
"""Reference backbone dihedrals for the C# analysis tests.

For each system (aldp, al3, al4) this reads
  forcefields/<system>/topology.pdb                         (atom/residue names, bonds)
  tests/BoltzmannGen.Tests/Fixtures/energy/<system>/frames.npy  (25, atoms, 3) nm
and writes tests/BoltzmannGen.Tests/Fixtures/analysis/<system>_dihedrals.csv:
  frame,<label>,...   one row per frame, angles in radians in (-pi, pi]

Atom indices are found here from the PDB alone, independently of the C# code:
  phi<resSeq> = C(i-1)-N(i)-CA(i)-C(i)   when residue i has N, CA, C and residue i-1
                                          has a C bonded (CONECT) to N(i);
  psi<resSeq> = N(i)-CA(i)-C(i)-N(i+1)   when residue i+1 has an N bonded to C(i).
Angles use the Blondel-Karplus formula (J. Comput. Chem. 17, 1132 (1996)):
  b1 = B-A, b2 = C-B, b3 = D-C, n1 = b1 x b2, n2 = b2 x b3,
  angle = atan2(|b2| b1 . n2, n1 . n2)       (IUPAC sign)
which is a different algebraic form from the projection form used in C#.

  /usr/bin/python3 tools/make_dihedral_fixtures.py
"""

import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEMS = ["aldp", "al3", "al4"]
OUT_DIR = os.path.join(ROOT, "tests", "BoltzmannGen.Tests", "Fixtures", "analysis")


def read_pdb(path):
    """Atoms as (index, name, residue key) in file order, residues in order, bonds as a set of pairs."""
    atoms, residues, bonds, serial_to_index = [], [], set(), {}
    with open(path) as f:
        for line in f:
            record = line[:6].strip()
            if record in ("ATOM", "HETATM"):
                serial = int(line[6:11])
                name = line[12:16].strip()
                key = (line[21], int(line[22:26]), line[17:20].strip())  # chain, resSeq, resName
                if not residues or residues[-1] != key:
                    residues.append(key)
                serial_to_index[serial] = len(atoms)
                atoms.append((len(atoms), name, key))
            elif record == "CONECT":
                fields = [int(line[i:i + 5]) for i in range(6, len(line.rstrip()), 5)]
                for other in fields[1:]:
                    a, b = serial_to_index[fields[0]], serial_to_index[other]
                    bonds.add((min(a, b), max(a, b)))
    return atoms, residues, bonds


def backbone_dihedrals(atoms, residues, bonds):
    by_residue = {key: {} for key in residues}
    for index, name, key in atoms:
        by_residue[key][name] = index

    def bonded(i, j):
        return (min(i, j), max(i, j)) in bonds

    out = []
    for k, key in enumerate(residues):
        res = by_residue[key]
        if not all(n in res for n in ("N", "CA", "C")):
            continue
        seq = key[1]
        if k > 0 and "C" in by_residue[residues[k - 1]]:
            prev_c = by_residue[residues[k - 1]]["C"]
            if bonded(prev_c, res["N"]):
                out.append((f"phi{seq}", (prev_c, res["N"], res["CA"], res["C"])))
        if k + 1 < len(residues) and "N" in by_residue[residues[k + 1]]:
            next_n = by_residue[residues[k + 1]]["N"]
            if bonded(res["C"], next_n):
                out.append((f"psi{seq}", (res["N"], res["CA"], res["C"], next_n)))
    return out


def blondel_karplus(x, idx):
    """x: (frames, atoms, 3) float64; idx: 4 atom indices. Returns (frames,) radians."""
    a, b, c, d = (x[:, i, :] for i in idx)
    b1, b2, b3 = b - a, c - b, d - c
    n1 = np.cross(b1, b2)
    n2 = np.cross(b2, b3)
    y = np.linalg.norm(b2, axis=1) * np.einsum("ij,ij->i", b1, n2)
    xx = np.einsum("ij,ij->i", n1, n2)
    return np.arctan2(y, xx)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for system in SYSTEMS:
        atoms, residues, bonds = read_pdb(os.path.join(ROOT, "forcefields", system, "topology.pdb"))
        frames = np.load(os.path.join(ROOT, "tests", "BoltzmannGen.Tests", "Fixtures", "energy", system,
                                      "frames.npy")).astype(np.float64)  # float32 widens exactly
        assert frames.shape[1] == len(atoms), (system, frames.shape, len(atoms))
        dihedrals = backbone_dihedrals(atoms, residues, bonds)
        angles = np.stack([blondel_karplus(frames, idx) for _, idx in dihedrals], axis=1)
        path = os.path.join(OUT_DIR, f"{system}_dihedrals.csv")
        with open(path, "w", newline="\n") as f:
            f.write(",".join(["frame"] + [label for label, _ in dihedrals]) + "\n")
            for i, row in enumerate(angles):
                f.write(",".join([str(i)] + [repr(float(v)) for v in row]) + "\n")
        labels = ", ".join(f"{label}={idx}" for label, idx in dihedrals)
        print(f"{system}: {len(frames)} frames; {labels}; phi>0 fraction "
              + ", ".join(f"{label} {np.mean(angles[:, k] > 0):.2f}"
                          for k, (label, _) in enumerate(dihedrals) if label.startswith("phi")))
        print(f"  wrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
