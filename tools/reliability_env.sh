# Sourced by tools/concurrency_trials.sh and tools/bad_input_probe.sh: `reliability_env SCRATCH PREFIX` sets root (the
# repository), scratch (SCRATCH, or a fresh /tmp/PREFIX-XXXX; made absolute), bgen (the built executable: ./bgen
# builds it once, then the executable is called itself, so a refusal names its pid) and ff (forcefields/), and
# exports OMP_NUM_THREADS=1 (the machine is shared; the cases are tiny).
reliability_env() {
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  export OMP_NUM_THREADS=1
  scratch="${1:-$(mktemp -d "/tmp/$2-XXXX")}"
  mkdir -p "$scratch"
  scratch="$(cd "$scratch" && pwd)"
  "$root/bgen" --help >/dev/null || { echo "build failed" >&2; exit 1; }
  bgen="$root/src/BoltzmannGen.Cli/bin/${BGEN_CONFIGURATION:-Release}/net10.0/linux-x64/bgen"
  ff="$root/forcefields"
}
