#!/usr/bin/env bash
# `make test`'s Slurm test: brings up the one-node cluster (cluster.sh), runs 4-task job arrays
# of `sluice stats` and `sluice shard` on Fashion-MNIST's 10,000 test images through run.sh,
# checks the merged results equal one process's byte for byte; kills one shard task mid-run
# (SIGKILL), cancels another (scancel), and takes the node down under a third (Slurm requeues
# it): each time run.sh names the task or the job completes, a merge missing a rank says which
# and exits 64, and after the task runs again the shards and index are one process's. A
# training job is preempted mid-epoch (scontrol requeue: SIGTERM, a checkpoint, exit 143) and
# the requeued job resumes to an uninterrupted run's weights. Then it trains an epoch from the
# merged shards and takes the cluster down, also on failure. Where
# Slurm cannot run (not root, no apt), it says so in a banner.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repository=$(cd "$here/../../.." && pwd)
sluice=${SLUICE:-$repository/.build/release/sluice}
work=$(mktemp -d /tmp/sluice-slurm-test.XXXXXX)
export SLUICE_SLURM_DIR=$work/cluster
say() { echo "slurm test ($(date +%T)): $*"; }
elapsed() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.*f", d, b - a }'; }
fail() { echo "slurm test: FAILED: $*" >&2; exit 1; }
banner() { printf '\n%s\n%s\n%s\n\n' "################################################################" "SLURM TEST NOT RUN: $*" "################################################################" >&2; }

