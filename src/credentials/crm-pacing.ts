/**
 * Pacing of a tenant's RetailCRM calls. RetailCRM allows 10 requests per second per API key
 * (docs/retailcrm.md §4), and a tenant's key is shared by its runs and by the scheduler's history
 * polls, which may run in different invocations at once. Each caller first reserves a window of
 * calls in tenants.crm_paced_until (one atomic UPDATE) and then spaces its calls CRM_INTERVAL_MS
 * apart from the window's start, so together they stay under the limit. Interactive reads (the
 * sync form) do not reserve: they use the headroom left here and retry a rate-limit answer.
 */
import type { Limiter } from '../clients/http'

/**
 * Minimum spacing of one tenant's background CRM calls (runs and history polls): 8 per second, so
 * 2 of the documented 10 requests/s stay free for a person's form (its segment reads go first and
 * retry a refusal briefly, src/sync-settings/form.ts), and pacing never meets the service's own
 * window edge (bench/README.md). At 110 ms (9/s) a save failed while a run read the CRM (#13).
 */
export const CRM_INTERVAL_MS = 125

/**
 * Reserves `calls` calls spaced `intervalMs` apart in the tenant's shared window; returns when
 * this caller's window starts (null when the tenant row is gone).
 */
export async function reserveCrmWindow(
  d1: D1Database,
  tenantId: number,
  calls: number,
  now: number,
  intervalMs = CRM_INTERVAL_MS
): Promise<number | null> {
  const span = calls * intervalMs
  const row = await d1
    .prepare(
      `UPDATE tenants SET crm_paced_until = MAX(COALESCE(crm_paced_until, 0), ?1) + ?2
        WHERE id = ?3 RETURNING crm_paced_until AS until`
    )
    .bind(now, span, tenantId)
    .first<{ until: number }>()
  return row ? row.until - span : null
}

/**
 * A limiter that waits once for a reserved window to start (at most a minute), then paces every
 * call with `inner`. Measured at N = 1,000,000: waiting before every call instead turned a 2 s wait
 * into 40 s for a 20-page poll.
 */
export function windowLimiter(
  startAt: number,
  now: () => number,
  inner: Limiter,
  sleep: (ms: number) => Promise<unknown>
): Limiter {
  let waited = false
  return {
    acquire: async () => {
      if (!waited) {
        waited = true
        const wait = startAt - now()
        if (wait > 0) await sleep(Math.min(wait, 60_000))
      }
      await inner.acquire()
    },
  }
}
