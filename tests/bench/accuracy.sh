#!/usr/bin/env bash
# Categorisation accuracy of heal-analyze on a blind sample: real failure
# lines from many producers, each labelled with its root-cause category
# (or "none" for benign look-alikes) by someone who had not seen the
# catalog (tests/fixtures/accuracy/README.md).  Each line is analysed on
# its own; the category of the diagnosis is compared with the label.
# Prints the accuracy, the misses, and a per-category tally.  No target:
# the number is reported, and the catalog must not be tuned on this file.
set -euo pipefail
B=${B:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
sample=$root/tests/fixtures/accuracy/sample.tsv
export HEAL_CONFIG_DIR=$(mktemp -d) HEAL_STATE_DIR=$(mktemp -d)
trap 'rm -rf "$HEAL_CONFIG_DIR" "$HEAL_STATE_DIR"' EXIT
total=0 right=0 misses=()
declare -A seen ok
while IFS=$'\t' read -r want line; do
    got=$(printf '%s\n' "$line" | "$B/bin/heal-analyze" --text 2>/dev/null |
        jq -r 'select(.type == "diagnosis") | .category' | head -n 1 || true)
    got=${got:-none}
    total=$((total + 1))
    seen[$want]=$((${seen[$want]:-0} + 1))
    if [ "$got" = "$want" ]; then
        right=$((right + 1))
        ok[$want]=$((${ok[$want]:-0} + 1))
    else
        misses+=("$(printf 'want %-10s got %-10s %.110s' "$want" "$got" "$line")")
    fi
done <"$sample"
printf '%s\n' "${misses[@]}"
echo "per category (right/lines):"
for c in $(printf '%s\n' "${!seen[@]}" | sort); do
    printf '  %-11s %3d/%-3d\n' "$c" "${ok[$c]:-0}" "${seen[$c]}"
done
echo "accuracy: $right of $total lines ($(echo "scale=1; 100 * $right / $total" | bc)%)"
