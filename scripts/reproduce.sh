#!/usr/bin/env bash
# The committed reproduction (results/README.md): the sweeps below on SynthFeedback, then the
# tables (Markdown), plots (SVG) and provenance under results/. Resumable: rerun to continue.
#   bash scripts/reproduce.sh            # after scripts/build.sh; SWEPO=path overrides the binary
# On 2 CPU cores the Table 1 sweep runs its tiny half only (--only model.name=tiny); on a GPU
# machine drop TABLE1_ONLY to run both base-model presets.
set -euo pipefail
cd "$(dirname "$0")/.."
SWEPO=${SWEPO:-build/apps/swepo}
DB=${DB:-results/swepo.db}
JOBS=${JOBS:-2}
TABLE1_ONLY=${TABLE1_ONLY-model.name=tiny}
log=results/reproduce_log.md
# The log is appended to: each invocation (a first run, a resume, a rerun that only redraws the
# tables because every job already finished) adds its own section with its own wall times.
[[ -f "$log" ]] || printf '# Reproduction log (scripts/reproduce.sh)\n' > "$log"
{
  echo
  echo "## Invocation of $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!results' || echo ' (dirty)')"
  echo "machine: $(nproc) CPU cores, $(uname -srm); started $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "| command | wall time |"
  echo "|---|---|"
} >> "$log"

timed() {  # timed CMD...: runs it, appends "| CMD | duration |" to the log
  local t0=$SECONDS
  "$@"
  local dt=$((SECONDS - t0))
  echo "| \`${*/#$SWEPO/swepo}\` | $((dt / 60)) min $((dt % 60)) s |" >> "$log"
}

only=()
[[ -n "$TABLE1_ONLY" ]] && only=(--only "$TABLE1_ONLY")
# Issue 23: one binary for every table (results/README.md). The SFT stage's length and its seed
# spread first (its 3000-step sft.seed 0 model is then every other sweep's SFT model, via the cache),
# then Table 1 (seeds 0-2 of every row, seeds 3-5 of the rows the verdicts pair), then the SFT seeds.
timed "$SWEPO" sweep sweeps/sft_steps.yaml --db "$DB" --jobs "$JOBS"
timed "$SWEPO" sweep sweeps/paper_table1.yaml --db "$DB" --jobs "$JOBS" "${only[@]}"
timed "$SWEPO" sweep sweeps/sft_seeds.yaml --db "$DB" --jobs "$JOBS"
timed "$SWEPO" sweep sweeps/paper_table1_more_seeds.yaml --db "$DB" --jobs "$JOBS"
# Not rerun with this binary (their first-binary runs are in results/archive): paper_table2.yaml,
# paper_table2_all_seeds.yaml, k_ablation.yaml, swepo_alpha.yaml, swepo_scale.yaml, nll_weight.yaml,
# baselines.yaml, swepo_split.yaml.

SWEPO="$SWEPO" bash scripts/render_results.sh "$DB" results  # the tables and plots
echo >> "$log"
echo "finished $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$log"
