#!/usr/bin/env bash
# Bad-input probe of issue 20 ("These failed", items 1–22 where a single command shows them), rerunnable by anyone.
# Each case runs one bgen command on bad input and passes when
#   - the exit code is the documented one (2 for bad input, 130 for Ctrl+C),
#   - stderr holds exactly one line, starting `error:` (no stack trace, no .NET type names, no exit 134),
#   - nothing was written: every file under the case's folder and the shared fixtures has the size, mtime and checksum
#     it had before (a writer lock file `.NAME.lock` beside an output is allowed: its existence blocks nothing, §5.8;
#     its owner record `.NAME.lock.owner` is not),
#   - and, where the case says so, the message names what it must (the option, key or file).
# A few cases are about silent corruption rather than refusal (a NaN log q must not count as a valid sample); they
# say what they check. Prints one line per case and a summary: N cases, unhandled, data loss, silent corruption.
#
# Usage: tools/bad_input_probe.sh              (scratch in $PROBE_DIR, default a fresh /tmp/bgen-probe-XXXX)
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/reliability_env.sh"
reliability_env "${PROBE_DIR:-}" bgen-probe
data="$root/data/aldp"
fx="$scratch/fixtures"

# ---------------------------------------------------------------- helpers
# NPY/NPZ edits with the standard library only (no numpy needed).
py() {
  python3 - "$@" <<'EOF'
import sys, struct, zipfile, io, json
def npy(header_dict, payload):
    h = repr(header_dict).encode()
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b' ' * pad + b'\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h + payload
def data_offset(b):
    major = b[6]
    if major == 1: return 10 + struct.unpack('<H', b[8:10])[0]
    return 12 + struct.unpack('<I', b[8:12])[0]
cmd = sys.argv[1]
if cmd == 'zeros':            # zeros PATH N ATOMS: float32 (N, ATOMS, 3) of zeros
    path, n, atoms = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    open(path, 'wb').write(npy({'descr': '<f4', 'fortran_order': False, 'shape': (n, atoms, 3)}, bytes(4 * n * atoms * 3)))
elif cmd == 'nan-logq':       # nan-logq NPZ: log_q[0] = NaN, in place
    path = sys.argv[2]
    with zipfile.ZipFile(path) as z: entries = {i.filename: z.read(i.filename) for i in z.infolist()}
    b = bytearray(entries['log_q.npy']); o = data_offset(b)
    b[o:o + 8] = struct.pack('<d', float('nan')); entries['log_q.npy'] = bytes(b)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        for k, v in entries.items(): z.writestr(k, v)
elif cmd == 'flip':           # flip FILE: xor 64 bytes in the middle with 0x5a
    path = sys.argv[2]; b = bytearray(open(path, 'rb').read()); m = len(b) // 2
    for i in range(m, min(m + 64, len(b))): b[i] ^= 0x5a
    open(path, 'wb').write(bytes(b))
elif cmd == 'set-json':       # set-json FILE KEY VALUE: a top-level string value
    path, key, value = sys.argv[2:5]; d = json.load(open(path)); d[key] = value
    open(path, 'w').write(json.dumps(d, indent=2))
elif cmd == 'finite':         # finite NPY: every float64 value finite (exit 1 otherwise)
    import math
    b = open(sys.argv[2], 'rb').read(); o = data_offset(b)
    values = struct.unpack('<%dd' % ((len(b) - o) // 8), b[o:])
    bad = [v for v in values if not math.isfinite(v)]
    print(len(values), 'values,', len(bad), 'not finite'); sys.exit(1 if bad or not values else 0)
elif cmd == 'npz-first':      # npz-first NPZ KEY: the first byte of a bool array, 0 or 1
    with zipfile.ZipFile(sys.argv[2]) as z: b = z.read(sys.argv[3] + '.npy')
    print(b[data_offset(b)])
elif cmd == 'npz-count':      # npz-count NPZ KEY: how many elements of a bool array are true
    with zipfile.ZipFile(sys.argv[2]) as z: b = z.read(sys.argv[3] + '.npy')
    print(sum(1 for x in b[data_offset(b):] if x))
EOF
}

# Listing of what a case may not change: path, size, mtime, checksum (lock files are left out).
snapshot() {
  find "$@" -type d 2>/dev/null | sort
  find "$@" -type f ! -name '.*.lock' -printf '%p %s %T@\n' 2>/dev/null | sort | while read -r p s t; do echo "$p $s $t $(md5sum < "$p" | cut -c1-12)"; done
}

cases=0; passed=0; unhandled=0; loss=0; corruption=0; failed_names=()
probe_env=()   # variables for the next case only (env NAME=VALUE …)
probe_check="" # for a case whose documented outcome is exit 0: a command that checks the output (silent corruption if not)
# probe NAME CODE PATTERN -- ARGS…: runs bgen ARGS in $scratch/cases/NAME (created beforehand by the caller when it
# needs inputs there); PATTERN is an extended regex the error line must match.
probe() {
  local name="$1" code="$2" pattern="$3"; shift 4
  local dir="$scratch/cases/$name"; mkdir -p "$dir"
  local before; before="$(snapshot "$dir" "$fx")"
  local start=$SECONDS
  (cd "$dir" && env "${probe_env[@]}" "$bgen" "$@" >"$dir.stdout" 2>"$dir.stderr"); local got=$?
  local check="$probe_check"; probe_env=(); probe_check=""
  local after; after="$(snapshot "$dir" "$fx")"
  local lines; lines="$(grep -c '' "$dir.stderr")"
  local first; first="$(head -1 "$dir.stderr")"
  local why=""
  if [[ $got == 134 || $got -gt 128 && $got != 130 ]] || grep -qE '^\s+at |Unhandled exception|PAL_SEH|core dumped' "$dir.stderr" "$dir.stdout"; then
    why="unhandled (exit $got)"; unhandled=$((unhandled + 1))
  elif [[ $got != "$code" ]]; then why="exit $got, not $code"; [[ $got == 0 ]] && corruption=$((corruption + 1))
  elif [[ $code == 0 ]]; then
    (cd "$dir" && eval "$check") >"$dir.check" 2>&1 || { why="output check failed: $check: $(tail -1 "$dir.check")"; corruption=$((corruption + 1)); }
    before="$after" # a case that succeeds writes its output
  elif [[ $lines != 1 || "$first" != error:* ]]; then why="$lines stderr lines, not one error: line"
  elif grep -qE 'System\.|Nullable`|`1|\(Parameter |Exception' "$dir.stderr"; then why=".NET internals in the message"
  elif [[ -n "$pattern" ]] && ! grep -qE -- "$pattern" "$dir.stderr"; then why="message does not match /$pattern/"
  fi
  if [[ "$before" != "$after" ]]; then
    why="${why:+$why; }wrote or changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -3 | tr '\n' ' ')"
    loss=$((loss + 1))
  fi
  if find "$dir" "$fx" -name '*.lock.owner' 2>/dev/null | grep -q .; then why="${why:+$why; }an owner record was left"; fi
  cases=$((cases + 1))
  [[ $code == 0 ]] && first="exit 0; checked: $check"
  if [[ -z "$why" ]]; then passed=$((passed + 1)); printf 'ok    %-34s %3s s  %s\n' "$name" $((SECONDS - start)) "$first"
  else failed_names+=("$name"); printf 'FAIL  %-34s %s  [%s]\n' "$name" "$why" "$first"; fi
}

# ---------------------------------------------------------------- fixtures (made once, read-only to the cases)
echo "fixtures in $fx"
mkdir -p "$fx"
log="$scratch/fixtures.log"
need() { "$bgen" "$@" >>"$log" 2>&1 || { echo "fixture failed: bgen $*; see $log" >&2; exit 1; }; }
tiny_flow=(objective=mle layers=2 hidden=16 bins=4 batch_size=16 val_every=4 log_every=2 checkpoint_every=2)
[[ -f "$fx/model/model.json" ]] || need train --system aldp --data "$data" --out "$fx/model" --forcefields "$ff" --device cpu steps=4 "${tiny_flow[@]}"
[[ -f "$fx/teacher/model.json" || -f "$fx/teacher/teacher.json" ]] || need teacher train --system aldp --data "$data" --out "$fx/teacher" --forcefields "$ff" --device cpu \
  net=egnn layers=1 hidden=16 steps=4 batch_size=16 val_every=4 checkpoint_every=2
[[ -f "$fx/s.npz" ]] || need sample --model "$fx/model" --n 64 --out "$fx/s.npz" --device cpu
[[ -f "$fx/zeros.npy" ]] || py zeros "$fx/zeros.npy" 4 22
[[ -f "$fx/a-file" ]] || echo "not a folder" > "$fx/a-file"
[[ -f "$fx/report.json" ]] || cp "$root/docs/example-report/report.json" "$fx/report.json"
chmod -R a-w "$fx" 2>/dev/null; chmod u+w "$fx" # the cases must not need to write here (root ignores this; the snapshot does not)

# A model folder copy for a case to damage: copy_model FROM CASE → $scratch/cases/CASE/m
copy_model() { local d="$scratch/cases/$2"; mkdir -p "$d"; cp -r "$1" "$d/m"; chmod -R u+w "$d/m"; }

# ---------------------------------------------------------------- cases
echo "cases"
rm -rf "$scratch/cases"
file="$fx/a-file"
# 5. --out naming an existing file
probe out-file-train 2 "a-file is a file" -- train --system aldp --data "$data" --out "$file" --forcefields "$ff" --device cpu "${tiny_flow[@]}"
probe out-file-teacher-train 2 "a-file is a file" -- teacher train --system aldp --data "$data" --out "$file" --forcefields "$ff" --device cpu
probe out-file-report 2 "a-file is a file" -- report --system aldp --samples "$fx/s.npz" --reference "$data" --out "$file" --forcefields "$ff"
probe out-file-compare 2 "a-file is a file" -- compare "$fx/report.json" --out "$file"
probe out-file-run 2 "a-file is a file" -- run --preset smoke --out "$file" --forcefields "$ff"
probe out-file-simulate 2 "a-file" -- simulate --system aldp --ns 0.01 --out "$file" --forcefields "$ff"
probe out-file-finetune 2 "a-file is a file" -- finetune --model "$fx/model" --out "$file" --forcefields "$ff" --device cpu
# 6. impossible flow shapes
probe train-layers-0 2 "layers must be at least 1" -- train --system aldp --data "$data" --out out --forcefields "$ff" --device cpu "${tiny_flow[@]}" layers=0
probe train-hidden-minus-4 2 "hidden must be at least 1" -- train --system aldp --data "$data" --out out --forcefields "$ff" --device cpu "${tiny_flow[@]}" hidden=-4
# 7. logq on all-zero frames (a crash before; every atom at the origin is a point a Cartesian flow's density is defined at)
probe_check='py finite lq.npy'
probe logq-zero-frames 0 "" -- logq --model "$fx/model" --input "$fx/zeros.npy" --out lq.npy --device cpu
# 8. sizes that cannot fit
probe sample-n-40M 2 "--n 40000000" -- sample --model "$fx/model" --n 40000000 --out s.npz --device cpu
probe run-sample-n-2G 2 "sample.n 2000000000" -- run --preset smoke --out run --forcefields "$ff" sample.n=2000000000
probe run-sample-n-3G 2 "sample.n" -- run --preset smoke --out run --forcefields "$ff" sample.n=3000000000
probe sample-n-2T 2 "--n" -- sample --model "$fx/model" --n 2000000000000 --out s.npz --device cpu
# 9. model.json's system edited to another system
copy_model "$fx/model" model-json-system; py set-json "$scratch/cases/model-json-system/m/model.json" system al4
probe model-json-system 2 "model.json|al4" -- sample --model m --n 8 --out s.npz --device cpu
copy_model "$fx/teacher" teacher-json-system; py set-json "$scratch/cases/teacher-json-system/m/teacher.json" system al4
probe teacher-json-system 2 "teacher.json|al4" -- teacher sample --model m --n 8 --out s.npz --device cpu
# 3. flipped bytes in model files
copy_model "$fx/model" flipped-model-dat; py flip "$scratch/cases/flipped-model-dat/m/model.dat"
probe flipped-model-dat 2 "model.dat" -- sample --model m --n 8 --out s.npz --device cpu
copy_model "$fx/model" flipped-checkpoint-model; py flip "$scratch/cases/flipped-checkpoint-model/m/checkpoint/model.dat"
probe flipped-checkpoint-model 2 "checkpoint" -- train --system aldp --data "$data" --out m --forcefields "$ff" --device cpu steps=4 "${tiny_flow[@]}" --resume
# 10. flipped bytes in checkpoint/optimizer.dat
copy_model "$fx/model" flipped-checkpoint-optimizer; py flip "$scratch/cases/flipped-checkpoint-optimizer/m/checkpoint/optimizer.dat"
probe flipped-checkpoint-optimizer 2 "optimizer.dat" -- train --system aldp --data "$data" --out m --forcefields "$ff" --device cpu steps=4 "${tiny_flow[@]}" --resume
teacher_weights="$(cd "$fx/teacher" && ls *.dat | head -1)"
copy_model "$fx/teacher" flipped-teacher; py flip "$scratch/cases/flipped-teacher/m/$teacher_weights"
probe flipped-teacher 2 "$teacher_weights" -- teacher sample --model m --n 8 --out s.npz --device cpu
# 4. NaN log q: the sample is not valid, has zero weight and counts as non-finite (silent corruption otherwise)
mkdir -p "$scratch/cases/nan-logq"; cp "$fx/s.npz" "$scratch/cases/nan-logq/s.npz"; chmod u+w "$scratch/cases/nan-logq/s.npz"; py nan-logq "$scratch/cases/nan-logq/s.npz"
probe_check='[[ "$(py npz-first s.npz valid)" == 0 ]] && grep -qE "non-finite log q.* 1 " ../nan-logq.stdout'
probe nan-logq 0 "" -- reweight --system aldp --samples s.npz --forcefields "$ff" --threads 1
# 11. thread counts, 12. batch larger than what it draws from, 15. options accepted and ignored
probe energy-threads-100000 2 "--threads 100000" -- energy --system aldp --input "$fx/zeros.npy" --out e.csv --forcefields "$ff" --threads 100000
probe train-batch-100M 2 "batch_size 100000000" -- train --system aldp --data "$data" --out out --forcefields "$ff" --device cpu "${tiny_flow[@]}" batch_size=100000000
probe_env=(DOTNET_GCHeapHardLimit=0x10000000) # 256 MB as the runtime reports memory (a container's limit would do the same)
probe finetune-batch-memory 2 "batch_size 65536 needs" -- finetune --model "$fx/model" --out ft --forcefields "$ff" --device cpu batch_size=65536 reverse_kl=1 val_samples=1000000
probe train-platform-bogus 2 "--platform" -- train --system aldp --data "$data" --out out --forcefields "$ff" --device cpu --platform Bogus
probe train-threads-7 2 "--threads" -- train --system aldp --data "$data" --out out --forcefields "$ff" --device cpu --threads 7
mkdir -p "$scratch/cases/yaml-duplicate-key"; printf 'steps: 4\nsteps: 8\n' > "$scratch/cases/yaml-duplicate-key/dup.yaml"
probe yaml-duplicate-key 2 "steps" -- train --system aldp --data "$data" --out out --forcefields "$ff" --device cpu --config dup.yaml
# 13. bgen run validates every section before the first stage
probe run-bad-flow-key 2 "flow" -- run --preset smoke --out run --forcefields "$ff" flow.no_such_key=1
probe run-flow-wrong-type 2 "flow.steps" -- run --preset smoke --out run --forcefields "$ff" flow.steps=many
probe run-flow-steps-0 2 "steps" -- run --preset smoke --out run --forcefields "$ff" flow.steps=0
probe run-arch-foo 2 "foo" -- run --preset smoke --out run --forcefields "$ff" --arch foo
probe run-teacher-bad-key 2 "teacher" -- run --preset smoke --out run --forcefields "$ff" teacher.no_such_key=1
# 16. .NET internals
probe teacher-sample-flow-folder 2 "--model" -- teacher sample --model "$fx/model" --n 8 --out s.npz --device cpu
# 17. a refused simulate leaves nothing that blocks the corrected command; 20. absurd temperatures
probe simulate-temperature-1e9 2 "--temperatures" -- simulate --system aldp --ns 0.01 --temperatures 300,1e9 --out d --forcefields "$ff"
# 19. targets refuses an existing --out without --force
mkdir -p "$scratch/cases/targets-existing"; echo "precious" > "$scratch/cases/targets-existing/t.npz"
probe targets-existing 2 "t.npz|--force" -- targets --system aldp --kind ot --data "$data" --pairs 32 --out t.npz --forcefields "$ff"
# Malformed inputs
probe sample-missing-model 2 "no-such" -- sample --model no-such --n 8 --out s.npz --device cpu
probe report-missing-samples 2 "missing.npz" -- report --system aldp --samples missing.npz --reference "$data" --out r --forcefields "$ff"
probe compare-no-report 2 "no report.json" -- compare "$fx/model" --out cmp

# 17 (continued): after the refused simulate, the corrected command runs (it may not be blocked by leftovers).
corrected="$scratch/cases/simulate-temperature-1e9"
if (cd "$corrected" && "$bgen" simulate --system aldp --ns 0.02 --equilibrate-ps 2 --temperatures 300,360 --out d --forcefields "$ff" >/dev/null 2>"$corrected.corrected"); then
  echo "ok    simulate-corrected-after-refusal    the corrected simulate ran"
  passed=$((passed + 1))
else echo "FAIL  simulate-corrected-after-refusal    $(head -1 "$corrected.corrected")"; failed_names+=(simulate-corrected-after-refusal); fi
cases=$((cases + 1))

# 14. Ctrl+C in run: exit 130, no "--resume" advice, no empty "failed:" reason
mkdir -p "$scratch/cases/run-sigint"
(cd "$scratch/cases/run-sigint" && exec "$bgen" run --preset smoke --out run --forcefields "$ff" >../run-sigint.stdout 2>../run-sigint.stderr) & rp=$!
for _ in $(seq 600); do [[ -f "$scratch/cases/run-sigint/run/.stages/teacher.started.json" ]] && break; sleep 0.1; done
sleep 1; kill -INT "$rp"; wait "$rp"; rc=$?
cases=$((cases + 1))
if [[ $rc == 130 ]] && ! grep -qE -- '--resume|failed: *$|^\s+at ' "$scratch/cases/run-sigint.stdout" "$scratch/cases/run-sigint.stderr"; then
  passed=$((passed + 1)); echo "ok    run-sigint                          exit 130"
else
  [[ $rc == 134 ]] && unhandled=$((unhandled + 1))
  failed_names+=(run-sigint); echo "FAIL  run-sigint                          exit $rc: $(tail -2 "$scratch/cases/run-sigint.stderr" | tr '\n' ' ')"
fi

echo "$cases cases, $passed passed, $unhandled unhandled, $loss data loss, $corruption silent corruption" \
     "${failed_names[*]:+(failed: ${failed_names[*]})} (scratch: $scratch)"
(( passed == cases ))
