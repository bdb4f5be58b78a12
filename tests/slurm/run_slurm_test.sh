#!/usr/bin/env bash
# A real SLURM cluster on this machine, and the workflow run through profiles/slurm against it.
#
#   tests/slurm/run_slurm_test.sh            # as root; installs Slurm from Debian packages if missing
#
# 1. installs slurm-wlm, munge and slurm-client (apt-get) unless slurmctld/slurmd/sbatch exist;
# 2. writes /etc/slurm/slurm.conf for localhost (the executor's job step drops SLURM_CONF, so the
#    file must be at that path; an existing file is moved aside and put back on exit);
# 3. starts munged (private key and socket), slurmctld and `slurmd -N localhost` directly (no systemd);
# 4. runs the targets in tests/slurm/targets.txt (config tests/slurm/config.yaml) twice, side by
#    side, each in a fresh copy of the working tree: locally (`--cores`) and through
#    `--profile profiles/slurm` with real sbatch (status via squeue: there is no slurmdbd), and
#    checks that every job went through sbatch (the per-shard jobs as a group job);
# 5. compares the two result trees (tests/slurm/compare_results.py: Parquet by content);
# 6. stops every daemon it started, by PID (trap), and restores /etc/slurm/slurm.conf.
#
# Environment: CROSSEMO_VENV (default <repo>/.venv), CROSSEMO_SLURM_TIMEOUT (seconds per snakemake
# run, default 600), CROSSEMO_SLURM_KEEP=1 keeps the scratch directory for inspection.
set -euo pipefail
{ # the whole script is one block: bash reads it completely before running any of it


REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=$(cd "${CROSSEMO_VENV:-$REPO/.venv}" && pwd)
TIMEOUT=${CROSSEMO_SLURM_TIMEOUT:-600}
PARTITION=crossemo-ci
ACCOUNT=crossemo-ci
MARKER="# written by crossemo tests/slurm/run_slurm_test.sh"

log() { printf '[slurm-test %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (installs Slurm, writes /etc/slurm/slurm.conf, runs slurmd)"
[ -x "$VENV/bin/snakemake" ] || die "no snakemake in $VENV (run 'make setup')"

# One cluster per machine: concurrent runs (several `make test`s) wait for each other. The lock's
# fd 9 is closed for every process started below, so nothing outlives the script holding it.
LOCK_DIR=/run/lock
[ -d "$LOCK_DIR" ] && [ -w "$LOCK_DIR" ] || LOCK_DIR=/tmp
exec 9>"$LOCK_DIR/crossemo-slurm-test.lock"
flock -w 1800 9 || die "another run holds the slurm test lock for 30 min"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "Slurm is not installed and there is no apt-get"
  log "installing slurm-wlm munge slurm-client (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends slurm-wlm munge slurm-client >/dev/null
fi
for daemon in slurmctld slurmd; do
  ! pgrep -x "$daemon" >/dev/null ||
    die "a $daemon is already running on this machine; refusing to replace its slurm.conf"
done

WORK=$(mktemp -d /tmp/crossemo-slurm.XXXXXX)
chmod 755 "$WORK"
PIDS=()
CONF=/etc/slurm/slurm.conf
CONF_BACKUP=""

cleanup() {
  local rc=$?
  set +e
  [ -n "${LOCAL_PID:-}" ] && kill "$LOCAL_PID" 2>/dev/null && wait "$LOCAL_PID" 2>/dev/null
  # jobs first (squeue works only while slurmctld runs), then daemons in reverse start order
  [ -n "${SLURMCTLD_PID:-}" ] && scancel --user="$(id -un)" >/dev/null 2>&1
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[$i]}" 2>/dev/null
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 50); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -0 "${PIDS[$i]}" 2>/dev/null && kill -9 "${PIDS[$i]}" 2>/dev/null
    wait "${PIDS[$i]}" 2>/dev/null
  done
  if [ -n "$CONF_BACKUP" ]; then
    mv -f "$CONF_BACKUP" "$CONF"
  elif grep -qF "$MARKER" "$CONF" 2>/dev/null; then
    rm -f "$CONF"
  fi
  if [ "$rc" -ne 0 ]; then
    log "exit $rc; daemon logs:"
    tail -n 25 "$WORK"/state/*.log 2>/dev/null >&2
  fi
  if [ "${CROSSEMO_SLURM_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    log "scratch kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- cluster configuration -------------------------------------------------------------------
STATE=$WORK/state
mkdir -p "$STATE/ctld" "$STATE/spool" "$STATE/munge"
chmod 700 "$STATE/munge"
CPUS=$(nproc)
# leave 1 GiB to the OS; slurmd refuses to register a node that claims more than it has
MEM_MB=$(($(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024))
if [ -e "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
  CONF_BACKUP="$CONF.crossemo-backup.$$"
  mv "$CONF" "$CONF_BACKUP"
fi
mkdir -p /etc/slurm
cat >"$CONF" <<EOF
$MARKER (removed on exit)
ClusterName=crossemo-ci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$STATE/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

# --- daemons ---------------------------------------------------------------------------------
dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$STATE/munge/munge.key"
munged --foreground --force --socket="$STATE/munge/munge.socket" \
  --key-file="$STATE/munge/munge.key" --pid-file="$STATE/munge/munged.pid" \
  --seed-file="$STATE/munge/munged.seed" >"$STATE/munged.log" 2>&1 9>&- &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$STATE/munge/munge.socket" ] && break; sleep 0.1; done
munge --socket="$STATE/munge/munge.socket" -n | unmunge --socket="$STATE/munge/munge.socket" \
  >/dev/null || die "munged does not answer"

slurmctld -D -i >"$STATE/slurmctld.out" 2>&1 9>&- &
SLURMCTLD_PID=$!
PIDS+=("$SLURMCTLD_PID")
slurmd -D -N localhost >"$STATE/slurmd.out" 2>&1 9>&- &
PIDS+=($!)
for _ in $(seq 100); do
  state=$(sinfo -h -n localhost -o '%t' 2>/dev/null | head -n1) || true
  case "$state" in idle | mix | alloc) break ;; esac
  sleep 0.2
done
case "$state" in idle | mix | alloc) ;; *) die "node localhost did not come up (state '$state')" ;; esac
log "cluster up: $(sinfo -h -o '%P %D %c cpus %m MB %t')"

# --- the two runs ----------------------------------------------------------------------------
mapfile -t TARGETS < <(grep -v '^\s*\(#\|$\)' "$REPO/tests/slurm/targets.txt")
[ "${#TARGETS[@]}" -gt 0 ] || die "no targets in tests/slurm/targets.txt"

copy_tree() { # a clean copy of the working tree (tracked and untracked-but-not-ignored files)
  mkdir -p "$1"
  if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
      tar --null -T - -cf -) | tar -xf - -C "$1"
  else
    tar -C "$REPO" --exclude=.venv --exclude=.git --exclude=results --exclude=logs \
      --exclude=resources --exclude=.snakemake --exclude=benchmarks -cf - . | tar -xf - -C "$1"
  fi
}

export PATH="$VENV/bin:$PATH" HF_HUB_OFFLINE=1 SLURM_ACCOUNT="$ACCOUNT" SLURM_PARTITION="$PARTITION" \
  SLURM_GPU_PARTITION="$PARTITION" SLURM_GPU_MODEL=""
CONFIG_ARGS=()
[ -e "$REPO/tests/slurm/config.yaml" ] && CONFIG_ARGS=(--configfile tests/slurm/config.yaml)

copy_tree "$WORK/local"
copy_tree "$WORK/slurm"
# The cluster here has no GPUs (a GRES-free partition): tests/slurm/profile.py derives a profile
# from profiles/slurm that drops the GPU requests, and nothing else.
"$VENV/bin/python" "$REPO/tests/slurm/profile.py" "$WORK/slurm/profiles/slurm" "$WORK/profile" \
  --max-mem-mb "$MEM_MB" --max-threads "$CPUS"

# The reference run goes alongside the SLURM run (which mostly waits on submissions and status).
log "local run (background): ${TARGETS[*]}"
(cd "$WORK/local" && exec timeout -s KILL "$TIMEOUT" snakemake ${CONFIG_ARGS[@]+"${CONFIG_ARGS[@]}"} \
  --cores "$CPUS" "${TARGETS[@]}" >"$WORK/local.log" 2>&1 9>&-) &
LOCAL_PID=$!

log "SLURM run through profiles/slurm (derived: $WORK/profile)"
start=$(date +%s)
(cd "$WORK/slurm" && timeout -s KILL "$TIMEOUT" snakemake ${CONFIG_ARGS[@]+"${CONFIG_ARGS[@]}"} \
  --profile "$WORK/profile" --slurm-status-command squeue \
  --slurm-init-seconds-before-status-checks 2 "${TARGETS[@]}" >"$WORK/slurm.log" 2>&1 9>&-) || {
  tail -n 60 "$WORK/slurm.log" >&2
  find "$WORK/slurm/logs/slurm" "$WORK/slurm/.snakemake/slurm_logs" -name '*.log' 2>/dev/null |
    while read -r f; do echo "== $f" >&2; tail -n 20 "$f" >&2; done
  die "SLURM run failed"
}
log "SLURM run took $(($(date +%s) - start)) s"
wait "$LOCAL_PID" || {
  LOCAL_PID=""
  tail -n 40 "$WORK/local.log" >&2
  die "local run failed"
}
LOCAL_PID=""
log "local run done"

# every job went through sbatch (none ran on the submit host: the targets need no local rule),
# and slurmctld saw every submission complete
n_local=$(grep -cE '^localrule ' "$WORK/slurm.log" || true)
n_submitted=$(grep -cE 'has been submitted with SLURM jobid' "$WORK/slurm.log" || true)
n_groups=$(grep -cE 'Group job ' "$WORK/slurm.log" || true)
n_completed=$(squeue -h --states=all -o '%T' | grep -c COMPLETED || true)
done_line=$(grep -E 'steps \(100%\) done' "$WORK/slurm.log" | tail -n1 || true)
log "sbatch submissions: $n_submitted ($n_groups group jobs); COMPLETED in squeue: $n_completed;" \
  "local jobs: $n_local; ${done_line:-no completion line}"
[ -n "$done_line" ] || die "the SLURM run did not finish all its steps"
[ "$n_submitted" -gt 0 ] || die "nothing was submitted with sbatch"
[ "$n_groups" -gt 0 ] || die "no group job: the profile's groups/group-components were not used"
[ "$n_local" -eq 0 ] || die "$n_local jobs ran on the submit host instead of through SLURM"
[ "$n_completed" -ge "$n_submitted" ] ||
  die "slurmctld saw $n_completed completed jobs, expected $n_submitted"

"$VENV/bin/python" "$REPO/tests/slurm/compare_results.py" "$WORK/local" "$WORK/slurm" ||
  die "SLURM and local results differ"
log "PASS: SLURM results equal the local run"
exit 0
}
