#!/usr/bin/env bash
# What cron runs: one `ghl-auth check` in the ghl-auth image, logged with timestamps, never two at once.
# ./run_ghl_check.sh --help says what it reads and what its exit codes mean.
set -euo pipefail

SYNOPSIS='./run_ghl_check.sh [--help]'
usage() {
  echo "Usage: $SYNOPSIS"
  cat <<'USAGE'

Runs one `ghl-auth check` in the ghl-auth image, as cron does (./setup_cron.sh installs it): the
token is refreshed when due and the health-check tag is added, which fires your GHL workflow (and its
SMS). Every line is appended to the log file with a timestamp; on a terminal they are also shown,
readable. A run never overlaps another. Works from any directory: .env must be beside this script.

Options:
  -h, --help       show this text; nothing is run

Settings (environment, else .env, else the default):
  GHL_IMAGE        image to run                        ghl-auth:latest
  GHL_DATA_DIR     token directory, mounted at /data   ./data (created 0700)
  GHL_LOG_FILE     log file                            /var/log/ghl_auth_check.log, else ./logs/ghl_auth_check.log
  GHL_DOCKER_ARGS  extra `docker run` arguments        (none), e.g. --network host
docker itself reads DOCKER_HOST (and its other settings) from the environment.

Exit code: the check's (0 healthy, 2 setup, 3 re-authorize, 4 GHL unavailable, ...); 2 if .env or
flock is missing or the lock cannot be taken, or for an unknown option; 5 if another run is still in
progress (nothing started); 130/143 when interrupted (the container is removed); above 5 otherwise,
docker's own failure or a killed container (logged with its likely cause).

Example:
  ./run_ghl_check.sh; echo "exit $?"
USAGE
}
if (($# > 0)); then
  case $1 in
    -h | --help) usage; exit 0 ;;
    *) printf "run_ghl_check.sh: unknown option '%s'\nUsage: %s\n" "$1" "$SYNOPSIS" >&2; exit 2 ;;
  esac
fi

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ENV_FILE="$SCRIPT_DIR/.env"
# shellcheck source=lib/dotenv.sh
source "$SCRIPT_DIR/lib/dotenv.sh"
# shellcheck source=lib/container.sh
source "$SCRIPT_DIR/lib/container.sh"

if ! command -v flock >/dev/null; then
  echo "run_ghl_check.sh: flock not found: install util-linux (it provides flock, which keeps two runs from overlapping)" >&2
  exit 2
fi
if [[ ! -f $ENV_FILE ]]; then
  echo "run_ghl_check.sh: $ENV_FILE not found: copy .env.example to .env beside this script and fill it in (README, Deployment)" >&2
  exit 2
fi

IMAGE=$(setting "$ENV_FILE" GHL_IMAGE ghl-auth:latest)
DATA_DIR=$(absolute "$(setting "$ENV_FILE" GHL_DATA_DIR ./data)")
LOG_FILE=$(absolute "$(setting "$ENV_FILE" GHL_LOG_FILE /var/log/ghl_auth_check.log)")
read -r -a DOCKER_ARGS <<<"$(setting "$ENV_FILE" GHL_DOCKER_ARGS '')"

# Appends each line read from stdin to the log, prefixed with the time; on a terminal also shows it.
stamp() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%(%Y-%m-%dT%H:%M:%S%z)T %s\n' -1 "$line" >&3
    [[ ! -t 1 ]] || show "$line"
  done 3>>"$LOG_FILE"
}
# The check's log lines are JSON (the container has no terminal); the log file keeps them so, as cron
# writes them. A terminal gets "[HH:MM:SS] LEVEL: message", as the CLI prints on one; other fields
# stay in the file. pino writes msg last, and a JSON string holds no bare quote.
PINO_LINE='^\{"level":([0-9]+),.*"msg":"((\\.|[^"\\])*)"\}$'
show() {
  local line=$1 level
  if [[ $line =~ $PINO_LINE ]]; then
    case ${BASH_REMATCH[1]} in
      10) level=TRACE ;; 20) level=DEBUG ;; 30) level=INFO ;; 40) level=WARN ;; 50) level=ERROR ;; 60) level=FATAL ;;
      *) level=${BASH_REMATCH[1]} ;;
    esac
    # %b undoes JSON's escapes (\\ \n \t \uXXXX) but \", undone first.
    printf -v line '%s: %b' "$level" "${BASH_REMATCH[2]//\\\"/\"}"
  fi
  printf '[%(%H:%M:%S)T] %s\n' -1 "$line"
}
log() { echo "run_ghl_check: $*" | stamp; }

if ! { mkdir -p "$(dirname "$LOG_FILE")" && : >>"$LOG_FILE"; } 2>/dev/null; then
  unwritable=$LOG_FILE
  LOG_FILE="$SCRIPT_DIR/logs/ghl_auth_check.log"
  mkdir -p "$SCRIPT_DIR/logs"
  log "cannot write $unwritable; logging here instead (set GHL_LOG_FILE to choose)"
fi

(umask 077 && mkdir -p "$DATA_DIR")

