#!/usr/bin/python3
"""Build the peptide systems of BoltzmannGen from ideal internal coordinates.

For each system this writes a folder (default forcefields/<system>/) with

  topology.pdb  minimised coordinates, with CONECT records for every bond
                of the topology, so the PDB alone defines the bond graph
  system.xml    the OpenMM System (openmm.XmlSerializer.serialize)
  README.md     provenance: molecule, force field, solvent, settings, energy

Built-in systems (docs/design.md §3):

  aldp  ACE-ALA-NME                       22 atoms
  al3   ALA-ALA-ALA (zwitterion, NH3+ ... COO-)  33 atoms
  al4   ACE-ALA-ALA-ALA-NME               42 atoms

Steps: heavy atoms are placed from bond lengths, angles and dihedrals
(NeRF), backbone in a chosen (phi, psi) with trans omega and L-chirality at
every CA; OpenMM's Modeller adds hydrogens at pH 7; the System is created
with NoCutoff and no constraints; the structure is energy-minimised on the
Reference platform; the chirality of every CA is checked before and after.

Run with Debian's Python (OpenMM 7.7 app layer):

  /usr/bin/python3 tools/build_forcefields.py                  # all three
  /usr/bin/python3 tools/build_forcefields.py --system aldp
  /usr/bin/python3 tools/build_forcefields.py --system al3 \\
      --forcefield amber14-all.xml --solvent implicit/obc1.xml \\
      --temperature 310 --name al3-amber14

The output is deterministic (no random numbers are used).
"""

import argparse
import io
import json
import math
import os
import random
import shlex
import sys

import numpy as np

try:
    import openmm
    from openmm import app, unit
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("error: OpenMM's Python layer is not importable; run with Debian's /usr/bin/python3 "
             "(package python3-openmm / python3-simtk)")

# --------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------

# Backbone conformation used to build each system (degrees). phi/psi per
# ALA residue; omega is trans (180) everywhere. For the C-terminal ALA of the
# uncapped zwitterion, psi is the dihedral N-CA-C-OXT.
SYSTEMS = {
    "aldp": dict(
        molecule="alanine dipeptide, ACE-ALA-NME (capped)",
        residues=["ACE", "ALA", "NME"],
        phi_psi=[(-80.0, 80.0)],
        atoms=22,
    ),
    "al3": dict(
        molecule="alanine tripeptide, ALA-ALA-ALA (uncapped zwitterion: NH3+ ... COO-)",
        residues=["ALA", "ALA", "ALA"],
        phi_psi=[(None, 145.0), (-75.0, 145.0), (-75.0, 145.0)],
        atoms=33,
    ),
    "al4": dict(
        molecule="alanine tetrapeptide, ACE-ALA-ALA-ALA-NME (capped)",
        residues=["ACE", "ALA", "ALA", "ALA", "NME"],
        phi_psi=[(-75.0, 145.0), (-75.0, 145.0), (-75.0, 145.0)],
        atoms=42,
    ),
}

KB_KJ_MOL_K = 0.0083144626  # docs/design.md §4.1
HYDROGEN_SEED = 2024        # seeds Python's `random`, which Modeller.addHydrogens uses

# Ideal geometry (Angstrom, degrees); Engh & Huber-like values. Only a start
# for the minimiser, so a few hundredths of an Angstrom do not matter.
BOND = {
    ("N", "CA"): 1.458,
    ("CA", "C"): 1.525,
    ("C", "N"): 1.329,    # peptide bond
    ("CH3", "C"): 1.520,  # ACE methyl - carbonyl
    ("N", "CM"): 1.458,   # NME N - methyl
    ("C", "O"): 1.231,
    ("C", "OC"): 1.250,   # carboxylate C-O / C-OXT
    ("CA", "CB"): 1.530,
}
ANGLE = {
    "N-CA-C": 111.2,
    "CA-C-N": 116.2,
    "C-N-CA": 121.7,
    "CA-C-O": 120.8,
    "CA-C-OC": 117.0,     # carboxylate O-C-O ~ 126
    "N-CA-CB": 110.5,
}
# Dihedral C-N-CA-CB that gives an L (S) alpha carbon with NeRF below. This is
# not trusted blindly: every CA is checked against an L-alanine reference.
CB_DIHEDRAL_L = -122.5

# --------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------


