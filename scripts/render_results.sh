#!/usr/bin/env bash
# The committed tables (Markdown, CSV) and plots (SVG) of results/, drawn from a results store:
#   bash scripts/render_results.sh [DB] [OUT]     # defaults: results/swepo.db, results
# SWEPO=path overrides the binary (default build/apps/swepo). Called by scripts/reproduce.sh, and by
# tests/apps/test_results_regenerate.cpp, which checks that the files in results/ are exactly what
# this script draws from results/swepo.db (so they cannot drift from the database). The first
# reproduction's tables are drawn by results/archive/render.sh from results/archive/swepo.db.
set -euo pipefail
cd "$(dirname "$0")/.."
SWEPO=${SWEPO:-build/apps/swepo}
DB=${1:-results/swepo.db}
OUT=${2:-results}
mkdir -p "$OUT/tables" "$OUT/plots"
for t in table1 table1_paired table2 table2_all_seeds table2_sft_seeds kablation sft_steps; do
  "$SWEPO" report --db "$DB" "$t" --format md --out "$OUT/tables/$t.md"
  "$SWEPO" report --db "$DB" "$t" --format csv --out "$OUT/tables/$t.csv"
done
"$SWEPO" plot --db "$DB" bars table1 --out "$OUT/plots/table1.svg"
"$SWEPO" plot --db "$DB" bars kablation --out "$OUT/plots/kablation.svg"
# The SFT stage's loss curves by length (sweeps/sft_steps.yaml, sft.seed 0), and Table 1's training
# curves (band = min-max over seeds).
"$SWEPO" plot --db "$DB" curves --metric sft/loss --where loss.name=none --where seed=0 --where sft.seed=0 --where 'sft.layout=shared_prompt' \
  --where 'sft.max_steps=600|1500|3000|6000' --group-by sft.max_steps --out "$OUT/plots/sft_loss.svg"
"$SWEPO" plot --db "$DB" curves --where model.name=tiny --where data.K=4 --where sft.max_steps=3000 --where sft.seed=0 --where 'pair_seed=~' \
  --where 'loss.alpha=1|~' --where 'loss.name=dpo|infonca|swepo' --group-by loss.name,loss.p --out "$OUT/plots/curves_table1.svg"
