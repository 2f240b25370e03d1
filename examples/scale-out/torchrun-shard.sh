#!/usr/bin/env bash
# Shard a split on one machine (or several, with torchrun's usual --nnodes/--rdzv flags) as
# torchrun would start training workers: it sets RANK and WORLD_SIZE, which sluice reads.
#   bash torchrun-shard.sh pipelines/fashion-mnist.yaml train runs/shards/fashion-mnist 4
set -euo pipefail
pipeline=$1 split=$2 output=$3 ranks=${4:-2}
torchrun --no-python --standalone --nproc-per-node "$ranks" \
  sluice shard --pipeline "$pipeline" --split "$split" --output "$output" --workers 1 --samples-per-shard 2500
sluice shard merge "$output"
sluice shard verify "$output"
