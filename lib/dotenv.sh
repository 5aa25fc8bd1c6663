# shellcheck shell=bash
# Sourced by run_ghl_check.sh, setup_cron.sh and ghl-token. .env is a dotenv file (quoted values, inline
# "# comments"), not shell: sourcing it would keep the quotes wrong and run whatever it contains.
# This reads single keys the way dotenv does, without executing anything.

# dotenv_get FILE KEY: prints KEY's value from FILE (the last assignment wins); nothing if unset.
dotenv_get() {
  local file=$1 key=$2 line value=''
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line#$'\xef\xbb\xbf'}
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    value=${BASH_REMATCH[2]}
    if [[ $value =~ ^\"([^\"]*)\" || $value =~ ^\'([^\']*)\' ]]; then
      value=${BASH_REMATCH[1]}
    else
      value=${value%%#*}
      value=${value%"${value##*[![:space:]]}"}
    fi
  done <"$file"
  printf '%s' "$value"
}

# setting ENV_FILE KEY DEFAULT: the environment wins over .env (as for the CLI), then DEFAULT.
setting() {
  local from_env=${!2:-} from_file=''
  if [[ -n $from_env ]]; then printf '%s' "$from_env"; return; fi
  [[ ! -f $1 ]] || from_file=$(dotenv_get "$1" "$2")
  printf '%s' "${from_file:-$3}"
}

# absolute PATH: a path from .env, where a relative one means beside the sourcing script ($SCRIPT_DIR).
absolute() { [[ $1 == /* ]] && printf '%s' "$1" || printf '%s' "$SCRIPT_DIR/${1#./}"; }
