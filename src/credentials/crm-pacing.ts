/**
 * Pacing of a tenant's RetailCRM calls. RetailCRM allows 10 requests per second per API key
 * (docs/retailcrm.md §4), and a tenant's key is shared by its runs and by the scheduler's history
 * polls, which may run in different invocations at once. Each caller first reserves a window of
 * calls in tenants.crm_paced_until (one atomic UPDATE) and then spaces its calls CRM_INTERVAL_MS
 * apart from the window's start, so together they stay under the limit.
 */
import type { Limiter } from '../clients/http'

/**
 * Minimum spacing of one tenant's CRM calls: 10% under the documented 10 requests/s, because
 * pacing exactly at a limit meets the service's own window edge now and then (bench/README.md).
 */
export const CRM_INTERVAL_MS = 110

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