def place(a, b, c, bond, angle_deg, torsion_deg):
    """NeRF: the point d with |cd| = bond, angle(b, c, d) = angle and
    dihedral(a, b, c, d) = torsion (IUPAC sign convention)."""
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
    theta = math.radians(angle_deg)
    tau = math.radians(torsion_deg)
    bc = c - b
    bc /= np.linalg.norm(bc)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    d_local = np.array([-bond * math.cos(theta),
                        bond * math.sin(theta) * math.cos(tau),
                        bond * math.sin(theta) * math.sin(tau)])
    return c + d_local[0] * bc + d_local[1] * m + d_local[2] * n


def dihedral(a, b, c, d):
    """Dihedral angle a-b-c-d in degrees (IUPAC: trans = 180, clockwise > 0)."""
    b0 = np.asarray(a, float) - np.asarray(b, float)
    b1 = np.asarray(c, float) - np.asarray(b, float)
    b2 = np.asarray(d, float) - np.asarray(c, float)
    b1n = b1 / np.linalg.norm(b1)
    v = b0 - np.dot(b0, b1n) * b1n
    w = b2 - np.dot(b2, b1n) * b1n
    x = np.dot(v, w)
    y = np.dot(np.cross(b1n, v), w)
    return math.degrees(math.atan2(y, x))


def angle(a, b, c):
    u = np.asarray(a, float) - np.asarray(b, float)
    v = np.asarray(c, float) - np.asarray(b, float)
    return math.degrees(math.acos(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)))


def signed_volume(ca, n, c, cb):
    """(N-CA) . ((C-CA) x (CB-CA)): the sign encodes the handedness at CA."""
    ca = np.asarray(ca, float)
    return float(np.dot(np.asarray(n, float) - ca,
                        np.cross(np.asarray(c, float) - ca, np.asarray(cb, float) - ca)))


def reference_l_alanine_sign():
    """Sign of signed_volume for L-alanine, derived from its definition.

    L-alanine is (S)-alanine. CIP priorities at CA: N > C(carbonyl) > CB > H
    (also in a peptide: C has (O, O, N) against CB's (H, H, H)). (S) means:
    with H pointing away from the viewer, N -> C -> CB runs counterclockwise.
    Build exactly that: viewer on +z, H on -z, the three substituents at
    polar angles 0, 120, 240 degrees (counterclockwise seen from +z).
    """
    h = 1.0 / 3.0
    ca = np.zeros(3)
    n = np.array([1.0, 0.0, h])
    c = np.array([math.cos(math.radians(120)), math.sin(math.radians(120)), h])
    cb = np.array([math.cos(math.radians(240)), math.sin(math.radians(240)), h])
    hydrogen = np.array([0.0, 0.0, -1.0])
    # CORN rule as a second statement of the same fact: looking from H to CA,
    # CO -> R -> N is clockwise. Seen from -z, clockwise = decreasing polar
    # angle: C(120) -> CB(240 = -120) -> N(0). Check that reading holds.
    assert hydrogen[2] < 0 < n[2]
    return 1.0 if signed_volume(ca, n, c, cb) > 0 else -1.0


L_SIGN = reference_l_alanine_sign()


def check_chirality(topology, positions_nm, label):
    """Fail loudly unless every CA with N, C and CB neighbours is L."""
    pos = np.asarray(positions_nm, dtype=float)
    results = []
    for res in topology.residues():
        atoms = {a.name: a for a in res.atoms()}
        if "CA" not in atoms or "CB" not in atoms:
            continue
        v = signed_volume(pos[atoms["CA"].index], pos[atoms["N"].index],
                          pos[atoms["C"].index], pos[atoms["CB"].index])
        handed = "L" if v * L_SIGN > 0 else "D"
        results.append((res, v, handed))
        if handed != "L" or abs(v) < 1e-4:  # nm^3; a planar CA is as bad as a D one
            raise SystemExit(f"error: {label}: residue {res.name}{res.index + 1} is {handed} "
                             f"(signed volume {v:.5f} nm^3); expected L")
    if not results:
        raise SystemExit(f"error: {label}: no chirality centre (CA with CB) found")
    return results


