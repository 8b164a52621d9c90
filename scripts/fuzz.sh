#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/*.rs) for a bounded time and fails
# if any of them finds a crash, a hang or runaway memory. Used by CI.
#
#   scripts/fuzz.sh                         # each target for 20 s
#   FUZZ_SECONDS=600 scripts/fuzz.sh        # longer
#   FUZZ_TARGETS="markdown pipeline" scripts/fuzz.sh
#   FUZZ_SANITIZER=address scripts/fuzz.sh  # AddressSanitizer (slower)
#
# Only the stable toolchain exists here, so the nightly-only flags cargo-fuzz
# passes are enabled with RUSTC_BOOTSTRAP=1. New inputs the fuzzer finds go to
# fuzz/work/corpus/<target>/ (ignored by git); the committed seeds in
# fuzz/corpus/<target>/ are read, never written. A crashing input is saved in
# fuzz/artifacts/<target>/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
SANITIZER="${FUZZ_SANITIZER:-none}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
nice -n 10 cargo fuzz build --sanitizer "$SANITIZER"

dictionary_for() {
  case "$1" in
    markdown) echo fuzz/dict/markdown.dict ;;
    pipeline) echo fuzz/dict/pipeline.dict ;;
    *) echo fuzz/dict/yaml.dict ;;
  esac
}

failed=()
summary=()
for target in $targets; do
  mkdir -p "fuzz/work/corpus/$target" "fuzz/artifacts/$target"
  log="fuzz/work/$target.log"
  echo "== fuzzing $target for ${SECONDS_PER_TARGET}s"
  status=0
  cargo fuzz run --sanitizer "$SANITIZER" "$target" \
    "fuzz/work/corpus/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
    -dict="$(dictionary_for "$target")" -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-12s %10s runs %8s exec/s %6s MB peak  %s' "$target" "$runs" "$rate" "$rss" \
    "$([ "$status" -eq 0 ] && echo ok || echo FAILED)")")
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    tail -n 60 "$log"
  fi
done

echo "== fuzz summary (${SECONDS_PER_TARGET}s per target, sanitizer: $SANITIZER)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs saved in fuzz/artifacts/)" >&2
  exit 1
fi
