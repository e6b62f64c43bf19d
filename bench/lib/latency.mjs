/**
 * Issue 7's latency: from a change in the sandbox CRM to the change visible in the sandbox
 * Unisender list, with the cron fired at every wall-clock minute as in production. The emails that
 * must appear and disappear are computed from the sandbox's own pure generator and segment window
 * arithmetic; visibility is read from the sandbox database file, not through the Workers.
 */
import { join } from 'node:path'
import { sleep } from './procs.mjs'
import { changeSegment, fireCron } from './scenario.mjs'

const src = join(process.cwd(), 'src', 'sandbox')

/** Which emails a recalculation of `seg` by (remove, add) takes out and brings in. */
export async function plannedChange(ctx, remove, add) {
  const { recalc, candidateId } = await import(join(src, 'retailcrm', 'membership.ts'))
  const { cleanEmail } = await import(join(src, 'generator.ts'))
  const row = ctx.sandboxDb.one(
    'SELECT s.offset_id, s.stride, s.cap, s.lo, s.size, h.seed FROM crm_segments s JOIN crm_shops h ON h.code = s.shop WHERE s.shop = ? AND s.id = ?',
    ctx.shop.code,
    ctx.segment.id
  )
  if (!row) throw new Error('latency: segment window not found in the sandbox database')
  const w = { offset: row.offset_id, stride: row.stride, cap: row.cap, lo: row.lo, size: row.size }
  const r = recalc(w, remove, add)
  const emails = (from, count) =>
    Array.from({ length: count }, (_, i) =>
      cleanEmail(row.seed, candidateId(w, (from + i) % w.cap))
    )
  return { out: emails(r.removeFrom, r.removeCount), in: emails(r.addFrom, r.addCount) }
}

/** Whether every email of `plan.in` is an active member and none of `plan.out` is. */
export function visible(ctx, listId, plan) {
  const active = (emails) => {
    let n = 0
    for (let i = 0; i < emails.length; i += 500) {
      const part = emails.slice(i, i + 500)
      const row = ctx.sandboxDb.one(
        `SELECT count(*) AS n FROM uni_members m JOIN uni_contacts c ON c.id = m.contact_id
         WHERE m.list_id = ? AND m.status = 'active' AND c.email IN (${part.map(() => '?').join(',')})`,
        listId,
        ...part
      )
      n += row?.n ?? 0
    }
    return n
  }
  return active(plan.in) === plan.in.length && active(plan.out) === 0
}

/**
 * The changes measured: 2 customers, then up to 1,000 (half join, half leave) — at most 20% of the
 * segment leaving, so the removal guard (over 25% of the list) does not hold the run at small N.
 */
function samples(n) {
  const half = Math.min(500, Math.floor(n / 5))
  return [
    { label: '2 customers (1 joins, 1 leaves)', add: 1, remove: 1, atSecond: 20 },
    {
      label: `${(2 * half).toLocaleString('en-US')} customers (${half} join, ${half} leave)`,
      add: half,
      remove: half,
      atSecond: 45,
    },
  ]
}

/** Every this many minutes a shop's check is its segment watch (src/schedule/config.ts). */
const SEGMENT_WATCH_EVERY_MINUTES = 15

/** Whether the tick at `at` (ms) is the bench shop's watch minute (poll-slice.ts isWatchMinute). */
function isWatchTick(ctx, at) {
  const tenant = ctx.appDb.one('SELECT tenant_id AS t FROM syncs ORDER BY id LIMIT 1')?.t ?? 0
  return (Math.floor(at / 60_000) + tenant) % SEGMENT_WATCH_EVERY_MINUTES === 0
}

/** Measures each sample; returns [{ label, changed, totalS, tickWaitS, afterTickS } | { error }]. */
export async function measureLatency(ctx) {
  const list = ctx.sandboxDb.one("SELECT id FROM uni_lists WHERE title = 'Бенчмарк'")
  if (!list) return [{ error: 'the benchmark list does not exist in the sandbox Unisender' }]
  const ticks = []
  let timer = null
  const schedule = () => {
    timer = setTimeout(
      () => {
        ticks.push(Date.now())
        fireCron(ctx).catch(() => {})
        schedule()
      },
      60_000 - (Date.now() % 60_000)
    )
  }
  schedule()
  const out = []
  try {
    for (const s of samples(ctx.args.n)) {
      // Change at a fixed second of the minute, so the tick wait is known and both ends are seen.
      await sleep((s.atSecond * 1000 - (Date.now() % 60_000) + 60_000) % 60_000)
      const plan = await plannedChange(ctx, s.remove, s.add)
      const t0 = Date.now()
      await changeSegment(ctx.shop, ctx.segment.id, { add: s.add, remove: s.remove })
      const limit = Math.min(ctx.deadline, t0 + 5 * 60_000)
      let seenAt = null
      while (Date.now() < limit) {
        if (visible(ctx, list.id, plan)) {
          seenAt = Date.now()
          break
        }
        await sleep(200)
      }
      // On the shop's segment-watch minute its check reads the segment counts instead of the
      // history (src/schedule/poll-slice.ts): the change is seen by the next tick. The target is
      // judged from the tick that read the history; the skipped tick is reported.
      const first = ticks.find((t) => t >= t0) ?? null
      const tick = ticks.find((t) => t >= t0 && !isWatchTick(ctx, t)) ?? null
      const r = {
        label: s.label,
        changed: plan.in.length + plan.out.length,
        watchMinute: first !== null && first !== tick,
        afterFirstTickS: first && seenAt ? (seenAt - first) / 1000 : null,
      }
      if (seenAt === null) out.push({ ...r, error: 'not visible within 5 minutes' })
      else
        out.push({
          ...r,
          totalS: (seenAt - t0) / 1000,
          tickWaitS: tick ? (tick - t0) / 1000 : null,
          afterTickS: tick ? (seenAt - tick) / 1000 : null,
        })
      console.log(`bench: latency ${s.label}: ${JSON.stringify(out.at(-1))}`)
    }
  } finally {
    clearTimeout(timer)
  }
  return out
}