def rdkit_cip_labels(topology, positions_nm):
    """Optional independent check: CIP labels of every CA from RDKit (Debian
    package python3-rdkit), computed from the bond graph and 3D coordinates.
    Returns None when RDKit is not installed."""
    try:
        from rdkit import Chem
        from rdkit.Chem import rdCIPLabeler
        from rdkit.Geometry import Point3D
    except ImportError:
        return None
    mol = Chem.RWMol()
    for atom in topology.atoms():
        a = Chem.Atom(atom.element.atomic_number)
        a.SetNoImplicit(True)
        mol.AddAtom(a)
    for a1, a2 in topology.bonds():
        mol.AddBond(a1.index, a2.index, Chem.BondType.SINGLE)
    conf = Chem.Conformer(topology.getNumAtoms())
    for i, p in enumerate(np.asarray(positions_nm, dtype=float) * 10.0):
        conf.SetAtomPosition(i, Point3D(float(p[0]), float(p[1]), float(p[2])))
    mol.AddConformer(conf)
    mol.UpdatePropertyCache(strict=False)
    Chem.AssignStereochemistryFrom3D(mol)
    rdCIPLabeler.AssignCIPLabels(mol)
    atoms = list(topology.atoms())
    return [(atoms[i].residue, mol.GetAtomWithIdx(i).GetProp("_CIPCode")
             if mol.GetAtomWithIdx(i).HasProp("_CIPCode") else "?")
            for i in range(len(atoms)) if atoms[i].name == "CA"]


def backbone_dihedrals(topology, positions_nm):
    """(residue, phi, psi) per residue with a CA, from the bond graph/names."""
    pos = np.asarray(positions_nm, dtype=float)
    residues = list(topology.residues())
    out = []
    for i, res in enumerate(residues):
        atoms = {a.name: a for a in res.atoms()}
        if "CA" not in atoms:
            continue
        phi = psi = None
        if i > 0:
            prev = {a.name: a for a in residues[i - 1].atoms()}
            if "C" in prev:
                phi = dihedral(*(pos[x.index] for x in (prev["C"], atoms["N"], atoms["CA"], atoms["C"])))
        nxt = None
        if i + 1 < len(residues):
            nxt = {a.name: a for a in residues[i + 1].atoms()}.get("N")
        elif "OXT" in atoms:
            nxt = atoms["OXT"]
        if nxt is not None:
            psi = dihedral(*(pos[x.index] for x in (atoms["N"], atoms["CA"], atoms["C"], nxt)))
        out.append((res, phi, psi))
    return out


# --------------------------------------------------------------------------
# Heavy-atom model from internal coordinates
# --------------------------------------------------------------------------


