/**
 * Customer history (`GET /api/v5/customers/history`) stored as blocks: one row stands for `count`
 * consecutive history ids whose records are computed on read (a recalculation that moves 10,000
 * customers is one row; the creation of a 1,000,000-customer base is one row). Reading a page by
 * `filter[sinceId]` touches only the blocks that hold that page.
 */
import type { Window } from './membership'

/** What a block describes; `t` (0-based index inside the block) selects one record. */
export type BlockData =
  | { kind: 'created'; fromId: number }
  | {
      kind: 'segment'
      code: string
      window: Window
      removeFrom: number
      removeCount: number
      addFrom: number
      addCount: number
    }
  | { kind: 'email'; customerId: number; old: string | null; new: string | null }
  | { kind: 'first_name'; customerId: number; old: string | null; new: string | null }
  | { kind: 'unsubscribed'; customerId: number; old: number | null; new: number | null }
  | { kind: 'subscription'; customerId: number; old: boolean; new: boolean }
  | { kind: 'deleted'; customerId: number }
  | { kind: 'merged'; customerId: number; into: number }

export interface Block {
  firstId: number
  count: number
  createdAt: number
  data: BlockData
}

/**
 * Statements that append blocks with consecutive ids (run them inside one db.batch with the other
 * writes of the same change, so ids and data stay consistent). Each insert RETURNs its first id.
 */
export function appendBlocks(
  db: D1Database,
  shop: string,
  blocks: { count: number; data: BlockData }[],
  now: number
): D1PreparedStatement[] {
  return blocks
    .filter((b) => b.count > 0)
    .flatMap((b) => [
      db
        .prepare(
          `INSERT INTO crm_history (shop, first_id, count, kind, created_at, data)
           SELECT code, next_history_id, ?, ?, ?, ? FROM crm_shops WHERE code = ? RETURNING first_id`
        )
        .bind(b.count, b.data.kind, now, JSON.stringify(b.data), shop),
      db
        .prepare('UPDATE crm_shops SET next_history_id = next_history_id + ? WHERE code = ?')
        .bind(b.count, shop),
    ])
}

export interface HistoryQuery {
  sinceId: number
  startDate?: number
  endDate?: number
  skip: number
  limit: number
}

/** The (block, index) pairs of one page, in id order, and the total of matching records. */
export async function readHistory(
  db: D1Database,
  shop: string,
  q: HistoryQuery
): Promise<{ items: { block: Block; t: number; id: number }[]; total: number }> {
  const where = ['shop = ?', 'first_id + count - 1 > ?']
  const params: unknown[] = [shop, q.sinceId]
  if (q.startDate !== undefined) {
    where.push('created_at >= ?')
    params.push(q.startDate)
  }
  if (q.endDate !== undefined) {
    where.push('created_at <= ?')
    params.push(q.endDate)
  }
  const cond = where.join(' AND ')
  const [blocks, total] = await db.batch([
    db
      .prepare(
        `SELECT first_id, count, created_at, data FROM crm_history WHERE ${cond}
         ORDER BY first_id LIMIT ?`
      )
      .bind(...params, q.skip + q.limit),
    db
      .prepare(
        `SELECT COALESCE(SUM(CASE WHEN first_id > ? THEN count ELSE first_id + count - 1 - ? END), 0)
         AS n FROM crm_history WHERE ${cond}`
      )
      .bind(q.sinceId, q.sinceId, ...params),
  ])
  const rows = (blocks?.results ?? []) as {
    first_id: number
    count: number
    created_at: number
    data: string
  }[]
  const items: { block: Block; t: number; id: number }[] = []
  let skip = q.skip
  for (const r of rows) {
    const block: Block = {
      firstId: r.first_id,
      count: r.count,
      createdAt: r.created_at,
      data: JSON.parse(r.data) as BlockData,
    }
    let t = Math.max(0, q.sinceId + 1 - r.first_id)
    const inBlock = r.count - t
    if (skip >= inBlock) {
      skip -= inBlock
      continue
    }
    t += skip
    skip = 0
    for (; t < r.count && items.length < q.limit; t++) items.push({ block, t, id: r.first_id + t })
    if (items.length >= q.limit) break
  }
  const n = (total?.results?.[0] as { n: number } | undefined)?.n ?? 0
  return { items, total: n }
}
