/**
 * The lock's timings, derived from the run's deadline (GHL_CHECK_TIMEOUT_SECONDS) so a run that
 * waits for another still has most of its own time left, and a shorter deadline shrinks them all.
 */
export interface StoreTimings {
  /** A lock not refreshed for this long is taken over (proper-lockfile refuses less than 2 s). */
  staleMs: number;
  /** How long a run waits for the lock, or for another run's refresh, before exit 5. */
  waitMs: number;
  /** A refresh claim's life from its creation (the run's deadline), for hosts that cannot judge its writer. */
  claimMs: number;
  /** A claim from a writer this host cannot judge counts as alive until its deadline plus this. */
  graceMs: number;
}

export function storeTimings(deadlineSeconds: number): StoreTimings {
  const deadlineMs = deadlineSeconds * 1000;
  return {
    staleMs: Math.max(2_000, wholeSeconds(deadlineMs / 6)),
    waitMs: wholeSeconds(deadlineMs / 3),
    claimMs: deadlineMs,
    graceMs: deadlineMs,
  };
}

const wholeSeconds = (ms: number) => Math.max(1, Math.round(ms / 1000)) * 1000;