def build_heavy_atoms(residues, phi_psi):
    """Return [(resname, [(atomname, element, xyz_angstrom), ...]), ...]."""
    n_res = len(residues)
    ala_idx = [i for i, r in enumerate(residues) if r == "ALA"]
    assert len(ala_idx) == len(phi_psi)
    angles = dict(zip(ala_idx, phi_psi))
    capped_c = residues[-1] == "NME"

    # The backbone chain, in bonding order: (residue index, atom name, kind).
    chain = []
    for i, r in enumerate(residues):
        if r == "ACE":
            chain += [(i, "CH3", "CH3"), (i, "C", "C")]
        elif r == "ALA":
            chain += [(i, "N", "N"), (i, "CA", "CA"), (i, "C", "C")]
        elif r == "NME":
            chain += [(i, "N", "N"), (i, "C", "CM")]  # NME methyl carbon is named "C"
        else:
            raise ValueError(r)

    def bond_len(k1, k2):
        return BOND.get((k1, k2)) or BOND[(k2, k1)]

    def angle_at(k_prev, k_mid, k_next):
        if k_mid == "CA":
            return ANGLE["N-CA-C"]
        if k_mid == "C":
            return ANGLE["CA-C-N"]      # CA/CH3 - C - N
        if k_mid == "N":
            return ANGLE["C-N-CA"]      # C - N - CA/CM
        raise ValueError(k_mid)

    def torsion_for(j):
        """Dihedral chain[j-3..j] that places chain atom j."""
        ri, name, kind = chain[j]
        if kind in ("CA", "CM"):
            return 180.0                                  # omega, trans
        if kind == "C" and residues[ri] == "ALA":
            return angles[ri][0]                          # phi
        if kind == "N":
            prev_res = chain[j - 1][0]
            return angles[prev_res][1] if residues[prev_res] == "ALA" else 180.0  # psi
        raise ValueError((ri, name, kind))

    xyz = []
    for j, (ri, name, kind) in enumerate(chain):
        if j == 0:
            p = np.zeros(3)
        elif j == 1:
            p = np.array([bond_len(chain[0][2], kind), 0.0, 0.0])
        elif j == 2:
            b = bond_len(chain[1][2], kind)
            th = math.radians(180.0 - angle_at(chain[0][2], chain[1][2], kind))
            p = xyz[1] + np.array([b * math.cos(th), b * math.sin(th), 0.0])
        else:
            p = place(xyz[j - 3], xyz[j - 2], xyz[j - 1], bond_len(chain[j - 1][2], kind),
                      angle_at(chain[j - 2][2], chain[j - 1][2], kind), torsion_for(j))
        xyz.append(p)

    where = {(ri, name): xyz[j] for j, (ri, name, kind) in enumerate(chain)}

    # Self-check of the chain geometry (catches sign/convention slips).
    for j in range(3, len(chain)):
        got = dihedral(xyz[j - 3], xyz[j - 2], xyz[j - 1], xyz[j])
        want = torsion_for(j)
        if abs((got - want + 180.0) % 360.0 - 180.0) > 1e-6:
            raise AssertionError(f"NeRF dihedral mismatch at chain atom {j}: {got} vs {want}")

    out = []
    for i, r in enumerate(residues):
        atoms = []
        if r == "ACE":
            ch3, c, n_next = where[(i, "CH3")], where[(i, "C")], where[(i + 1, "N")]
            o = place(n_next, ch3, c, BOND[("C", "O")], ANGLE["CA-C-O"], 180.0)
            atoms = [("CH3", "C", ch3), ("C", "C", c), ("O", "O", o)]
        elif r == "ALA":
            n, ca, c = where[(i, "N")], where[(i, "CA")], where[(i, "C")]
            cb = place(c, n, ca, BOND[("CA", "CB")], ANGLE["N-CA-CB"], CB_DIHEDRAL_L)
            if i + 1 < n_res:
                o = place(where[(i + 1, "N")], ca, c, BOND[("C", "O")], ANGLE["CA-C-O"], 180.0)
                atoms = [("N", "N", n), ("CA", "C", ca), ("C", "C", c), ("O", "O", o), ("CB", "C", cb)]
            else:
                assert not capped_c
                psi = angles[i][1]
                oxt = place(n, ca, c, BOND[("C", "OC")], ANGLE["CA-C-OC"], psi)
                o = place(n, ca, c, BOND[("C", "OC")], ANGLE["CA-C-OC"], psi + 180.0)
                atoms = [("N", "N", n), ("CA", "C", ca), ("C", "C", c), ("O", "O", o),
                         ("CB", "C", cb), ("OXT", "O", oxt)]
        elif r == "NME":
            atoms = [("N", "N", where[(i, "N")]), ("C", "C", where[(i, "C")])]
        out.append((r, atoms))
    return out


def heavy_atom_pdb_text(model):
    """A minimal PDB of the heavy atoms (read back through app.PDBFile so that
    OpenMM's own name tables and standard bonds apply)."""
    lines = []
    serial = 1
    for ri, (resname, atoms) in enumerate(model):
        record = "ATOM  " if resname == "ALA" else "HETATM"
        for name, element, p in atoms:
            pdb_name = (" " + name) if len(name) < 4 else name
            lines.append("%s%5d %-4s %3s A%4d    %8.3f%8.3f%8.3f  1.00  0.00          %2s" % (
                record, serial, pdb_name, resname, ri + 1, p[0], p[1], p[2], element))
            serial += 1
    lines.append("TER")
    lines.append("END")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# PDB writing with CONECT for every bond
# --------------------------------------------------------------------------


def pdb_serials(topology):
    """Atom serial numbers as PDBFile.writeModel assigns them (a TER record
    after each chain takes one serial number)."""
    serial = {}
    next_serial = 1
    for chain in topology.chains():
        for atom in chain.atoms():
            serial[atom.index] = next_serial
            next_serial += 1
        next_serial += 1  # TER
    return serial


