#!/usr/bin/env bash
# The archived reproduction's tables (Markdown, CSV) and plots (SVG), drawn from its own store with
# its own table specs (the analysis/tables/*.yaml files as they were when these runs were reported):
#   bash results/archive/render.sh DB [OUT]     # DB: a copy of results/archive/swepo.db; OUT default results/archive
# SWEPO=path overrides the binary (default build/apps/swepo). tests/apps/test_results_regenerate.cpp
# checks that results/archive/{tables,plots} are exactly what this draws. See results/archive/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
SWEPO=${SWEPO:-build/apps/swepo}
DB=${1:?usage: render.sh DB [OUT] (a copy of results/archive/swepo.db: opening a store migrates it)}
OUT=${2:-$here}
SPECS="$here/table_specs"
mkdir -p "$OUT/tables" "$OUT/plots"
for t in table1 table2 table2_all_seeds kablation swepo_alpha swepo_scale nll_weight; do
  "$SWEPO" report --db "$DB" --tables "$SPECS" "$t" --format md --out "$OUT/tables/$t.md"
  "$SWEPO" report --db "$DB" --tables "$SPECS" "$t" --format csv --out "$OUT/tables/$t.csv"
done
for t in table1 kablation swepo_alpha swepo_scale nll_weight; do
  "$SWEPO" plot --db "$DB" bars "$t" --tables "$SPECS" --out "$OUT/plots/$t.svg"
done
# Training curves of Table 1's runs (seeds 0-2, alpha at its default), then DPO vs Swepo p=1 (Table 2's 6 seeds),
# from the first reproduction (model.arch=~: runs recorded before that key existed).
tiny=(--where model.name=tiny --where data.K=4 --where 'loss.alpha=1|~' --where 'model.arch=~')
"$SWEPO" plot --db "$DB" curves "${tiny[@]}" --where 'seed=0|1|2' --group-by loss.name,loss.p \
  --out "$OUT/plots/curves_table1_tiny.svg"
"$SWEPO" plot --db "$DB" curves "${tiny[@]}" --where 'loss.name=dpo|swepo' --where 'loss.p=1|~' \
  --group-by loss.name --out "$OUT/plots/curves_table2.svg"
