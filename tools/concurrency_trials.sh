#!/usr/bin/env bash
# Concurrency trials of issue 20's bars (docs/design.md §5.8, writer locks), rerunnable by anyone:
#
#   (a) pool: two `bgen pool --into D` of two different short simulate runs into one copy D of a dataset, the second
#       started 0–0.1 s (random) after the first. Each trial passes when exactly one pools and the other is refused
#       (exit 2) naming the holder's pid and command line, D loads (`bgen autocorr D`, which verifies every checksum),
#       its extra.npy and extra_energy.npy are byte for byte those of a sequential pool of the winner's run, and no
#       D.new/ or *.tmp-* is left.
#   (b) run: two `bgen run --preset smoke --out R` with different options, the second started 0–0.1 s after the
#       first. Passes when one proceeds and the other is refused (exit 2) naming the holder; the proceeding one is
#       killed (SIGKILL) once it has written its configs and started its first stage, and R's run.yaml, flow.yaml and
#       .stages/run-command.json are then byte for byte the winner's (made by each option set alone, also killed).
#
# Usage: tools/concurrency_trials.sh [POOL_TRIALS [RUN_TRIALS]]     (defaults 50 and 20)
# Scratch goes to $TRIALS_DIR (default: a fresh /tmp/bgen-trials-XXXX). Cheap on purpose: tiny MD runs (0.02 ns,
# two temperatures), OMP_NUM_THREADS=1, one trial at a time. Prints one line per failed trial and a summary; exits 1
# if any trial failed.
set -uo pipefail

pool_trials="${1:-50}"
run_trials="${2:-20}"
source "$(dirname "${BASH_SOURCE[0]}")/reliability_env.sh"
reliability_env "${TRIALS_DIR:-}" bgen-trials

fail() { echo "FAIL $*"; failures=$((failures + 1)); }
offset() { awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 101) / 1000 }'; } # 0.000–0.100 s
sum() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

# The refusal a second writer gets: "error: OUT is being written by another bgen process (pid N: COMMAND)."
refused_by() { # stderr-file out pid command
  local want="error: $2 is being written by another bgen process (pid $3: $4)."
  [[ "$(cat "$1")" == "$want" ]]
}

failures=0

# ---------------------------------------------------------------- (a) pool
if (( pool_trials > 0 )); then
  echo "pool: three tiny simulate runs (seeds 1, 2, 3) in $scratch/md"
  for seed in 1 2 3; do
    if [[ ! -f "$scratch/md/s$seed/meta.json" ]]; then
      "$bgen" simulate --system aldp --ns 0.02 --equilibrate-ps 2 --temperatures 300,360 --seed "$seed" \
        --out "$scratch/md/s$seed" --forcefields "$ff" >"$scratch/md-s$seed.log" 2>&1 \
        || { echo "simulate seed $seed failed: see $scratch/md-s$seed.log" >&2; exit 1; }
    fi
  done
  # Sequential references: the dataset (seed 1) with seed 2's frames pooled, and with seed 3's.
  for seed in 2 3; do
    ref="$scratch/ref-s$seed"
    rm -rf "$ref" && cp -r "$scratch/md/s1" "$ref"
    "$bgen" pool --into "$ref" "$scratch/md/s$seed" >/dev/null 2>"$scratch/ref-s$seed.err" || { echo "sequential pool failed" >&2; exit 1; }
  done
  declare -A extra energy
  for seed in 2 3; do extra[$seed]="$(sum "$scratch/ref-s$seed/extra.npy")"; energy[$seed]="$(sum "$scratch/ref-s$seed/extra_energy.npy")"; done
  [[ "${extra[2]}" != "${extra[3]}" ]] || { echo "the two runs' frames are identical: the check could not tell them apart" >&2; exit 1; }

  pool_ok=0; pool_refused=0; pool_loaded=0; pool_equal=0
  for ((t = 1; t <= pool_trials; t++)); do
    d="$scratch/pool/t$t/aldp"
    rm -rf "$scratch/pool/t$t" && mkdir -p "$scratch/pool/t$t" && cp -r "$scratch/md/s1" "$d"
    wait_s="$(offset)"
    "$bgen" pool --into "$d" "$scratch/md/s2" >"$d.out2" 2>"$d.err2" & p2=$!
    sleep "$wait_s"
    "$bgen" pool --into "$d" "$scratch/md/s3" >"$d.out3" 2>"$d.err3" & p3=$!
    wait "$p2"; c2=$?
    wait "$p3"; c3=$?
    winner=""
    if [[ $c2 == 0 && $c3 == 2 ]] && refused_by "$d.err3" "$d" "$p2" "bgen pool --into $d $scratch/md/s2"; then winner=2
    elif [[ $c3 == 0 && $c2 == 2 ]] && refused_by "$d.err2" "$d" "$p3" "bgen pool --into $d $scratch/md/s3"; then winner=3
    fi
    if [[ -z "$winner" ]]; then
      fail "pool trial $t (offset $wait_s s): exit codes $c2 (seed 2), $c3 (seed 3); stderr: $(cat "$d.err2") | $(cat "$d.err3")"
      continue
    fi
    pool_ok=$((pool_ok + 1)); pool_refused=$((pool_refused + 1))
    if "$bgen" autocorr "$d" >"$d.autocorr" 2>&1; then pool_loaded=$((pool_loaded + 1))
    else fail "pool trial $t: the dataset does not load: $(tail -1 "$d.autocorr")"; continue; fi
    if [[ "$(sum "$d/extra.npy")" == "${extra[$winner]}" && "$(sum "$d/extra_energy.npy")" == "${energy[$winner]}" ]]; then pool_equal=$((pool_equal + 1))
    else fail "pool trial $t: extra.npy/extra_energy.npy differ from the sequential pool of seed $winner"; continue; fi
    leftovers="$(find "$scratch/pool/t$t" \( -name '*.tmp-*' -o -name '*.new' \) | head -3)"
    [[ -z "$leftovers" ]] || fail "pool trial $t: left $leftovers"
  done
  echo "pool: $pool_trials trials: $pool_ok with exactly one pool proceeding, $pool_refused refused by pid and command," \
       "$pool_loaded datasets load, $pool_equal equal to the sequential pool"
