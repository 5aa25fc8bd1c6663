#!/usr/bin/env bash
# Installs (or prints, or removes) the crontab line that runs run_ghl_check.sh every
# RUN_INTERVAL_HOURS hours, at a minute fixed per install. Other crontab lines are kept.
set -euo pipefail

SYNOPSIS='./setup_cron.sh [--print | --remove | --help]'
usage() {
  echo "Usage: $SYNOPSIS"
  cat <<'USAGE'

  (no option)  install or replace the crontab line that runs run_ghl_check.sh
  --print      show that line without installing it
  --remove     remove that line from the crontab (other lines are kept)
  -h, --help   show this text; the crontab is not touched

RUN_INTERVAL_HOURS (environment, else .env beside this script, else 6) must divide 24:
1, 2, 3, 4, 6, 8, 12 or 24. The minute is derived from this install's path, so re-running keeps
it and several installs do not all call GHL at the same moment.

cron runs jobs with a PATH of its own and none of your shell's variables: the line carries this
shell's PATH, and DOCKER_HOST when it is set, so cron finds the docker your shell finds. After
changing either, run this again.

Examples:
  ./setup_cron.sh                          # install: e.g. "23 */6 * * * PATH='/usr/local/bin:/usr/bin:/bin' /opt/ghl-auth/run_ghl_check.sh"
  RUN_INTERVAL_HOURS=12 ./setup_cron.sh --print
  ./setup_cron.sh --remove
USAGE
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
RUNNER="$SCRIPT_DIR/run_ghl_check.sh"
# shellcheck source=lib/dotenv.sh
source "$SCRIPT_DIR/lib/dotenv.sh"
fail() { echo "setup_cron.sh: $*" >&2; exit 2; }
usage_error() { printf 'setup_cron.sh: %s\nUsage: %s\n' "$1" "$SYNOPSIS" >&2; exit 2; }

mode=install
case "${1:-}" in
  '') ;;
  --print) mode=print ;;
  --remove) mode=remove ;;
  -h | --help) usage; exit 0 ;;
  *) usage_error "unknown option '$1'" ;;
esac
(($# <= 1)) || usage_error "one option at a time (got: $*)"

# cron passes the command to sh and turns % into newlines: refuse paths that would need quoting.
[[ $RUNNER =~ ^[A-Za-z0-9_./+@-]+$ ]] || fail "the install path $SCRIPT_DIR contains spaces or special characters; move it (e.g. to /opt/ghl-auth)"

# Every line of the current crontab except the ones that run this install's script.
crontab_without_ours() {
  local err current
  err=$(mktemp)
  if ! current=$(crontab -l 2>"$err"); then
    if ! grep -qi 'no crontab' "$err"; then
      cat "$err" >&2; rm -f "$err"
      fail "cannot read the crontab (crontab -l failed); nothing changed"
    fi
    current=''
  fi
  rm -f "$err"
  [[ -z $current ]] || printf '%s\n' "$current" | awk -v runner="$RUNNER" '
    /^[[:space:]]*#/ { print; next }
    { for (i = 1; i <= NF; i++) if ($i == runner) next; print }'
}

# write_crontab KEPT [LINE]: the crontab becomes the kept lines, then LINE.
write_crontab() {
  { [[ -z $1 ]] || printf '%s\n' "$1"; [[ -z ${2:-} ]] || printf '%s\n' "$2"; } | crontab -
}
require_crontab() { command -v crontab >/dev/null || fail "crontab not found: install cron (apt-get install cron)"; }

if [[ $mode == remove ]]; then
  require_crontab
  kept=$(crontab_without_ours)
  write_crontab "$kept"
  echo "removed any crontab line running $RUNNER (other lines kept)"
  exit 0
fi

interval=$(setting "$SCRIPT_DIR/.env" RUN_INTERVAL_HOURS 6)
case "$interval" in
  1) hours='*' ;;
  2 | 3 | 4 | 6 | 8 | 12) hours="*/$interval" ;;
  24) hours='0' ;;
  *) fail "RUN_INTERVAL_HOURS=$interval is not allowed: use one of 1, 2, 3, 4, 6, 8, 12, 24 (hours that divide the day evenly); crontab left unchanged" ;;
esac
# 1-59, never :00, stable for this path: many installs spread out, re-runs keep their minute.
minute=$(($(printf '%s' "$RUNNER" | cksum | cut -d' ' -f1) % 59 + 1))
# cron's own PATH (often /usr/bin:/bin) may not find docker, and DOCKER_HOST (rootless docker,
# podman) is not set: the line carries both from this shell, single-quoted for cron's sh.
assignments=''
for name in PATH DOCKER_HOST; do
  value=${!name:-}
  [[ -n $value ]] || continue
  # cron turns % into a newline, and a newline would end the line.
  [[ $value != *[%$'\n']* ]] || fail "$name contains % or a newline, which cron would change: set it without them and run again; crontab left unchanged"
  assignments+="$name='${value//\'/\'\\\'\'}' "
done
# Vixie cron (Debian's, Ubuntu's) cuts a command at 1000 bytes.
(($(printf '%s' "$assignments$RUNNER" | wc -c) < 1000)) || fail "the cron command would be longer than cron keeps (1000 bytes), mostly PATH: run again with a shorter one, e.g. PATH=/usr/local/bin:/usr/bin:/bin ./setup_cron.sh; crontab left unchanged"
line="$minute $hours * * * $assignments$RUNNER"

if [[ $mode == print ]]; then
  echo "$line"
  exit 0
fi
require_crontab
kept=$(crontab_without_ours)
write_crontab "$kept" "$line"
echo "installed: $line"
log_file=$(setting "$SCRIPT_DIR/.env" GHL_LOG_FILE '')
if [[ -n $log_file ]]; then
  log_file=$(absolute "$log_file")
  echo "runs every $interval h; logs: $log_file (GHL_LOG_FILE)"
else
  echo "runs every $interval h; logs: /var/log/ghl_auth_check.log, or $SCRIPT_DIR/logs/ghl_auth_check.log where that is not writable"
fi
