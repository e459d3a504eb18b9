#!/usr/bin/python3
"""Reference energies and forces for the C# energy tests.

For each system (aldp, al3, al4) this reads forcefields/<system>/topology.pdb
and system.xml and writes tests/BoltzmannGen.Tests/Fixtures/energy/<system>/:

  frames.npy        float32 (25, atoms, 3) nm. Frame 0 = topology.pdb as read
                    by app.PDBFile; frames 1..24 from Langevin MD (Reference
                    platform, fixed seeds): 1000 steps of equilibration, then
                    one frame every 200 steps.
  energies.csv      frame,energy_kj_mol,reduced_energy for frames.npy
  forces.npy        float64 (25, atoms, 3) kJ/mol/nm for frames.npy
  frames.pdb        the frames as a multi-MODEL PDB (PDBFile.writeModel)
  energies_pdb.csv  energies of the coordinates app.PDBFile reads from frames.pdb
  frames.dcd        the frames written by app.DCDFile (no periodic box)
  energies_dcd.csv  energies of x_nm = float64(float32 stored Angstrom) * 0.1

All energies and forces are float64 from a fresh Reference-platform Context
made from system.xml, evaluated on exactly the coordinates a reader of the
respective file sees.

  /usr/bin/python3 tools/make_energy_fixtures.py [--system aldp|al3|al4|all]
"""

import argparse
import io
import os
import shlex
import struct
import sys

import numpy as np

try:
    import openmm
    from openmm import app, unit
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("error: OpenMM's Python layer is not importable; run with Debian's /usr/bin/python3")

sys.dont_write_bytecode = True  # no tools/__pycache__ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_forcefields import conect_lines  # noqa: E402  (same folder)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEMS = ["aldp", "al3", "al4"]
KB_KJ_MOL_K = 0.0083144626   # docs/design.md §4.1
TEMPERATURE_K = 300.0
FRICTION_PER_PS = 1.0
TIMESTEP_PS = 0.001
EQUILIBRATION_STEPS = 1000
SAVE_INTERVAL = 200
MD_FRAMES = 24               # plus frame 0 = topology.pdb
SEEDS = {"aldp": 1001, "al3": 1002, "al4": 1003}
DCD_TITLE = b"Created by tools/make_energy_fixtures.py"  # replaces DCDFile's timestamp title


def reference_context(system):
    return openmm.Context(system, openmm.VerletIntegrator(TIMESTEP_PS),
                          openmm.Platform.getPlatformByName("Reference"))


def evaluate(system, frames_nm):
    """float64 energies (kJ/mol) and forces (kJ/mol/nm) of each frame, on a
    fresh Reference context, at exactly the float64 coordinates given."""
    frames_nm = np.asarray(frames_nm, dtype=np.float64)
    ctx = reference_context(system)
    energies = np.empty(len(frames_nm))
    forces = np.empty(frames_nm.shape)
    for i, x in enumerate(frames_nm):
        ctx.setPositions(x)  # a plain (atoms, 3) array in nm; no rounding happens here
        st = ctx.getState(getEnergy=True, getForces=True)
        energies[i] = st.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
        forces[i] = st.getForces(asNumpy=True).value_in_unit(unit.kilojoule_per_mole / unit.nanometer)
    # the coordinates really are the ones given (setPositions keeps doubles)
    back = np.asarray(ctx.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer))
    assert np.array_equal(back, frames_nm[-1]), "Context changed the coordinates"
    del ctx
    return energies, forces


def write_energies_csv(path, energies, kT):
    with open(path, "w", newline="\n") as f:
        f.write("frame,energy_kj_mol,reduced_energy\n")
        for i, e in enumerate(energies):
            f.write(f"{i},{float(e)!r},{float(e) / kT!r}\n")  # repr: shortest exact round trip


def run_md(system, positions, seed):
    integ = openmm.LangevinMiddleIntegrator(TEMPERATURE_K * unit.kelvin, FRICTION_PER_PS / unit.picosecond,
                                            TIMESTEP_PS * unit.picosecond)
    integ.setRandomNumberSeed(seed)
    ctx = openmm.Context(system, integ, openmm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(positions)
    ctx.setVelocitiesToTemperature(TEMPERATURE_K * unit.kelvin, seed)
    integ.step(EQUILIBRATION_STEPS)
    frames = []
    for _ in range(MD_FRAMES):
        integ.step(SAVE_INTERVAL)
        frames.append(ctx.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer))
    del ctx, integ
    return np.asarray(frames, dtype=np.float64)


