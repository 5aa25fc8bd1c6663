# shellcheck shell=bash
# Sourced by run_ghl_check.sh and ghl-token. Containers run without --rm: podman's Docker API (and
# any engine that does the same) answers 0 for `docker run --rm` whatever the container exited with.
# They run under a name of their own instead, and the exit code is read from the stopped container.

# exit_code_of NAME: prints the exit code of container NAME when it has exited, nothing when it has
# not (docker could not start it); fails when there is no such container.
exit_code_of() {
  local state
  state=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$1" 2>/dev/null) || return 1
  [[ ! $state =~ ^exited\ ([0-9]+)$ ]] || printf '%s' "${BASH_REMATCH[1]}"
}
