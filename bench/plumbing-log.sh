#!/usr/bin/env bash
# Reference for bench/log-write.mjs: the same writes as one `git-track log`, done with git
# plumbing — artifacts hashed and copied into the content-addressed cache, the manifest blob,
# the run/shard/runs/root trees, the commit (parents: tip and code), the ref compare-and-swap.
# usage: plumbing-log.sh REPO ID MANIFEST ARTIFACT...
set -euo pipefail
repo=$1 id=$2 manifest=$3
shift 3
cd "$repo"
for a in "$@"; do
  h=$(sha256sum "$a" | cut -c1-64)
  mkdir -p ".git/git-track/objects/sha256/${h:0:2}"
  cp "$a" ".git/git-track/objects/sha256/${h:0:2}/${h:2}"
done
old=$(git rev-parse refs/heads/runs)
head=$(git rev-parse HEAD)
shard=${id:0:2}
blob=$(git hash-object -w "$manifest")
runtree=$(printf '100644 blob %s\trun.yaml\n' "$blob" | git mktree)
shardtree=$({ git ls-tree "$old:runs/$shard" 2>/dev/null || true; printf '040000 tree %s\t%s\n' "$runtree" "$id"; } | git mktree)
runstree=$({ git ls-tree "$old:runs" | grep -v "	$shard\$" || true; printf '040000 tree %s\t%s\n' "$shardtree" "$shard"; } | git mktree)
root=$({ git ls-tree "$old" | grep -v "	runs\$" || true; printf '040000 tree %s\truns\n' "$runstree"; } | git mktree)
commit=$(git commit-tree "$root" -p "$old" -p "$head" -m "run $id")
git update-ref refs/heads/runs "$commit" "$old"
