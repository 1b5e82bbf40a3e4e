#!/usr/bin/env bash
# Validation study for issue 11: which encoder, head, augmentation, temperature and embedding
# size do best by the *validation* linear probe and weighted kNN-20, on folds carved from the
# training rows only (probe/src/search/validation.rs; the test rows are never written or read).
#
#   scripts/validation_study.sh [DATASET ...]        (default: iris basic_motions ring digits plane)
#   REPEATS=3 scripts/validation_study.sh digits    (seeds per configuration, default 1)
#
# Prints one Markdown table per dataset: each configuration's validation accuracy (mean over
# folds and seeds) for the pretrained encoder, the same folds' raw features and PCA, and the
# wall time. Needs a release build (`cargo build --release -p probe --examples`) and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
PROBE=target/release/probe
SPLIT=target/release/examples/validation_csv
REPEATS=${REPEATS:-1}
WORK=${WORK:-target/validation_study}
mkdir -p "$WORK"
[ -x "$PROBE" ] && [ -x "$SPLIT" ] || cargo build --release -p probe --examples >&2

configs() {
  case "$1" in
    basic_motions) cat <<'C'
linear, default aug (jitter:0.1,scale:0.2,shift:0.05)|
linear, aug none|--aug none
linear, jitter:0.1,scale:0.2,shift:0.03|--aug jitter:0.1,scale:0.2,shift:0.03
linear, jitter:0.1,scale:0.2 (no shift)|--aug jitter:0.1,scale:0.2
linear, jitter:0.05,shift:0.03|--aug jitter:0.05,shift:0.03
linear, default aug, tau 0.2|--tau 0.2
linear, default aug, head mlp|--head mlp
mlp (300 epochs), default aug|--encoder mlp --epochs 300
mlp (500 epochs), default aug|--encoder mlp --epochs 500
mlp (300 epochs), aug none|--encoder mlp --epochs 300 --aug none
mlp, default recipe, output (K 16)|--encoder mlp
mlp, default recipe, hidden layer (128)|--encoder mlp --represent hidden
C
    ;;
    ring) cat <<'C'
linear, default aug (rotate:0.25,noise:0.05)|
linear, aug none|--aug none
linear, default aug, tau 0.2|--tau 0.2
mlp, default aug|--encoder mlp
C
    ;;
    iris|plane) cat <<'C'
linear, default aug (noise:0.5)|
linear, aug none|--aug none
linear, noise:0.3|--aug noise:0.3
linear, noise:0.1|--aug noise:0.1
linear, noise:0.5, tau 0.2|--tau 0.2
linear, noise:0.5, head mlp|--head mlp
mlp, default recipe (noise:0.1,scarf:0.4, head mlp)|--encoder mlp
mlp, noise:0.5|--encoder mlp --aug noise:0.5
mlp, default recipe, hidden layer (128)|--encoder mlp --represent hidden
mlp, noise:0.5, hidden layer (128)|--encoder mlp --aug noise:0.5 --represent hidden
C
    ;;
    digits) cat <<'C'
linear, default aug (noise:0.5), K 16|
linear, aug none|--aug none
linear, noise:0.3|--aug noise:0.3
linear, noise:0.5, tau 0.2|--tau 0.2
linear, noise:0.5, K 32|--dim 32
linear, noise:0.5, head mlp|--head mlp
mlp, default recipe (noise:0.1,scarf:0.4, head mlp), K 16|--encoder mlp
mlp, default recipe, K 32|--encoder mlp --dim 32
mlp, noise:0.5|--encoder mlp --aug noise:0.5
mlp, default recipe, hidden layer (128)|--encoder mlp --represent hidden
mlp, default recipe, K 32, hidden layer (128)|--encoder mlp --dim 32 --represent hidden
C
    ;;
  esac
}

metric() { # report.json representation metric
  jq -r --arg n "$2" --arg m "$3" '.evaluation[] | select(.name == $n) | .mean[$m]' "$1"
}

for ds in "${@:-iris basic_motions ring digits plane}"; do
  for name in $ds; do
    folds=$("$SPLIT" "data/$name.csv" "$WORK" 0)
    nf=$(echo "$folds" | wc -l)
    echo
    echo "### $name ($nf validation fold(s) of the training rows, $REPEATS seed(s))"
    echo
    echo "| configuration | options | val LR | val kNN-20w | s |"
    echo "|---|---|---|---|---|"
    first=1
    while IFS='|' read -r label opts; do
      [ -z "$label" ] && continue
      t0=$(date +%s.%N)
      lr=(); kn=(); rawlr=(); rawkn=(); pcalr=(); pcakn=()
      for f in $folds; do
        out="$WORK/out_$(basename "$f" .csv)"
        # shellcheck disable=SC2086
        "$PROBE" "$f" --quiet --repeats "$REPEATS" --out "$out" $opts
        lr+=("$(metric "$out/report.json" pretrained linear_probe_accuracy)")
        kn+=("$(metric "$out/report.json" pretrained knn_k20_weighted)")
        rawlr+=("$(metric "$out/report.json" raw linear_probe_accuracy)")
        rawkn+=("$(metric "$out/report.json" raw knn_k20_weighted)")
        pcalr+=("$(metric "$out/report.json" pca linear_probe_accuracy)")
        pcakn+=("$(metric "$out/report.json" pca knn_k20_weighted)")
      done
      t1=$(date +%s.%N)
      mean() { printf '%s\n' "$@" | awk '{s+=$1} END {printf "%.1f", s/NR}'; }
      if [ $first = 1 ]; then
        echo "| raw features | | $(mean "${rawlr[@]}") | $(mean "${rawkn[@]}") | |"
        echo "| PCA | | $(mean "${pcalr[@]}") | $(mean "${pcakn[@]}") | |"
        first=0
      fi
      echo "| $label | \`${opts:-(defaults)}\` | $(mean "${lr[@]}") | $(mean "${kn[@]}") | $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", b-a}') |"
    done < <(configs "$name")
  done
done
