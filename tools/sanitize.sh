#!/usr/bin/env bash
# Run the test suite (or the pytest arguments given) under AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   tools/sanitize.sh                       # the whole suite
#   tools/sanitize.sh tests/test_ops_index.py -k gather
#   TL_SANITIZE=undefined tools/sanitize.sh # another -fsanitize list
#
# 1. Builds tinygrad_lite._C in place with TL_SANITIZE (setup.py: -fsanitize=..., -O1 -g,
#    -fno-omit-frame-pointer, -fno-wrapv, and the exact-size uncached allocator TL_ALLOC_EXACT,
#    so a read or write one element past a tensor lands in ASan's redzone).
# 2. Runs pytest with libasan preloaded (the Python interpreter is not instrumented, so the ASan
#    runtime must come first), leak detection off (CPython keeps objects until exit), ASan
#    halting on its first error; UBSan reports every finding and goes on. Reports are written to
#    build/sanitize/report.<pid> (pytest would swallow them from stderr) and summarised
#    at the end, with their stacks.
# 3. Rebuilds the normal extension (a relink from the object cache, seconds).
# Exit status: non-zero if pytest failed or any sanitizer report was written.
set -uo pipefail
cd "$(dirname "$0")/.."
SAN=${TL_SANITIZE:-address,undefined}
OUT=build/sanitize
mkdir -p "$OUT"
rm -f "$OUT"/report.* "$OUT"/expected.*

echo "== building _C with -fsanitize=$SAN"
TL_CUDA=0 TL_SANITIZE="$SAN" python setup.py build_ext --inplace >"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log"; exit 2; }

PRELOAD=""
if [[ "$SAN" == *address* ]]; then
  # libstdc++ too: the interpreter does not link it, and ASan's __cxa_throw interceptor must find
  # the real one when it starts (else "CHECK failed: real___cxa_throw" at the first C++ throw)
  PRELOAD="$(${CXX:-g++} -print-file-name=libasan.so) $(${CXX:-g++} -print-file-name=libstdc++.so)"
fi
# allocator_may_return_null: a test asks for 4 EiB on purpose and expects MemoryError, not an
# ASan abort. One log_path for both runtimes (they share it: the last one parsed wins).
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:print_stacktrace=1:allocator_may_return_null=1:log_path=$PWD/$OUT/report:detect_stack_use_after_return=0:${ASAN_OPTIONS_EXTRA:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:log_path=$PWD/$OUT/report:${UBSAN_OPTIONS_EXTRA:-}"
export TL_ALLOC_EXACT=1
# the notebooks run ~15x slower instrumented (06_text_to_image: 629 s against 40 s)
export TL_NOTEBOOK_TIMEOUT_S=${TL_NOTEBOOK_TIMEOUT_S:-1800}

echo "== pytest under sanitizers (LD_PRELOAD=$PRELOAD)"
# Default target: the suite without tests/test_cuda_build.py (it runs nvcc, which fails with
# libasan preloaded into it; it checks the CUDA sources, not our native code).
if [[ $# -eq 0 ]]; then set -- tests --ignore=tests/test_cuda_build.py; fi
LD_PRELOAD="$PRELOAD" python -m pytest -q -rfE -p no:cacheprovider "$@"
rc=$?

echo "== restoring the normal build"
TL_CUDA=0 python setup.py build_ext --inplace >"$OUT/restore.log" 2>&1 || { tail -30 "$OUT/restore.log"; rc=2; }

# A report holding only "failed to allocate" warnings is allocator_may_return_null at work (a test
# asks for exabytes on purpose and gets its MemoryError): listed, not counted.
for f in "$OUT"/report.*; do
  [[ -e "$f" ]] || continue
  if ! grep -qv "WARNING: AddressSanitizer failed to allocate" "$f"; then
    echo "== expected (allocation refused, MemoryError raised): $f: $(wc -l <"$f") warning(s)"
    mv "$f" "$OUT/expected.${f##*.}"
  fi
done
reports=$(ls "$OUT"/report.* 2>/dev/null)
if [[ -n "$reports" ]]; then
  echo "== sanitizer reports:"
  for f in $reports; do echo "--- $f"; head -60 "$f"; done
  echo "== distinct UBSan findings:"
  cat "$OUT"/report.* 2>/dev/null | grep -E "runtime error" | sed -E 's/^[^ ]*\/csrc/csrc/' | sort | uniq -c | sort -rn
  [[ $rc -eq 0 ]] && rc=1
else
  echo "== no sanitizer reports"
fi
exit $rc