def conect_lines(topology):
    serial = pdb_serials(topology)
    partners = {}
    for a1, a2 in topology.bonds():
        partners.setdefault(a1.index, []).append(a2.index)
        partners.setdefault(a2.index, []).append(a1.index)
    lines = []
    for i in sorted(partners):
        others = sorted(partners[i])
        for k in range(0, len(others), 4):  # at most four partners per record
            lines.append("CONECT%5d" % serial[i] + "".join("%5d" % serial[j] for j in others[k:k + 4]))
    return lines


def write_pdb_with_conect(path, topology, positions, remarks):
    buf = io.StringIO()
    for r in remarks:
        buf.write(("REMARK   1 " + r)[:80] + "\n")
    app.PDBFile.writeModel(topology, positions, buf)
    for line in conect_lines(topology):
        buf.write(line + "\n")
    buf.write("END\n")
    with open(path, "w") as f:
        f.write(buf.getvalue())


def bond_set(topology):
    return sorted(tuple(sorted((a.index, b.index))) for a, b in topology.bonds())


# --------------------------------------------------------------------------
# Build one system
# --------------------------------------------------------------------------


def energy_kj(context):
    return context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)


def force_stats(context):
    f = context.getState(getForces=True).getForces(asNumpy=True).value_in_unit(
        unit.kilojoule_per_mole / unit.nanometer)
    f = np.asarray(f)
    return float(np.sqrt(np.mean(f ** 2))), float(np.max(np.linalg.norm(f, axis=1)))


