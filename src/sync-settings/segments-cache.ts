/**
 * A short per-tenant cache of the sync form's segment list (Cache API, 60 s): opening the form
 * again, or re-rendering it after an error, costs the shop no CRM calls while its runs use the
 * 10 requests/s. Keyed by tenant and its registered address, so a moved shop starts afresh. The
 * Cache API keeps nothing on workers.dev hosts; then every form reads the CRM (still with retries).
 */
import type { SegmentOption } from './values'

/** How long a segment list is reused. */
export const SEGMENTS_TTL_S = 60

function keyOf(tenant: { id: number; systemUrl: string }): Request {
  const u = new URL(`https://segments-cache.invalid/${tenant.id}`)
  u.searchParams.set('crm', tenant.systemUrl)
  return new Request(u)
}

/** The tenant's cached segment list, or null (also when the Cache API is unavailable). */
export async function cachedSegments(tenant: {
  id: number
  systemUrl: string
}): Promise<SegmentOption[] | null> {
  try {
    const hit = await caches.default.match(keyOf(tenant))
    return hit ? ((await hit.json()) as SegmentOption[]) : null
  } catch {
    return null
  }
}

/** Keeps a freshly read segment list for SEGMENTS_TTL_S seconds. */
export async function cacheSegments(
  tenant: { id: number; systemUrl: string },
  segments: SegmentOption[]
): Promise<void> {
  try {
    await caches.default.put(
      keyOf(tenant),
      Response.json(segments, { headers: { 'Cache-Control': `max-age=${SEGMENTS_TTL_S}` } })
    )
  } catch {
    // A cache that cannot store only costs CRM calls.
  }
}
