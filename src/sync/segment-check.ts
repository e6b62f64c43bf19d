/**
 * Whether a sync's segment still exists in the CRM. RetailCRM answers `filter[segment]=<unknown
 * code>` with an empty list rather than an error (UNCONFIRMED; the sandbox does the same), which an
 * exact-match run would read as "remove everyone": a full read first checks the segment is there.
 */
import type { RetailCrmClient } from '../clients/retailcrm'

/** Error code of the run recorded when a sync's segment no longer exists in the CRM. */
export const SEGMENT_MISSING = 'segment_missing'
export const MISSING_MESSAGE =
  'The RetailCRM segment of this sync no longer exists. The Unisender list was left as it was and the sync is paused: choose another segment to resume it.'

/** True when no segment with this code is listed (pages through the segments; usually one call). */
export async function isSegmentMissing(
  crm: Pick<RetailCrmClient, 'listSegments'>,
  code: string
): Promise<boolean> {
  for (let page = 1; page <= 50; page++) {
    const res = await crm.listSegments({ page, limit: 100 })
    if (res.segments.some((s) => s.code === code)) return false
    if (page >= res.pagination.totalPageCount) return true
  }
  return false // more than 5,000 segments: do not claim it is gone
}

/** The failure a run reports for a missing segment (nothing is read or written after it). */
export const SEGMENT_MISSING_FAILURE = {
  kind: 'fail',
  code: SEGMENT_MISSING,
  message: MISSING_MESSAGE,
} as const
