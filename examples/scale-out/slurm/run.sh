#!/usr/bin/env bash
# Runs `sluice stats` or `sluice shard` on a split as a Slurm job array, one task per rank,
# then a merge job that starts once every task has succeeded:
#   run.sh stats PIPELINE SPLIT OUT [--tasks N] [--cpus C] [-- SLUICE-OPTIONS...]
#       each task: sluice stats PIPELINE --split SPLIT --json OUT/parts/rank-R.json
#       merge:     sluice stats merge OUT/parts/*.json --json OUT/stats.json
#   run.sh shard PIPELINE SPLIT OUT [--tasks N] [--cpus C] [-- SLUICE-OPTIONS...]
#       each task: sluice shard --pipeline PIPELINE --split SPLIT --output OUT
#       merge:     sluice shard merge OUT, then sluice shard verify OUT
# Waits for both jobs and exits with the merge's status (64 when a rank's part is missing), or
# the failed tasks' (naming each, with its log's last lines); prints the job ids and where the
# logs are (OUT/logs/). Each task reads its rank from SLURM_ARRAY_TASK_ID and is given the
# world size, so a task that died can be run again alone with `sbatch --array=K` on the same
# command (printed): it redoes only its own part (a shard task keeps the shards it finished),
# and the merge then gives what an uninterrupted run gives.
#
# --tasks: array tasks (ranks), 4 by default; --cpus: CPUs per task (sbatch --cpus-per-task, and
# the tasks' --workers). Runs `sluice` from the repository's release build unless SLUICE names
# another. Other sbatch options come from SBATCH_* variables (SBATCH_PARTITION=cpu
# SBATCH_TIMELIMIT=1:00:00); on a multi-node cluster OUT and the data must be on a shared file system.
set -euo pipefail
usage() { echo "usage: run.sh stats|shard PIPELINE SPLIT OUT [--tasks N] [--cpus C] [-- SLUICE-OPTIONS...]" >&2; exit 64; }
[ $# -ge 4 ] || usage
command=$1 pipeline=$2 split=$3 out=$4
shift 4
tasks=4 cpus=""
while [ $# -gt 0 ]; do
  case $1 in
    --tasks) [ $# -ge 2 ] || usage; tasks=$2; shift 2 ;;
    --cpus) [ $# -ge 2 ] || usage; cpus=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
case $command in stats|shard) ;; *) usage ;; esac
[[ $tasks =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --tasks must be a positive number, got $tasks" >&2; exit 64; }
[[ -z $cpus || $cpus =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --cpus must be a positive number, got $cpus" >&2; exit 64; }
command -v sbatch >/dev/null || { echo "run.sh: sbatch not found: start a cluster (examples/scale-out/slurm/cluster.sh up) or run where Slurm is" >&2; exit 69; }
repository=$(cd "$(dirname "$0")/../../.." && pwd)
sluice=${SLUICE:-$repository/.build/release/sluice}
[ -x "$sluice" ] || { echo "run.sh: $sluice not found: build it (swift build -c release) or set SLUICE" >&2; exit 64; }
if [ ! -f "$pipeline" ]; then
  nearby=$(cd "$(dirname "$pipeline")" 2>/dev/null && ls -- *.yaml *.yml *.json 2>/dev/null | paste -sd ' ' - || true)
  echo "run.sh: no such pipeline file: $pipeline${nearby:+ (in $(dirname "$pipeline"): $nearby)}" >&2
  exit 64
fi
pipeline=$(cd "$(dirname "$pipeline")" && pwd)/$(basename "$pipeline")
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
options="" per_task=()
[ -n "$cpus" ] && { options=" --workers $cpus"; per_task=(--cpus-per-task="$cpus"); }
[ $# -gt 0 ] && options+=$(printf ' %q' "$@")

if [ "$command" = stats ]; then
  mkdir -p "$out/parts"
  task="$(printf %q "$sluice") stats $(printf %q "$pipeline") --split $(printf %q "$split") --world-size $tasks --json $(printf %q "$out")/parts/rank-\$SLURM_ARRAY_TASK_ID.json$options"
  merge="$(printf %q "$sluice") stats merge $(printf %q "$out")/parts/rank-*.json --json $(printf %q "$out")/stats.json"
  expect=$tasks
  check="[ \$(ls $(printf %q "$out")/parts/rank-*.json | wc -l) -eq $expect ] || { echo \"sluice stats merge: \$(ls $(printf %q "$out")/parts/ | wc -l) of $expect rank parts in $out/parts\" >&2; exit 64; }"
else
  task="$(printf %q "$sluice") shard --pipeline $(printf %q "$pipeline") --split $(printf %q "$split") --world-size $tasks --output $(printf %q "$out")$options"
  merge="$(printf %q "$sluice") shard merge $(printf %q "$out") && $(printf %q "$sluice") shard verify $(printf %q "$out")"
  check=true
fi

cd "$out"
array=$(sbatch --parsable "${per_task[@]}" --job-name="sluice-$command" --array=0-$((tasks - 1)) --output="$out/logs/%x-%A_%a.log" \
  --chdir="$repository" --wrap="$task")
array=${array%%;*}
echo "run.sh: $tasks tasks: job array $array (logs: $out/logs/sluice-$command-${array}_R.log)"
echo "run.sh: to run task K again: sbatch --array=K --job-name=sluice-$command --output=$out/logs/%x-%A_%a.log --chdir=$repository --wrap=$(printf %q "$task")"
sbatch --parsable --wait --job-name="sluice-$command-merge" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/logs/%x-%j.log" --chdir="$repository" --wrap="$check && $merge" > "$out/logs/merge-job-id" || true
merge_job=$(cut -d';' -f1 "$out/logs/merge-job-id")
# sbatch --wait says 0 for a job cancelled because a task failed: ask the controller instead.
field() { grep -o "$1=[^ ]*" | head -n 1 | cut -d= -f2; }
state=$(scontrol -o show job "$merge_job" | field JobState)
if [ "$state" = COMPLETED ]; then
  echo "run.sh: merge job $merge_job completed (log: $out/logs/sluice-$command-merge-$merge_job.log)"
  [ "$command" = stats ] && echo "run.sh: $out/stats.json" || echo "run.sh: shards and index.json in $out"
  exit 0
fi
status=1
if [ "$state" = FAILED ]; then
  status=$(scontrol -o show job "$merge_job" | field ExitCode | cut -d: -f1)
  echo "run.sh: merge job $merge_job failed with status $status:" >&2
  cat "$out/logs/sluice-$command-merge-$merge_job.log" >&2 || true
else
  echo "run.sh: merge job $merge_job $state ($(scontrol -o show job "$merge_job" | field Reason))" >&2
fi
scontrol -o show job "$array" | while read -r line; do
  task=$(field ArrayTaskId <<< "$line") task_state=$(field JobState <<< "$line") code=$(field ExitCode <<< "$line")
  [ "$task_state" = COMPLETED ] && continue
  echo "run.sh: task $task: $task_state, exit ${code%%:*}; $out/logs/sluice-$command-${array}_$task.log:" >&2
  tail -n 3 "$out/logs/sluice-$command-${array}_$task.log" >&2 || true
done
first_code=$(scontrol -o show job "$array" | grep -v "JobState=COMPLETED" | field ExitCode | cut -d: -f1)
[ "$state" != FAILED ] && [ -n "$first_code" ] && [ "$first_code" != 0 ] && status=$first_code
exit "$status"