def write_frames_pdb(path, topology, frames32, system_name):
    buf = io.StringIO()
    buf.write(f"REMARK   1 {system_name}: {len(frames32)} frames, tools/make_energy_fixtures.py\n")
    for i, x in enumerate(frames32):
        # nm float32 -> float64 -> Angstrom (writeModel multiplies by 10, prints %8.3f)
        app.PDBFile.writeModel(topology, x.astype(np.float64) * unit.nanometer, buf, modelIndex=i + 1)
    for line in conect_lines(topology):
        buf.write(line + "\n")
    buf.write("END\n")
    with open(path, "w") as f:
        f.write(buf.getvalue())


def write_frames_dcd(path, topology, frames32):
    with open(path, "wb") as f:
        dcd = app.DCDFile(f, topology, TIMESTEP_PS * unit.picosecond, firstStep=0, interval=SAVE_INTERVAL)
        for x in frames32:
            dcd.writeModel(x.astype(np.float64) * unit.nanometer)
    # DCDFile puts the wall-clock time into the second title line; replace it
    # so that the committed file is reproducible byte for byte.
    with open(path, "r+b") as f:
        f.seek(4 + 84 + 4 + 4 + 4 + 80)  # header record, title record length, ntitle, title 1
        f.write(struct.pack("<80s", DCD_TITLE))


