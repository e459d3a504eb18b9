#!/usr/bin/env python3
"""Where do a reweighted sample file's heaviest importance weights sit? (no numpy needed)

usage: tools/heaviest_weights.py SAMPLES.npz TOPOLOGY.pdb [--top 25] [--md FRAMES.npy ...]

Lists the top weights with their share of Σw, reduced energy, log q and backbone φ/ψ per residue, then compares how
often the top 100 / 1,000 weights and 5,000 random draws of q lie in some φ > 0 basin, or are helical at every
residue (CLASSES). A flow that under-populates a basin gives the draws it does put there large weights: if the top
weights are enriched in a class far beyond the flow's own share, the tail is that class's deficit (docs/results.md,
al4, 2026-12-07). --md gives MD frames (a dataset's train.npy / extra.npy, (n, atoms, 3) float32 nm) whose shares
are printed beside.
Reads samples.npz written by `bgen sample` + `bgen reweight` (uncompressed .npy members).
"""
import array, math, random, struct, sys, zipfile

KT_KJ_PER_MOL = 2.494339  # k_B·300 K, as the project's reduced energies


def npy_header(f):
    f.read(6)
    major = f.read(1)[0]
    f.read(1)
    length = struct.unpack('<H' if major == 1 else '<I', f.read(2 if major == 1 else 4))[0]
    return f.read(length).decode()


def read_vector(z, name, code):
    with z.open(name) as f:
        npy_header(f)
        values = array.array(code)
        values.frombytes(f.read())
        return values


def backbone(pdb):
    """(φ, ψ) atom quadruples per residue that has both, from the C, N, CA atoms in file order."""
    atoms = [(line[12:16].strip(), int(line[22:26])) for line in open(pdb) if line.startswith(('ATOM', 'HETATM'))]
    where = {(name, res): i for i, (name, res) in enumerate(atoms)}
    residues = sorted({res for _, res in atoms})
    out = []
    for r in residues:
        need = [('C', r - 1), ('N', r), ('CA', r), ('C', r), ('N', r + 1)]
        if all(k in where for k in need):
            c0, n, ca, c, n1 = (where[k] for k in need)
            out.append((r, (c0, n, ca, c), (n, ca, c, n1)))
    return out, len(atoms)


def dihedral(p, i, j, k, l):
    def sub(a, b): return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
    def cross(a, b): return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    def dot(a, b): return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    b0, b1, b2 = sub(p[i], p[j]), sub(p[k], p[j]), sub(p[l], p[k])
    norm = math.sqrt(dot(b1, b1))
    b1 = [x / norm for x in b1]
    v = sub(b0, [dot(b0, b1) * x for x in b1])
    w = sub(b2, [dot(b2, b1) * x for x in b1])
    return math.degrees(math.atan2(dot(cross(b1, v), w), dot(v, w)))


# Conformation classes counted among the heaviest weights, q's draws and MD; a row is [(φ, ψ) per residue], degrees.
CLASSES = [
    ('have some φ > 0', lambda row: any(phi > 0 for phi, _ in row)),
    # every residue right-handed helical: the compact helix, al4's lowest energies
    ('are helical at every residue (φ < 0, -120° < ψ < 50°)', lambda row: all(phi < 0 and -120 < psi < 50 for phi, psi in row)),
]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, pdb = sys.argv[1], sys.argv[2]
    top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 25
    angles, atoms = backbone(pdb)
    z = zipfile.ZipFile(path)
    log_w, energy, log_q = (read_vector(z, name, 'd') for name in ('log_w.npy', 'energy.npy', 'log_q.npy'))
    finite = sorted(((l, i) for i, l in enumerate(log_w) if math.isfinite(l)), reverse=True)
    largest = finite[0][0]
    total = sum(math.exp(l - largest) for l, _ in finite)
    info = z.getinfo('positions.npy')
    raw = open(path, 'rb')
    raw.seek(info.header_offset)
    local = raw.read(30)
    name_length, extra_length = struct.unpack('<HH', local[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    npy_header(raw)
    start = raw.tell()

    def frame(i):
        raw.seek(start + i * atoms * 12)
        a = array.array('f')
        a.frombytes(raw.read(atoms * 12))
        return [(a[3 * k], a[3 * k + 1], a[3 * k + 2]) for k in range(atoms)]

    def phis(i):
        p = frame(i)
        return [(dihedral(p, *phi), dihedral(p, *psi)) for _, phi, psi in angles]

    print('rank   w/Σw     cum   u (k_BT)    log q   ' + ' | '.join(f'φ{r:<4} ψ{r:<4}' for r, _, _ in angles))
    cumulative = 0.0
    for rank, (l, i) in enumerate(finite[:top]):
        share = math.exp(l - largest) / total
        cumulative += share
        cells = ' | '.join(f'{a:5.0f} {b:5.0f}' for a, b in phis(i))
        print(f'{rank:4d} {share:7.4f} {cumulative:7.4f} {energy[i] / KT_KJ_PER_MOL:9.2f} {log_q[i]:9.2f}   {cells}')

    def shares(rows):
        rows = list(rows)
        return ', '.join(f'{100 * sum(test(r) for r in rows) / len(rows):.1f} % {name}' for name, test in CLASSES)

    for k in (100, 1000):
        k = min(k, len(finite))
        share = sum(math.exp(l - largest) for l, _ in finite[:k]) / total
        print(f'top {k} weights ({100 * share:.1f} % of Σw): {shares(phis(i) for _, i in finite[:k])}')
    random.seed(1)
    draws = random.sample(range(len(log_w)), min(5000, len(log_w)))
    print(f'{len(draws)} random draws of q: {shares(phis(i) for i in draws)}')
    if '--md' in sys.argv:
        rows = []
        for md in sys.argv[sys.argv.index('--md') + 1:]:
            if md.startswith('--'):
                break
            with open(md, 'rb') as f:
                npy_header(f)
                while chunk := f.read(atoms * 12):
                    a = array.array('f')
                    a.frombytes(chunk)
                    p = [(a[3 * k], a[3 * k + 1], a[3 * k + 2]) for k in range(atoms)]
                    rows.append([(dihedral(p, *phi), dihedral(p, *psi)) for _, phi, psi in angles])
        print(f'{len(rows)} MD frames: {shares(rows)}')


if __name__ == '__main__':
    main()