# One run at a time: the lock is held until this script and its `docker run` end.
# flock -n exits 1 only when the lock is held; anything else is a failure to lock, not a busy run.
exec 9>>"$DATA_DIR/run_ghl_check.lock"
locked=0
flock -n 9 || locked=$?
if ((locked == 1)); then
  log "another run is still in progress (lock $DATA_DIR/run_ghl_check.lock); not starting a second one, exit 5"
  exit 5
elif ((locked != 0)); then
  log "cannot take the run lock $DATA_DIR/run_ghl_check.lock (flock exit $locked); not starting a check, exit 2"
  echo "run_ghl_check.sh: cannot take the run lock $DATA_DIR/run_ghl_check.lock (flock exit $locked); see $LOG_FILE" >&2
  exit 2
fi

# The older layout kept the token file beside the script and mounted that single file.
OLD_TOKENS="$SCRIPT_DIR/ghl_tokens.json"
if [[ -d $OLD_TOKENS ]]; then
  if rmdir "$OLD_TOKENS" 2>/dev/null; then
    log "removed the empty directory $OLD_TOKENS (Docker made it when a single-file mount found no file); tokens live in $DATA_DIR"
  else
    log "warning: $OLD_TOKENS is a directory Docker made in place of a missing token file; it is not used: remove it (sudo rm -r '$OLD_TOKENS'); tokens live in $DATA_DIR"
  fi
elif [[ -f $OLD_TOKENS ]]; then
  if [[ -e $DATA_DIR/ghl_tokens.json ]]; then
    log "warning: both $OLD_TOKENS and $DATA_DIR/ghl_tokens.json exist; using the latter. Delete the old one once you are sure it is stale."
  else
    mv "$OLD_TOKENS" "$DATA_DIR/ghl_tokens.json"
    chmod 600 "$DATA_DIR/ghl_tokens.json"
    log "moved $OLD_TOKENS to $DATA_DIR/ghl_tokens.json (the token file now lives in the data directory)"
  fi
fi

# No --rm (lib/container.sh says why): the container runs under a name of its own; its exit code is
# read from the stopped container, which is then removed on every path, an interrupted run's too.
CONTAINER="ghl-auth-check-$$-$EPOCHSECONDS"
log "starting check (image $IMAGE, container $CONTAINER)"
# Signals are taken while `wait` runs (not deferred to the end of the container): the trap removes
# the container, which ends the run, then exits 130/143.
remove_container() {
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || log "warning: could not remove container $CONTAINER; if it exists, remove it (docker rm -f $CONTAINER)"
}
# shellcheck disable=SC2317 # called by the traps below
interrupted() {
  trap - INT TERM
  log "interrupted by SIG$1: removing container $CONTAINER"
  remove_container
  wait || true
  echo "run_ghl_check.sh: interrupted by SIG$1; see $LOG_FILE" >&2
  exit "$2"
}
trap 'interrupted INT 130' INT
trap 'interrupted TERM 143' TERM
# .env is read by the CLI's own dotenv (quotes and comments handled), not `docker run --env-file`.
# --hostname: alerts name this server, not a container id.
(
  docker run --name "$CONTAINER" --user "$(id -u):$(id -g)" --hostname "$(uname -n)" \
    -v "$ENV_FILE:/app/.env:ro" -e GHL_ENV_FILE=/app/.env \
    -v "$DATA_DIR:/data" \
    "${DOCKER_ARGS[@]}" "$IMAGE" check 2>&1 | stamp || exit "${PIPESTATUS[0]}"
) &
run_status=0
wait "$!" || run_status=$?
trap - INT TERM

# An exited container's code is the check's. No exited container: docker failed before or while
# starting it (125-127), and its own exit code is all there is.
status=$run_status
if code=$(exit_code_of "$CONTAINER"); then
  status=${code:-$run_status}
  remove_container
elif ((run_status == 0)); then
  log "warning: container $CONTAINER is gone, so its exit code cannot be confirmed (is --rm in GHL_DOCKER_ARGS? remove it); docker run answered 0"
  echo "run_ghl_check.sh: the check's exit code could not be confirmed; see $LOG_FILE" >&2
fi
log "check ended with exit code $status"
# The CLI's codes are 0-5; a higher one comes from docker or from a killed container.
if ((status > 5)); then
  case $status in
    125) why="docker could not start the container: is the image $IMAGE built (or GHL_IMAGE set to the one you built), and is the Docker daemon running?" ;;
    126 | 127) why="docker or the image's command could not be run: is docker installed and on cron's PATH, and is $IMAGE a ghl-auth image?" ;;
    *) why="the container was likely killed (137: out of memory or docker kill)" ;;
  esac
  log "exit code $status is not the check's: $why"
fi
if ((status != 0)); then
  echo "run_ghl_check.sh: check failed with exit code $status; see $LOG_FILE" >&2
elif [[ -t 1 ]]; then
  echo "run_ghl_check.sh: the log is in $LOG_FILE (with every field of the check's JSON lines)"
fi
exit "$status"
