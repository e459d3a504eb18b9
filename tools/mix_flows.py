#!/usr/bin/env python3
"""A two-flow proposal from two `bgen sample` files (no numpy needed).

usage: tools/mix_flows.py A.npz B.npz A_UNDER_B.npy B_UNDER_A.npy OUT.npz

A.npz and B.npz are `bgen sample` outputs of flows A and B (positions float32 (n, atoms, 3), log_q float64 (n)),
before `bgen reweight`. A_UNDER_B.npy is `bgen logq --model B --input <A's positions.npy>`, B_UNDER_A.npy the other
way round. OUT.npz holds both sets of positions with log_q = log(½ q_A + ½ q_B): the balance heuristic of multiple
importance sampling, unbiased for draws split evenly between the flows. Its weights are at most twice the smaller of
the two flows' weights, so where one flow lacks mass the other can cover it. Then `bgen reweight` and `bgen report`
as for one flow (docs/results.md, al4, 2026-12-07 evening).
"""
import sys, zipfile, struct, array, math, ast, io
def read_npy(data):
    f = io.BytesIO(data); f.read(6); major = f.read(1)[0]; f.read(1)
    n = struct.unpack('<H' if major == 1 else '<I', f.read(2 if major == 1 else 4))[0]
    header = ast.literal_eval(f.read(n).decode()); return header, data[f.tell():]
def npy(descr, shape, payload):
    h = repr({'descr': descr, 'fortran_order': False, 'shape': shape}).encode()
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b' ' * pad + b'\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h + payload
def vec(payload):
    a = array.array('d'); a.frombytes(payload); return a
if len(sys.argv) != 6:
    sys.exit(__doc__)
A, B, qAB, qBA, out = sys.argv[1:6]
za, zb = zipfile.ZipFile(A), zipfile.ZipFile(B)
ha, pa = read_npy(za.read('positions.npy')); hb, pb = read_npy(zb.read('positions.npy'))
_, la = read_npy(za.read('log_q.npy')); _, lb = read_npy(zb.read('log_q.npy'))
_, lab = read_npy(open(qAB, 'rb').read()); _, lba = read_npy(open(qBA, 'rb').read())
la, lb, lab, lba = vec(la), vec(lb), vec(lab), vec(lba)
def mix(x, y):
    if not math.isfinite(x) and not math.isfinite(y): return -math.inf
    m = max(x, y); return m + math.log((math.exp(x - m) + math.exp(y - m)) / 2)
lq = array.array('d', [mix(x, y) for x, y in zip(la, lab)] + [mix(x, y) for x, y in zip(lba, lb)])
n = ha['shape'][0] + hb['shape'][0]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED, allowZip64=True) as z:
    z.writestr('positions.npy', npy('<f4', (n,) + tuple(ha['shape'][1:]), pa + pb))
    z.writestr('log_q.npy', npy('<f8', (n,), lq.tobytes()))
print(n, 'samples;', sum(1 for x in lq if math.isfinite(x)), 'finite log q')