if [ "$(id -u)" != 0 ]; then banner "the one-node cluster needs root"; exit 0; fi
if ! command -v sbatch >/dev/null && ! command -v apt-get >/dev/null; then banner "no Slurm and no apt-get to install it"; exit 0; fi
[ -x "$sluice" ] || fail "$sluice not found (swift build -c release)"
cleanup() { "$here/cluster.sh" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
start=$(date +%s.%N)
"$here/cluster.sh" up || fail "the cluster did not start (logs above)"
eval "$("$here/cluster.sh" env)"
export SLUICE=$sluice
images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
labels=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
[ -f "$images" ] || fail "$images is missing (apt-get install dataset-fashion-mnist)"
# The course recipe with Fashion-MNIST's test images as its train split, to shard and train on.
pipeline=$work/fashion-test.yaml
sed -e "s|train-images-idx3-ubyte.gz|t10k-images-idx3-ubyte.gz|; s|train-labels-idx1-ubyte.gz|t10k-labels-idx1-ubyte.gz|" \
  "$repository/pipelines/fashion-mnist.yaml" > "$pipeline"
same_json() {   # same_json A B: equal but for timing and the writers (ranks, world size, shard files)
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
def clean(d):
    for key in ("seconds", "images_per_second", "ranks", "world_size"):
        d.pop(key, None)
    for shard in d.get("shards", []):
        shard.pop("file", None); shard.pop("rank", None)
    return d
sys.exit(0 if clean(a) == clean(b) else 1)
PY
}
same_shards() {   # same_shards A B: shard K of A is shard K of B, byte for byte
  local count=0
  for file in "$1"/shard-*.safetensors; do
    number=${file##*-}
    cmp -s "$file" "$(ls "$2"/shard-*-"$number")" || fail "shard $number differs between $1 and $2"
    count=$((count + 1))
  done
  [ "$count" -gt 0 ] || fail "no shards in $1"
}

shard_array() {   # shard_array WRAPPER OUT TASK: run.sh shard with SLUICE=WRAPPER in the background
  # (its pid in $runner), waiting until task TASK runs; its array id in $array
  SLUICE=$1 "$here/run.sh" shard "$pipeline" train "$2" --tasks 4 -- --samples-per-shard 250 > "$2.out" 2>&1 &
  runner=$! array=""
  for _ in $(seq 1 100); do
    array=$(grep -o "job array [0-9]*" "$2.out" 2>/dev/null | awk '{ print $3 }' || true)
    [ -n "$array" ] && [ "$(squeue -h -j "${array}_$3" -o %T 2>/dev/null)" = RUNNING ] && return 0
    sleep 0.2
  done
  fail "task $3 of run.sh shard $2 did not start"
}
rerun_shard_task() {   # rerun_shard_task OUT K: shard task K of 4 run again alone, as run.sh prints
  sbatch --wait --array="$2" --job-name=sluice-shard --output="$1/logs/%x-%A_%a.log" --chdir="$repository" \
    --wrap="$(printf %q "$sluice") shard --pipeline $(printf %q "$pipeline") --split train --world-size 4 --output $(printf %q "$1") --samples-per-shard 250" > /dev/null \
    || fail "the rerun of task $2 failed: $(tail -n 3 "$1"/logs/*_"$2".log)"
}

say "stats: 4 tasks against one process"
t0=$(date +%s.%N)
"$here/run.sh" stats "$pipeline" train "$work/stats" --tasks 4
t1=$(date +%s.%N)
"$sluice" stats "$pipeline" --split train --json "$work/stats-single.json" > /dev/null
t2=$(date +%s.%N)
same_json "$work/stats/stats.json" "$work/stats-single.json" || fail "merged stats differ from one process's"
say "stats: merged = one process (array + merge $(elapsed "$t0" "$t1" 1) s, one process $(elapsed "$t1" "$t2" 2) s)"

say "shard: 4 tasks against one process"
t0=$(date +%s.%N)
"$here/run.sh" shard "$pipeline" train "$work/shards" --tasks 4 -- --samples-per-shard 250
t1=$(date +%s.%N)
"$sluice" shard --pipeline "$pipeline" --split train --output "$work/shards-single" --samples-per-shard 250 > /dev/null 2>&1
t2=$(date +%s.%N)
same_shards "$work/shards-single" "$work/shards"
same_json "$work/shards/index.json" "$work/shards-single/index.json" || fail "the merged index differs from one process's"
say "shard: 40 shards and the index = one process (array + merge $(elapsed "$t0" "$t1" 1) s, one process $(elapsed "$t1" "$t2" 2) s)"

say "shard: task 2 killed mid-run, then run again"
killer=$work/kill-rank-2.sh
cat > "$killer" <<KILL
#!/usr/bin/env bash
# Task 2 is killed (SIGKILL, as a lost node or an OOM kill) once it has written its first shard;
# the other tasks run as usual.
if [ "\${SLURM_ARRAY_TASK_ID:-}" = 2 ]; then
  "$sluice" "\$@" & pid=\$!
  until ls "$work/faulty"/shard-00002-* > /dev/null 2>&1 || ! kill -0 \$pid 2> /dev/null; do sleep 0.002; done
  kill -9 \$pid; wait \$pid; exit 137
fi
exec "$sluice" "\$@"
KILL
chmod +x "$killer"
set +e
SLUICE=$killer "$here/run.sh" shard "$pipeline" train "$work/faulty" --tasks 4 -- --samples-per-shard 250 > "$work/faulty.out" 2>&1
status=$?
set -e
[ $status -ne 0 ] || fail "run.sh succeeded although task 2 was killed"
grep -q "task 2: FAILED" "$work/faulty.out" || { cat "$work/faulty.out"; fail "run.sh did not name the killed task"; }
[ ! -f "$work/faulty/index.json" ] || fail "an index.json was written although a task died"
[ ! -f "$work/faulty/index-rank-00002.json" ] || fail "task 2 finished before it was killed: the test did not kill it mid-run"
merge=$("$sluice" shard merge "$work/faulty" 2>&1) && fail "shard merge accepted a job with a rank missing"
echo "$merge" | grep -q "rank" || fail "shard merge did not say which rank is missing: $merge"
"$sluice" shard verify "$work/faulty" > /dev/null 2>&1 && fail "shard verify accepted a folder without its index"
rerun_shard_task "$work/faulty" 2
"$sluice" shard merge "$work/faulty" > /dev/null
"$sluice" shard verify "$work/faulty" > /dev/null
same_shards "$work/shards-single" "$work/faulty"
same_json "$work/faulty/index.json" "$work/shards-single/index.json" || fail "after the rerun the index differs from one process's"
say "shard: after the rerun of task 2 the shards and index = one process (run.sh exited $status, merge named the missing rank)"

say "shard: task 1 cancelled (scancel) while it runs, then run again"
slow=$work/slow-rank-1.sh
cat > "$slow" <<SLOW
#!/usr/bin/env bash
# Task 1 takes long enough to be cancelled while it runs; the others run as usual.
[ "\${SLURM_ARRAY_TASK_ID:-}" = 1 ] && sleep 60
exec "$sluice" "\$@"
SLOW
chmod +x "$slow"
shard_array "$slow" "$work/cancelled" 1
scancel "${array}_1"
status=0; wait $runner || status=$?
[ $status -ne 0 ] || fail "run.sh succeeded although task 1 was cancelled"
grep -q "task 1: CANCELLED" "$work/cancelled.out" || { cat "$work/cancelled.out"; fail "run.sh did not name the cancelled task"; }
rerun_shard_task "$work/cancelled" 1
"$sluice" shard merge "$work/cancelled" > /dev/null
same_shards "$work/shards-single" "$work/cancelled"
same_json "$work/cancelled/index.json" "$work/shards-single/index.json" || fail "after the rerun of the cancelled task the index differs"
say "shard: after the rerun of the cancelled task the shards and index = one process"

say "shard: the node lost while task 3 runs; Slurm requeues it"
lost=$work/lost-rank-3.sh
cat > "$lost" <<LOST
#!/usr/bin/env bash
# Task 3's first run lasts until the node goes down; when Slurm requeues it, it runs as usual.
[ "\${SLURM_ARRAY_TASK_ID:-}" = 3 ] && [ "\${SLURM_RESTART_COUNT:-0}" = 0 ] && sleep 60
exec "$sluice" "\$@"
LOST
chmod +x "$lost"
shard_array "$lost" "$work/requeued" 3
node=$(hostname -s)
scontrol update nodename="$node" state=down reason="slurm test: node lost"
sleep 1
scontrol update nodename="$node" state=resume 2>/dev/null || true   # ReturnToService=2 may have brought it back already
# Slurm holds a requeued job for about two minutes before it starts it again.
status=0; wait $runner || status=$?
[ $status -eq 0 ] || { cat "$work/requeued.out"; fail "the requeued job did not complete (run.sh exited $status)"; }
restarts=$(scontrol -o show job "${array}_3" | grep -o "Restarts=[0-9]*" | cut -d= -f2)
[ "${restarts:-0}" -ge 1 ] || fail "task 3 was not requeued (Restarts=${restarts:-none})"
same_shards "$work/shards-single" "$work/requeued"
same_json "$work/requeued/index.json" "$work/shards-single/index.json" || fail "after the requeue the index differs"
say "shard: task 3 requeued by Slurm after the node went down; shards and index = one process"

say "train: preempted (scontrol requeue) mid-epoch, resumed by the requeued job"
trainer=$work/train-job.sh
cat > "$trainer" <<TRAIN
#!/usr/bin/env bash
# Checkpoints every 5 steps; SIGTERM (sent by the requeue) writes one and exits 143. The requeued
# job finds the checkpoint and resumes.
resume=""; [ -f "$work/preempted/checkpoint.safetensors" ] && resume=--resume
exec "$sluice" train --pipeline "$pipeline" --epochs 2 --train-samples 2560 --val-samples 500 --checkpoint-every 5 \
  --output "$work/preempted" \$resume
TRAIN
chmod +x "$trainer"
"$sluice" train --pipeline "$pipeline" --epochs 2 --train-samples 2560 --val-samples 500 --output "$work/unpreempted" > /dev/null 2>&1 \
  || fail "the uninterrupted training run failed"
job=$(sbatch --parsable --requeue --open-mode=append --job-name=sluice-train --output="$work/train-job-%j.log" "$trainer")
for _ in $(seq 1 600); do [ -f "$work/preempted/checkpoint.safetensors" ] && break; sleep 0.05; done
[ -f "$work/preempted/checkpoint.safetensors" ] || fail "the training job wrote no checkpoint"
scontrol requeue "$job"
for _ in $(seq 1 300); do
  state=$(scontrol -o show job "$job" | grep -o "JobState=[A-Z_]*" | cut -d= -f2)
  [ "$state" = COMPLETED ] && break
  case $state in FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) cat "$work"/train-job-*.log; fail "the training job ended $state";; esac
  sleep 1
done
[ "$state" = COMPLETED ] || fail "the requeued training job did not complete (state $state)"
restarts=$(scontrol -o show job "$job" | grep -o "Restarts=[0-9]*" | cut -d= -f2)
[ "${restarts:-0}" -ge 1 ] || fail "the training job was not requeued (Restarts=${restarts:-none})"
grep -q "stopped by SIGTERM in epoch" "$work"/train-job-*.log || fail "the job was not stopped mid-epoch by the requeue: $(tail -n 3 "$work"/train-job-*.log)"
grep -q "resuming" "$work"/train-job-*.log || fail "the requeued job did not resume: $(tail -n 3 "$work"/train-job-*.log)"
for file in model.safetensors checkpoint.safetensors; do
  cmp -s "$work/preempted/$file" "$work/unpreempted/$file" || fail "after the preemption $file differs from an uninterrupted run's"
done
say "train: preempted by scontrol requeue ($(grep -ho 'stopped by SIGTERM in epoch [0-9]* after step [0-9]*' "$work"/train-job-*.log)), requeued $restarts time(s), resumed: weights = an uninterrupted run's"

say "train: one epoch from the merged shards"
"$sluice" train --pipeline "$pipeline" --shards "$work/shards" --epochs 1 --val-samples 1000 --output "$work/run" > "$work/train.out" 2>&1 \
  || { cat "$work/train.out"; fail "training from the merged shards failed"; }
tail -n 1 "$work/train.out"
say "passed in $(elapsed "$start" "$(date +%s.%N)" 0) s"