def read_dcd(path):
    """Minimal DCD reader (Fortran unformatted records, little endian):
    returns (float32 coordinates in Angstrom as stored, has_unit_cell)."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def record():
        nonlocal pos
        (n,) = struct.unpack_from("<i", data, pos)
        payload = data[pos + 4:pos + 4 + n]
        (n2,) = struct.unpack_from("<i", data, pos + 4 + n)
        if n2 != n:
            raise ValueError(f"DCD record markers differ at byte {pos}: {n} vs {n2}")
        pos += 8 + n
        return payload

    header = record()
    if len(header) != 84 or header[:4] != b"CORD":
        raise ValueError("not a DCD file")
    icntrl = struct.unpack_from("<20i", header, 4)
    n_frames, has_cell = icntrl[0], icntrl[10] != 0
    titles = record()
    (n_titles,) = struct.unpack_from("<i", titles, 0)
    assert len(titles) == 4 + 80 * n_titles
    (n_atoms,) = struct.unpack("<i", record())
    frames = np.empty((n_frames, n_atoms, 3), dtype=np.float32)
    for k in range(n_frames):
        if has_cell:
            record()
        for d in range(3):
            frames[k, :, d] = np.frombuffer(record(), dtype="<f4")
    if pos != len(data):
        raise ValueError("trailing bytes in DCD file")
    return frames, has_cell


def make(system_name, out_root):
    ff_dir = os.path.join(ROOT, "forcefields", system_name)
    out = os.path.join(out_root, system_name)
    os.makedirs(out, exist_ok=True)
    kT = KB_KJ_MOL_K * TEMPERATURE_K
    print(f"== {system_name}: {ff_dir} -> {os.path.relpath(out, ROOT)}")

    pdb = app.PDBFile(os.path.join(ff_dir, "topology.pdb"))
    with open(os.path.join(ff_dir, "system.xml")) as f:
        system = openmm.XmlSerializer.deserialize(f.read())
    topology = pdb.topology
    n_atoms = topology.getNumAtoms()
    if system.getNumParticles() != n_atoms:
        raise SystemExit(f"error: {system_name}: system.xml has {system.getNumParticles()} particles, "
                         f"topology.pdb {n_atoms} atoms")
    if topology.getPeriodicBoxVectors() is not None:
        raise SystemExit("error: topology.pdb has a periodic box (CRYST1); the fixtures assume none")

    # frames: 0 = topology.pdb, 1..24 = MD; then rounded to float32
    x0 = np.asarray(pdb.getPositions(asNumpy=True).value_in_unit(unit.nanometer), dtype=np.float64)
    md = run_md(system, x0, SEEDS[system_name])
    print(f"   MD: LangevinMiddle {TEMPERATURE_K:g} K, {FRICTION_PER_PS:g}/ps, {TIMESTEP_PS * 1000:g} fs, "
          f"seed {SEEDS[system_name]}, {EQUILIBRATION_STEPS} + {MD_FRAMES}x{SAVE_INTERVAL} steps")
    frames32 = np.ascontiguousarray(np.concatenate([x0[None], md]).astype(np.float32))
    x64 = frames32.astype(np.float64)

    energies, forces = evaluate(system, x64)
    np.save(os.path.join(out, "frames.npy"), frames32)
    np.save(os.path.join(out, "forces.npy"), np.ascontiguousarray(forces, dtype=np.float64))
    write_energies_csv(os.path.join(out, "energies.csv"), energies, kT)

    # PDB: what app.PDBFile reads back from the written file
    pdb_path = os.path.join(out, "frames.pdb")
    write_frames_pdb(pdb_path, topology, frames32, system_name)
    back = app.PDBFile(pdb_path)
    if back.getNumFrames() != len(frames32) or back.topology.getNumAtoms() != n_atoms:
        raise SystemExit("error: frames.pdb reads back with a different shape")
    x_pdb = np.asarray([back.getPositions(asNumpy=True, frame=i).value_in_unit(unit.nanometer)
                        for i in range(back.getNumFrames())], dtype=np.float64)
    if np.max(np.abs(x_pdb - x64)) > 0.5e-4 + 1e-9:  # 0.0005 Angstrom = 0.00005 nm
        raise SystemExit("error: frames.pdb coordinates differ by more than the PDB rounding")
    e_pdb, _ = evaluate(system, x_pdb)
    write_energies_csv(os.path.join(out, "energies_pdb.csv"), e_pdb, kT)

    # DCD: parsed here independently of OpenMM
    dcd_path = os.path.join(out, "frames.dcd")
    write_frames_dcd(dcd_path, topology, frames32)
    stored, has_cell = read_dcd(dcd_path)
    if has_cell:
        raise SystemExit("error: frames.dcd has a unit cell")
    expected = (x64 * 10.0).astype(np.float32)  # what DCDFile stores: float32(10 * x)
    if stored.shape != frames32.shape or not np.array_equal(stored, expected):
        raise SystemExit("error: frames.dcd does not hold float32(10 * x_nm)")
    x_dcd = stored.astype(np.float64) * 0.1
    e_dcd, _ = evaluate(system, x_dcd)
    write_energies_csv(os.path.join(out, "energies_dcd.csv"), e_dcd, kT)

    print(f"   {len(frames32)} frames x {n_atoms} atoms; E in [{energies.min():.4f}, {energies.max():.4f}] kJ/mol "
          f"(u in [{energies.min() / kT:.3f}, {energies.max() / kT:.3f}]); frame 0 E = {energies[0]:.6f}")
    print(f"   |E_pdb - E| max {np.max(np.abs(e_pdb - energies)):.3e} kJ/mol, "
          f"|E_dcd - E| max {np.max(np.abs(e_dcd - energies)):.3e} kJ/mol, "
          f"max |x_dcd - x| {np.max(np.abs(x_dcd - x64)):.1e} nm, max |F| {np.max(np.abs(forces)):.1f} kJ/mol/nm")
    return dict(name=system_name, atoms=n_atoms, frames=len(frames32), emin=energies.min(), emax=energies.max(),
                dpdb=np.max(np.abs(e_pdb - energies)), ddcd=np.max(np.abs(e_dcd - energies)))


def write_readme(out_root, results, command):
    rows = "".join(f"| `{r['name']}` | {r['atoms']} | {r['frames']} | {r['emin']:.3f} … {r['emax']:.3f} | "
                   f"{r['dpdb']:.2e} | {r['ddcd']:.2e} |\n" for r in results)
    text = f"""# Energy reference fixtures

Made by

```
{command}
```

