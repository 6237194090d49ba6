#!/usr/bin/env bash
# The committed tables (Markdown, CSV) and plots (SVG) of results/, drawn from a results store:
#   bash scripts/render_results.sh [DB] [OUT]     # defaults: results/swepo.db, results
# SWEPO=path overrides the binary (default build/apps/swepo). Called by scripts/reproduce.sh, and by
# tests/apps/test_results_regenerate.cpp, which checks that the files in results/ are exactly what
# this script draws from results/swepo.db (so they cannot drift from the database).
set -euo pipefail
cd "$(dirname "$0")/.."
SWEPO=${SWEPO:-build/apps/swepo}
DB=${1:-results/swepo.db}
OUT=${2:-results}
mkdir -p "$OUT/tables" "$OUT/plots"
for t in table1 table2 table2_all_seeds kablation swepo_alpha swepo_scale nll_weight; do
  "$SWEPO" report --db "$DB" "$t" --format md --out "$OUT/tables/$t.md"
  "$SWEPO" report --db "$DB" "$t" --format csv --out "$OUT/tables/$t.csv"
done
"$SWEPO" plot --db "$DB" bars table1 --out "$OUT/plots/table1.svg"
"$SWEPO" plot --db "$DB" bars kablation --out "$OUT/plots/kablation.svg"
"$SWEPO" plot --db "$DB" bars swepo_alpha --out "$OUT/plots/swepo_alpha.svg"
"$SWEPO" plot --db "$DB" bars swepo_scale --out "$OUT/plots/swepo_scale.svg"
"$SWEPO" plot --db "$DB" bars nll_weight --out "$OUT/plots/nll_weight.svg"
# Training curves of Table 1's runs (seeds 0-2, alpha at its default), then DPO vs Swepo p=1 (Table 2's 6 seeds),
# from the first reproduction (model.arch=~: runs recorded before that key existed).
tiny=(--where model.name=tiny --where data.K=4 --where 'loss.alpha=1|~' --where 'model.arch=~')
"$SWEPO" plot --db "$DB" curves "${tiny[@]}" --where 'seed=0|1|2' --group-by loss.name,loss.p \
  --out "$OUT/plots/curves_table1_tiny.svg"
"$SWEPO" plot --db "$DB" curves "${tiny[@]}" --where 'loss.name=dpo|swepo' --where 'loss.p=1|~' \
  --group-by loss.name --out "$OUT/plots/curves_table2.svg"