def energy_by_force(system, positions):
    """Energy of each force (Reference platform), using force groups."""
    sys2 = openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(system))
    for k in range(sys2.getNumForces()):
        sys2.getForce(k).setForceGroup(k)
    ctx = openmm.Context(sys2, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(positions)
    out = []
    for k in range(sys2.getNumForces()):
        e = ctx.getState(getEnergy=True, groups={k}).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
        out.append((sys2.getForce(k).__class__.__name__, e))
    del ctx
    return out


def build(system_key, args, out_dir, command):
    spec = SYSTEMS[system_key]
    solvent_files = [] if args.solvent.lower() == "none" else [args.solvent]
    ff_files = [args.forcefield] + solvent_files
    print(f"== {system_key}: {spec['molecule']}")
    print(f"   residues {'-'.join(spec['residues'])}; start (phi, psi) per ALA: "
          + ", ".join(f"({'-' if p is None else p:>}, {s})" for p, s in spec["phi_psi"]))

    # 1. heavy atoms from internal coordinates
    model = build_heavy_atoms(spec["residues"], spec["phi_psi"])
    pdb = app.PDBFile(io.StringIO(heavy_atom_pdb_text(model)))
    n_heavy = pdb.topology.getNumAtoms()
    names = [f"{a.residue.name}:{a.name}" for a in pdb.topology.atoms()]
    print(f"   heavy atoms placed by NeRF: {n_heavy} ({' '.join(names)})")
    check_chirality(pdb.topology, pdb.getPositions(asNumpy=True).value_in_unit(unit.nanometer),
                    f"{system_key} heavy-atom model")

    # 2. hydrogens (pH 7) and the System
    print(f"   force field: {' + '.join(ff_files)}")
    forcefield = app.ForceField(*ff_files)
    modeller = app.Modeller(pdb.topology, pdb.positions)
    # Modeller places new hydrogens with Python's `random` and relaxes them on
    # a platform of its choice: fix both so the output is reproducible.
    random.seed(HYDROGEN_SEED)
    modeller.addHydrogens(forcefield, pH=7.0, platform=openmm.Platform.getPlatformByName("Reference"))
    topology, positions = modeller.topology, modeller.positions
    n_atoms = topology.getNumAtoms()
    print(f"   Modeller.addHydrogens(pH=7, Reference platform, random.seed({HYDROGEN_SEED})): {n_atoms} atoms")
    system = forcefield.createSystem(topology, nonbondedMethod=app.NoCutoff, constraints=None,
                                     rigidWater=False)
    if system.getNumParticles() != n_atoms:
        raise SystemExit("error: particle count differs from atom count")
    if system.getNumConstraints() != 0:
        raise SystemExit("error: the System has constraints")
    charge = 0.0
    for f in system.getForces():
        if isinstance(f, openmm.NonbondedForce):
            charge = sum(f.getParticleParameters(i)[0].value_in_unit(unit.elementary_charge)
                         for i in range(f.getNumParticles()))

    # 3. minimise on the Reference platform
    platform = openmm.Platform.getPlatformByName("Reference")
    context = openmm.Context(system, openmm.VerletIntegrator(0.001 * unit.picosecond), platform)
    context.setPositions(positions)
    e0 = energy_kj(context)
    print(f"   energy before minimisation: {e0:.4f} kJ/mol")
    for _ in range(5):  # L-BFGS can stop early on a line-search failure; restart it
        openmm.LocalEnergyMinimizer.minimize(context, args.tolerance, 0)
        rms, fmax = force_stats(context)
        if rms <= args.tolerance:
            break
    e_min = energy_kj(context)
    rms, fmax = force_stats(context)
    print(f"   minimised energy: {e_min:.6f} kJ/mol (RMS force {rms:.2e}, max |F| {fmax:.2e} kJ/mol/nm)")
    min_pos = context.getState(getPositions=True).getPositions(asNumpy=True)
    del context

    # 4. chirality and conformation after minimisation
    pos_nm = np.asarray(min_pos.value_in_unit(unit.nanometer))
    chir = check_chirality(topology, pos_nm, f"{system_key} minimised")
    print("   chirality: " + ", ".join(f"{r.name}{r.index + 1} {h} ({v:+.4f} nm^3)" for r, v, h in chir))
    cip = rdkit_cip_labels(topology, pos_nm)
    if cip is None:
        print("   RDKit not installed: CIP cross-check skipped")
    else:
        print("   RDKit CIP cross-check: " + ", ".join(f"{r.name}{r.index + 1} CA {lab}" for r, lab in cip))
        if any(lab != "S" for r, lab in cip):  # L-alanine is (S)
            raise SystemExit(f"error: {system_key}: RDKit finds a CA that is not (S)")
    dihs = backbone_dihedrals(topology, pos_nm)
    dih_text = ", ".join(f"{r.name}{r.index + 1} ({'-' if p is None else f'{p:.1f}'}, "
                         f"{'-' if s is None else f'{s:.1f}'})" for r, p, s in dihs)
    print(f"   minimised (phi, psi): {dih_text}")

    # 5. write
    os.makedirs(out_dir, exist_ok=True)
    pdb_path = os.path.join(out_dir, "topology.pdb")
    xml_path = os.path.join(out_dir, "system.xml")
    readme_path = os.path.join(out_dir, "README.md")
    write_pdb_with_conect(pdb_path, topology, min_pos, [
        f"{os.path.basename(out_dir)}: {'-'.join(spec['residues'])}, {n_atoms} atoms"[:69],
        f"{' + '.join(ff_files)}, NoCutoff, no constraints"[:69],
        f"minimised E = {e_min:.6f} kJ/mol, OpenMM {openmm.Platform.getOpenMMVersion()}"[:69],
        "CONECT records list every bond of the topology",
    ])
    xml = openmm.XmlSerializer.serialize(system)
    with open(xml_path, "w") as f:
        f.write(xml)
    # system.json: what `bgen` reads to know the system (names, temperature); the README is for people.
    meta = {
        "name": os.path.basename(os.path.normpath(out_dir)),
        "molecule": spec["molecule"],
        "residues": spec["residues"],
        "atoms": n_atoms,
        "forcefield": args.forcefield,
        "solvent": "none" if not solvent_files else solvent_files[0],
        "temperature_k": args.temperature,
        "nonbonded_method": "NoCutoff",
        "constraints": "None",
        "openmm_version": openmm.Platform.getOpenMMVersion(),
        "minimised_energy_kj_mol": round(e_min, 6),
        "command": command,
    }
    with open(os.path.join(out_dir, "system.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")

    # 6. read the PDB back: same atoms, same bonds, same System
    back = app.PDBFile(pdb_path)
    if back.topology.getNumAtoms() != n_atoms:
        raise SystemExit("error: topology.pdb reads back with a different atom count")
    if [(a.residue.name, a.name) for a in back.topology.atoms()] != [(a.residue.name, a.name) for a in topology.atoms()]:
        raise SystemExit("error: topology.pdb reads back with different atom/residue names")
    if bond_set(back.topology) != bond_set(topology):
        raise SystemExit("error: topology.pdb reads back with a different bond graph")
    conect_bonds = set()
    for line in open(pdb_path):
        if line.startswith("CONECT"):
            fields = [int(line[k:k + 5]) for k in range(6, len(line.rstrip()), 5)]
            for j in fields[1:]:
                conect_bonds.add(tuple(sorted((fields[0], j))))
    serial = pdb_serials(topology)
    if conect_bonds != {tuple(sorted((serial[a], serial[b]))) for a, b in bond_set(topology)}:
        raise SystemExit("error: CONECT records do not match the bond graph")
    sys_back = forcefield.createSystem(back.topology, nonbondedMethod=app.NoCutoff, constraints=None,
                                       rigidWater=False)
    sys_xml = openmm.XmlSerializer.deserialize(xml)
    energies = []
    for s in (sys_xml, sys_back):
        ctx = openmm.Context(s, openmm.VerletIntegrator(0.001), platform)
        ctx.setPositions(back.positions)
        energies.append(energy_kj(ctx))
        del ctx
    if abs(energies[0] - energies[1]) > 1e-6 * max(1.0, abs(energies[0])):
        raise SystemExit(f"error: system.xml and a System rebuilt from topology.pdb disagree: {energies}")
    print(f"   check: topology.pdb reads back with {n_atoms} atoms and {len(bond_set(topology))} bonds "
          f"(all in CONECT); rebuilt System energy matches system.xml ({energies[0]:.6f} kJ/mol at PDB precision)")

    terms = energy_by_force(system, min_pos)
    forces = [f.__class__.__name__ for f in system.getForces()]
    temp = args.temperature
    nme_note = ""
    if "NME" in spec["residues"]:
        nme_note = ("\n  Note: the NME methyl carbon is named `C` (OpenMM's PDB name; the Amber\n"
                    "  template calls it `CH3`), its hydrogens `H1`-`H3`; NME has no `CA`.")
    readme = f"""# {os.path.basename(out_dir)}

Built by `tools/build_forcefields.py`; do not edit by hand, rebuild instead.

| | |
|---|---|
| molecule | {spec['molecule']} |
| residues | {'-'.join(r.name for r in topology.residues())} |
| atoms | {n_atoms} ({n_heavy} heavy atoms + {n_atoms - n_heavy} hydrogens added by `Modeller.addHydrogens(forcefield, pH=7.0)`) |
| bonds | {len(bond_set(topology))} (all listed as CONECT records in `topology.pdb`) |
| net charge | {charge:+.3f} e |
| force field files | {', '.join(f'`{f}`' for f in ff_files)} |
| solvent model | {solvent_description(solvent_files, system)} |
| nonbonded method | NoCutoff |
| constraints | None (`constraints=None`, `rigidWater=False`); {system.getNumConstraints()} constraints in the System |
| temperature | {temp:g} K (metadata only: the System has no thermostat; k_B T = {KB_KJ_MOL_K * temp:.10f} kJ/mol) |
| OpenMM | {openmm.Platform.getOpenMMVersion()} (Python app layer) |
| particles | {system.getNumParticles()} |
| forces | {system.getNumForces()}: {', '.join(forces)} |
| minimised potential energy | {e_min:.6f} kJ/mol (Reference platform, RMS force {rms:.2e} kJ/mol/nm) |

Command:

```
{command}
```

## How it was built

1. Heavy atoms placed from ideal internal coordinates (NeRF: bond lengths,
   bond angles, dihedrals), trans peptide bonds, start (phi, psi) per ALA:
   {', '.join(f"({'-' if p is None else f'{p:g}'}, {s:g})" for p, s in spec['phi_psi'])} degrees
   (for an uncapped C terminus psi is N-CA-C-OXT).
2. `Modeller.addHydrogens(forcefield, pH=7.0, platform=Reference)` after
   `random.seed({HYDROGEN_SEED})` (Modeller draws initial hydrogen positions from `random`).
3. `ForceField({', '.join(repr(f) for f in ff_files)}).createSystem(topology, nonbondedMethod=NoCutoff, constraints=None)`.
4. `LocalEnergyMinimizer.minimize(context, tolerance={args.tolerance:g}, maxIterations=0)` on the Reference platform.
5. Checked: every CA is L (signed volume (N-CA).((C-CA)x(CB-CA)) has the sign of
   (S)-alanine); `topology.pdb` reads back through `app.PDBFile` with the same
   atoms and bond graph, and a System rebuilt from it gives the same energy as
   `system.xml`.

Minimised conformation, (phi, psi) in degrees: {dih_text}.

Chirality (signed volume, nm^3): {', '.join(f'{r.name}{r.index + 1} {h} ({v:+.5f})' for r, v, h in chir)}.

Energy by force at the minimum (kJ/mol):

| force | energy |
|---|---|
""" + "".join(f"| {name} | {e:.6f} |\n" for name, e in terms) + f"""
## Files

- `topology.pdb`: minimised coordinates (PDB precision: 0.001 Angstrom), atom
  and residue names as OpenMM writes them, and CONECT records for every bond.
  OpenMM's own `PDBFile.writeFile` writes CONECT only for bonds that touch a
  residue outside its standard list (ACE and NME are outside it, ALA inside),
  so the builder writes the records itself: one per atom, all its partners.{nme_note}
- `system.xml`: `openmm.XmlSerializer.serialize(system)`; load with
  `XmlSerializer.deserialize` (Python) or `OpenMM::XmlSerializer::deserialize<System>` (C++).
  Particle order = atom order of `topology.pdb`.
"""
    with open(readme_path, "w") as f:
        f.write(readme)
    print(f"   wrote {pdb_path}, {xml_path}, {readme_path}")
    if n_atoms != spec["atoms"]:
        raise SystemExit(f"error: {system_key} has {n_atoms} atoms, expected {spec['atoms']}")
    return n_atoms, e_min


def solvent_description(solvent_files, system):
    if not solvent_files:
        return "none (vacuum)"
    kinds = [f.__class__.__name__ for f in system.getForces()
             if isinstance(f, (openmm.GBSAOBCForce, openmm.CustomGBForce))]
    extra = ""
    for f in system.getForces():
        if isinstance(f, openmm.GBSAOBCForce):
            extra = (f"; solvent dielectric {f.getSolventDielectric():g}, solute dielectric "
                     f"{f.getSoluteDielectric():g}, surface area energy "
                     f"{f.getSurfaceAreaEnergy().value_in_unit(unit.kilojoule_per_mole / unit.nanometer ** 2):g} kJ/mol/nm^2")
    return f"implicit, `{' + '.join(solvent_files)}` ({', '.join(kinds) or 'no GB force found'}{extra})"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--system", default="all", choices=sorted(SYSTEMS) + ["all"],
                    help="which peptide to build (default: all)")
    ap.add_argument("--forcefield", default="amber99sbildn.xml",
                    help="force-field XML (OpenMM data name or path; default amber99sbildn.xml)")
    ap.add_argument("--solvent", default="amber99_obc.xml",
                    help="implicit-solvent XML, or 'none' for vacuum (default amber99_obc.xml)")
    ap.add_argument("--temperature", type=float, default=300.0,
                    help="temperature in K, recorded in the README (default 300)")
    ap.add_argument("--name", default=None,
                    help="output folder name (default: the system name; only with a single --system)")
    ap.add_argument("--out", default="forcefields", help="parent output folder (default forcefields)")
    ap.add_argument("--tolerance", type=float, default=1e-3,
                    help="minimiser tolerance, RMS force in kJ/mol/nm (default 1e-3)")
    args = ap.parse_args(argv)

    keys = sorted(SYSTEMS, key=list(SYSTEMS).index) if args.system == "all" else [args.system]
    if args.name is not None and len(keys) != 1:
        ap.error("--name needs a single --system")
    invoked = shlex.join([sys.executable, os.path.relpath(sys.argv[0]) if not os.path.isabs(sys.argv[0])
                          else sys.argv[0]] + (sys.argv[1:] if argv is None else list(argv)))
    print(f"OpenMM {openmm.Platform.getOpenMMVersion()}; L-alanine reference signed-volume sign {L_SIGN:+.0f}")
    summary = []
    for key in keys:
        out_dir = os.path.join(args.out, args.name or key)
        n, e = build(key, args, out_dir, invoked)
        summary.append((key, out_dir, n, e))
    print("summary:")
    for key, out_dir, n, e in summary:
        print(f"   {key:5s} -> {out_dir}: {n} atoms, minimised E = {e:.6f} kJ/mol")


if __name__ == "__main__":
    main()