with OpenMM {openmm.Platform.getOpenMMVersion()} (Debian's Python app layer, Reference platform, float64),
from `forcefields/<system>/topology.pdb` and `forcefields/<system>/system.xml`.
Do not edit by hand; rerun the command (the output is reproducible byte for byte).

| system | atoms | frames | E range (kJ/mol) | max abs(E_pdb − E) | max abs(E_dcd − E) |
|---|---|---|---|---|---|
{rows}
## Frames

- frame 0: the coordinates of `forcefields/<system>/topology.pdb` as read by `app.PDBFile`
  (the minimised structure at PDB precision);
- frames 1–{MD_FRAMES}: Langevin MD from frame 0 (`LangevinMiddleIntegrator`, {TEMPERATURE_K:g} K,
  friction {FRICTION_PER_PS:g}/ps, step {TIMESTEP_PS * 1000:g} fs, Reference platform,
  `integrator.setRandomNumberSeed(seed)` and `setVelocitiesToTemperature({TEMPERATURE_K:g} K, seed)`,
  seeds {', '.join(f'{k} {v}' for k, v in SEEDS.items())}): {EQUILIBRATION_STEPS} steps of equilibration,
  then one frame every {SAVE_INTERVAL} steps (frame k at step {EQUILIBRATION_STEPS} + {SAVE_INTERVAL}·k).

Every frame is rounded to float32 first; all reference values are computed from
those float32 coordinates (widened exactly to float64) with a fresh
Reference-platform `Context` made from `system.xml`.
Reduced energy u = E / (k_B T), k_B = {KB_KJ_MOL_K} kJ/mol/K, T = {TEMPERATURE_K:g} K.
CSV numbers are Python `repr` of float64 (shortest text that round-trips exactly).

## Files per system (`<system>/`)

| file | content |
|---|---|
| `frames.npy` | float32 (frames, atoms, 3), nm |
| `energies.csv` | `frame,energy_kj_mol,reduced_energy` for `frames.npy` |
| `forces.npy` | float64 (frames, atoms, 3), kJ/mol/nm, for `frames.npy` (force = −gradient) |
| `frames.pdb` | the same frames, one `MODEL`/`ENDMDL` each, written by `app.PDBFile.writeModel` (Å, 3 decimals), followed by CONECT records for every bond and `END` |
| `energies_pdb.csv` | energies of the coordinates `app.PDBFile` reads back from `frames.pdb`: x_nm = float64(Å text, 3 decimals) × 0.1 (a multiplication: dividing by 10 differs in the last bit for about a third of the values); they differ from `energies.csv` by the PDB rounding |
| `frames.dcd` | the same frames written by `app.DCDFile` (CHARMM/NAMD DCD, little endian, no unit cell, timestep {TIMESTEP_PS} ps, interval {SAVE_INTERVAL}); coordinates stored as float32(10·x_nm) in Å. The second title line, which DCDFile fills with the wall-clock time, is overwritten with a fixed text |
| `energies_dcd.csv` | energies of x_nm = float64(float32 stored Å) × 0.1, the way a DCD reader reconstructs nm; the script parses the DCD itself (Fortran records) and checks that what is stored equals float32(10·x) |

Atom order = `forcefields/<system>/topology.pdb` = particle order of `system.xml`.
"""
    with open(os.path.join(out_root, "README.md"), "w") as f:
        f.write(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Energy/force reference fixtures for the C# tests.")
    ap.add_argument("--system", default="all", choices=SYSTEMS + ["all"])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "BoltzmannGen.Tests", "Fixtures", "energy"))
    args = ap.parse_args(argv)
    names = SYSTEMS if args.system == "all" else [args.system]
    print(f"OpenMM {openmm.Platform.getOpenMMVersion()}, numpy {np.__version__}")
    results = [make(n, args.out) for n in names]
    if args.system == "all":
        command = shlex.join(["/usr/bin/python3", "tools/make_energy_fixtures.py"] + (sys.argv[1:] if argv is None else list(argv)))
        write_readme(args.out, results, command)
        print(f"wrote {os.path.join(args.out, 'README.md')}")
    print("energy ranges (kJ/mol):")
    for r in results:
        print(f"   {r['name']:5s} {r['emin']:.4f} .. {r['emax']:.4f}")


if __name__ == "__main__":
    main()
