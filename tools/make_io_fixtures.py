#!/usr/bin/python3
"""Write the reference files for the C# I/O tests (tests/BoltzmannGen.Tests/Data/).

Every fixture is produced by the reference implementation the C# code must agree with: numpy for .npy/.npz,
OpenMM's app.PDBFile for PDB and app.DCDFile for DCD. The expected values go into expected.json (exact
float64 reprs, so a JSON parse reproduces them bit for bit) and, for coordinates, float64 .npy files computed
with numpy, so the tests never derive an expectation from the code under test.

Run with Debian's interpreter (numpy 1.24, OpenMM 7.7):  /usr/bin/python3 tools/make_io_fixtures.py
The output is deterministic except the date OpenMM puts in PDB/DCD titles.
"""
import json
import os

import numpy as np
from openmm import Vec3, app, unit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "BoltzmannGen.Tests", "Fixtures", "io")
rng = np.random.default_rng(20240611)
expected = {"npy": {}, "npz": {}, "pdb": {}, "dcd": {}}


def path(name):
    return os.path.join(OUT, name)


def describe(a):
    """dtype, shape and the values as exact JSON numbers/booleans (C order)."""
    flat = a.ravel(order="C")
    if a.dtype == np.bool_:
        values = [bool(v) for v in flat]
    elif a.dtype.kind in "iu":
        values = [int(v) for v in flat]
    else:
        values = [float(v) for v in flat]  # float32 widens exactly; repr round-trips
    return {"descr": a.dtype.str, "shape": list(a.shape), "values": values}


