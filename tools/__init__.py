"""Developer tools that are not part of the installed package: the differential fuzzer
(`python -m tools.fuzz`), the sanitizer run (tools/sanitize.sh)."""