fi

# ---------------------------------------------------------------- (b) run
if (( run_trials > 0 )); then
  a_opts=(flow.steps=20 flow.hidden=16)
  b_opts=(flow.steps=30 flow.hidden=24 teacher.steps=30)
  started() { [[ -f "$1/.stages/teacher.started.json" ]]; }
  # Starts `bgen run` into $1 with options $2…, waits until its first stage has started, kills it; prints nothing.
  alone() {
    local out="$1"; shift
    "$bgen" run --preset smoke --out "$out" --forcefields "$ff" "$@" >/dev/null 2>&1 & local p=$!
    for _ in $(seq 600); do started "$out" && break; kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
    started "$out" || { echo "bgen run $* never started its first stage" >&2; exit 1; }
  }
  # The files each option set writes (run-command.json names the run folder: compared with it replaced).
  files=(run.yaml flow.yaml teacher.yaml)
  canon() { sed "s|$2|RUN|g" "$1/.stages/run-command.json"; }
  rm -rf "$scratch/run-ref" && mkdir -p "$scratch/run-ref"
  alone "$scratch/run-ref/a" "${a_opts[@]}"
  alone "$scratch/run-ref/b" "${b_opts[@]}"
  ! cmp -s "$scratch/run-ref/a/flow.yaml" "$scratch/run-ref/b/flow.yaml" || { echo "a and b write the same flow.yaml" >&2; exit 1; }

  run_ok=0; run_refused=0; run_intact=0
  for ((t = 1; t <= run_trials; t++)); do
    r="$scratch/run/t$t/run"
    rm -rf "$scratch/run/t$t" && mkdir -p "$scratch/run/t$t"
    wait_s="$(offset)"
    "$bgen" run --preset smoke --out "$r" --forcefields "$ff" "${a_opts[@]}" >"$r.outa" 2>"$r.erra" & pa=$!
    sleep "$wait_s"
    "$bgen" run --preset smoke --out "$r" --forcefields "$ff" "${b_opts[@]}" >"$r.outb" 2>"$r.errb" & pb=$!
    # Whichever is refused ends within seconds; the other runs on.
    loser=""; for _ in $(seq 600); do
      if ! kill -0 "$pa" 2>/dev/null; then loser=a; break; fi
      if ! kill -0 "$pb" 2>/dev/null; then loser=b; break; fi
      sleep 0.05
    done
    if [[ $loser == a ]]; then wp=$pb; lp=$pa; w=b; else wp=$pa; lp=$pb; w=a; fi
    wait "$lp"; lc=$?
    # The winner: let it write its configs and start its first stage, then kill it.
    for _ in $(seq 600); do started "$r" && break; kill -0 "$wp" 2>/dev/null || break; sleep 0.1; done
    alive=no; kill -0 "$wp" 2>/dev/null && alive=yes
    kill -9 "$wp" 2>/dev/null; wait "$wp" 2>/dev/null
    if [[ $w == a ]]; then wcmd="bgen run --preset smoke --out $r --forcefields $ff ${a_opts[*]}"; lerr="$r.errb"
    else wcmd="bgen run --preset smoke --out $r --forcefields $ff ${b_opts[*]}"; lerr="$r.erra"; fi
    if [[ -z "$loser" || $lc != 2 || $alive != yes ]] || ! refused_by "$lerr" "$r" "$wp" "$wcmd"; then
      fail "run trial $t (offset $wait_s s): the refused one ($loser) exited $lc, the other still running: $alive; stderr: $(cat "$lerr")"
      continue
    fi
    run_ok=$((run_ok + 1)); run_refused=$((run_refused + 1))
    same=yes
    for f in "${files[@]}"; do cmp -s "$r/$f" "$scratch/run-ref/$w/$f" || same="no ($f)"; done
    [[ "$(canon "$r" "$r")" == "$(canon "$scratch/run-ref/$w" "$scratch/run-ref/$w")" ]] || same="no (.stages/run-command.json)"
    if [[ $same == yes ]]; then run_intact=$((run_intact + 1)); else fail "run trial $t: the winner ($w)'s files were changed: $same"; fi
  done
  echo "run: $run_trials trials: $run_ok with exactly one run proceeding, $run_refused refused by pid and command," \
       "$run_intact with the proceeding run's run.yaml, flow.yaml, teacher.yaml and run-command.json intact"
fi

echo "failures: $failures (scratch: $scratch)"
(( failures == 0 ))