def write_npy():
    arrays = {
        "f32_3d": rng.normal(size=(4, 5, 3)).astype(np.float32),
        "f64_2d": rng.normal(scale=10.0, size=(6, 3)),
        "bool_1d": np.array([True, False, True, True, False]),
        "i4_1d": np.array([-5, 0, 2**31 - 1, -(2**31)], dtype=np.int32),
        "i8_2d": np.array([[-(2**62), 2**40 + 3, 0], [1, -1, 2**63 - 1]], dtype=np.int64),
        "u1_1d": np.array([0, 1, 200, 255], dtype=np.uint8),
        "f8_scalar": np.array(3.25),
        "f4_empty": np.zeros((0, 5, 3), dtype=np.float32),
    }
    for name, a in arrays.items():
        np.save(path(name + ".npy"), a)
        expected["npy"][name] = describe(a)

    # Newer header versions, written by numpy's own format module.
    v2 = rng.normal(size=(3, 2, 3)).astype(np.float32)
    with open(path("v2.npy"), "wb") as f:
        np.lib.format.write_array(f, v2, version=(2, 0))
    expected["npy"]["v2"] = describe(v2)
    v3 = np.arange(6, dtype=np.float64).reshape(2, 3) / 8.0
    with open(path("v3.npy"), "wb") as f:
        np.lib.format.write_array(f, v3, version=(3, 0))
    expected["npy"]["v3"] = describe(v3)

    # Files our reader must refuse.
    np.save(path("fortran.npy"), np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    np.save(path("bigendian.npy"), np.arange(4, dtype=">f8"))
    np.save(path("complex.npy"), np.zeros(3, dtype=np.complex128))
    full = np.zeros((24, 22, 3), dtype=np.float32)
    np.save(path("truncated.npy"), full)
    with open(path("truncated.npy"), "rb") as f:
        raw = f.read()
    data_start = len(raw) - full.nbytes
    with open(path("truncated.npy"), "wb") as f:
        f.write(raw[: data_start + 1000])
    expected["npy"]["truncated"] = {"data_bytes": int(full.nbytes), "present": 1000}


def write_npz():
    arrays = {
        "positions": rng.normal(size=(3, 4, 3)).astype(np.float32),
        "log_q": rng.normal(size=3),
        "valid": np.array([True, False, True]),
    }
    np.savez(path("samples.npz"), **arrays)
    np.savez_compressed(path("samples_compressed.npz"), **arrays)
    expected["npz"] = {"names": list(arrays), "arrays": {k: describe(v) for k, v in arrays.items()}}


def tiny_topology(periodic=False):
    """Methanol (HETATM, CONECT by OpenMM), a chloride ion (two-letter element) and a water (standard
    residue: OpenMM writes no CONECT for it) in three chains."""
    top = app.Topology()
    e = app.element
    chain = top.addChain()
    moh = top.addResidue("MOH", chain)
    c = top.addAtom("C", e.carbon, moh)
    o = top.addAtom("O", e.oxygen, moh)
    ho = top.addAtom("HO", e.hydrogen, moh)
    hs = [top.addAtom(n, e.hydrogen, moh) for n in ("H1", "H2", "H3")]
    top.addBond(c, o)
    top.addBond(o, ho)
    for h in hs:
        top.addBond(c, h)
    cl_chain = top.addChain()
    top.addAtom("CL", e.chlorine, top.addResidue("CL", cl_chain))
    w_chain = top.addChain()
    hoh = top.addResidue("HOH", w_chain)
    ow = top.addAtom("O", e.oxygen, hoh)
    top.addBond(ow, top.addAtom("H1", e.hydrogen, hoh))
    top.addBond(ow, top.addAtom("H2", e.hydrogen, hoh))
    if periodic:
        top.setUnitCellDimensions(Vec3(2.5, 2.5, 2.5) * unit.nanometers)
    return top


def write_pdb():
    top = tiny_topology()
    n = top.getNumAtoms()
    models = 3
    # Å values with 3 decimals, so the file text is exact and the expectation is text / 10.
    angstrom = np.round(rng.uniform(-20.0, 20.0, size=(models, n, 3)), 3)
    with open(path("models.pdb"), "w") as f:
        app.PDBFile.writeHeader(top, f)
        for m in range(models):
            pos = [Vec3(*map(float, p)) for p in angstrom[m]] * unit.angstroms
            app.PDBFile.writeModel(top, pos, f, modelIndex=m + 1)
        app.PDBFile.writeFooter(top, f)
    np.save(path("models_expected_nm.npy"), angstrom / 10.0)

    standard = set(app.PDBFile._standardResidues)
    atoms = list(top.atoms())
    conect = sorted(
        tuple(sorted((a.index, b.index)))
        for a, b in top.bonds()
        if a.residue.name not in standard or b.residue.name not in standard
    )
    chain_ids = "ABC"
    expected["pdb"] = {
        "models": models,
        "atoms": [
            {"name": a.name, "element": a.element.symbol, "residue": a.residue.index} for a in atoms
        ],
        "residues": [
            # writeModel numbers residues 1, 2, ... within each chain
            {"name": r.name, "number": list(r.chain.residues()).index(r) + 1, "chain": chain_ids[r.chain.index]}
            for r in top.residues()
        ],
        "bonds": [list(b) for b in conect],
        "all_bonds": sorted(list(sorted((a.index, b.index))) for a, b in top.bonds()),
    }


def write_dcd():
    top = tiny_topology()
    n = top.getNumAtoms()
    frames = 3
    nm = rng.normal(scale=0.8, size=(frames, n, 3))
    np.save(path("traj_input_nm.npy"), nm)
    # What DCDFile stores is float32(10 x) Å; read back as float64 and scaled by 0.1.
    np.save(path("traj_expected_nm.npy"), np.float32(10.0 * nm).astype(np.float64) * 0.1)
    dt, first, interval = 0.002, 100, 10

    def write(name, topology):
        with open(path(name), "wb") as f:
            dcd = app.DCDFile(f, topology, dt * unit.picoseconds, firstStep=first, interval=interval)
            for k in range(frames):
                dcd.writeModel([Vec3(*map(float, p)) for p in nm[k]] * unit.nanometers)

    write("traj.dcd", top)
    write("traj_cell.dcd", tiny_topology(periodic=True))
    with open(path("traj.dcd"), "rb") as f:
        raw = f.read()
    with open(path("traj_truncated.dcd"), "wb") as f:
        f.write(raw[:-10])  # the header still announces 3 frames; the last one lacks 10 bytes
    expected["dcd"] = {
        "frames": frames,
        "atoms": n,
        "first_step": first,
        "interval": interval,
        "dt_ps": dt,
        "titles": 2,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    write_npy()
    write_npz()
    write_pdb()
    write_dcd()
    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote", len(os.listdir(OUT)), "files to", OUT)


if __name__ == "__main__":
    main()
