/**
 * The retry delay every queue consumer uses, so a failing run step, a failing history poll and a
 * message retried after a thrown error all back off the same way.
 */

/** Longest delay of a retried message (the queue's own per-message limit is 12 hours). */
export const MAX_BACKOFF_SECONDS = 900

/**
 * Exponential backoff for the `attempts`-th delivery: 5 s, 10 s, 20 s … capped at `capSeconds`,
 * and never shorter than what the service asked for (`askedSeconds`, e.g. a Retry-After).
 */
export function backoffSeconds(
  attempts: number,
  capSeconds = MAX_BACKOFF_SECONDS,
  askedSeconds = 0
): number {
  return Math.min(capSeconds, Math.max(askedSeconds, 5 * 2 ** Math.max(0, attempts - 1)))
}
