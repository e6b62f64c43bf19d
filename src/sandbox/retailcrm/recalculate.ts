/**
 * Recalculation of a dynamic segment, as RetailCRM does every few hours: the window of members
 * moves (membership.ts) and one history block records every leave and join (`source: "code"`).
 */
import { appendBlocks, type BlockData } from './history'
import { recalc } from './membership'
import { firstIds, SandboxError } from './mutations'
import type { ShopState } from './state'

/**
 * Recalculates a dynamic segment: the `remove` longest-standing members leave and `add` new
 * customers join (default: 1 % of the segment each way), with one `segments` history record per
 * customer (`source: "code"`). Static segments never change.
 */
export async function recalculateSegment(
  db: D1Database,
  shop: ShopState,
  segmentId: number,
  opts: { add?: number; remove?: number },
  now: number
) {
  const seg = shop.segments.find((s) => s.id === segmentId)
  if (!seg) throw new SandboxError(404, `Segment ${segmentId} not found`)
  if (!seg.isDynamic)
    throw new SandboxError(400, `Segment ${seg.code} is static and never recalculates`)
  const step = Math.max(1, Math.round(seg.size / 100))
  const r = recalc(seg, opts.remove ?? step, opts.add ?? step)
  const data: BlockData = {
    kind: 'segment',
    code: seg.code,
    window: { offset: seg.offset, stride: seg.stride, cap: seg.cap, lo: seg.lo, size: seg.size },
    removeFrom: r.removeFrom,
    removeCount: r.removeCount,
    addFrom: r.addFrom,
    addCount: r.addCount,
  }
  const res = await db.batch([
    db
      .prepare(
        'UPDATE crm_segments SET lo = ?, size = ?, generation = generation + 1 WHERE shop = ? AND id = ?'
      )
      .bind(r.next.lo, r.next.size, shop.code, seg.id),
    ...appendBlocks(db, shop.code, [{ count: r.removeCount + r.addCount, data }], now),
  ])
  const historyIds = firstIds(res)
  return {
    segment: seg.code,
    removed: r.removeCount,
    added: r.addCount,
    size: r.next.size,
    firstHistoryId: historyIds[0] ?? null,
  }
}
