/**
 * The `incremental` phase of a run (kind 'incremental', started by the scheduler): re-reads only
 * the customers the history touched since this sync's watermark (pending_changes, 100 ids per CRM
 * call, up to pagesPerStep calls per step, staged as side 'P'), then plans them — union and
 * subtraction in incremental.ts, exact match against the holder index in incremental-exact.ts —
 * stages the writes and continues at the engine's `check` → `write` phases. When the plan says a
 * full run is needed, the same run turns into a full one (export + read_crm), so the user always
 * sees one run per trigger.
 *
 * The range of changes is fixed at the first step: history ids in (watermark, tenant cursor then].
 * The watermark (syncs.history_applied_id) moves to that cursor in the planning step's own fenced
 * batch, so a crash or a duplicate delivery never skips a change, and a change recorded meanwhile
 * (a higher id) is left for the next run.
 */
import { IMPORT_BATCH_MAX } from '../clients/unisender'
import { log } from '../lib/log'
import type { StepContext } from './context'
import { addCounts } from './diff'
import { whileFenced } from './fenced-writes'
import { collectHolders, encodeHolders, type HolderFacts, holderKey, keyPartition } from './holders'
import { MAX_INCREMENTAL_CUSTOMERS, planTouched, touchedCustomer } from './incremental'
import { planExactIncremental, type TouchedCustomer } from './incremental-exact'
import { PARTITIONS, unpack } from './partition'
import type { StepResult } from './result'
import { SIDES } from './state'
import { stageBatches } from './step-diff'
import { startExport } from './step-start'

/** Staging side of the re-read customers (`id<TAB>kind<TAB>member<TAB>email`). */
const TOUCHED = 'P'

/** A statement that runs only while the step holds the run's fence. */
function fenced(ctx: StepContext, sql: string, ...args: unknown[]): D1PreparedStatement {
  return whileFenced(ctx.deps.d1, ctx.fence, sql, ...args)
}

/** Moves the sync's watermark to `to` (never backwards), in the step's fenced batch. */
function advanceWatermark(ctx: StepContext, to: number): void {
  ctx.extra.push(
    fenced(
      ctx,
      'UPDATE syncs SET history_applied_id = max(coalesce(history_applied_id, 0), ?) WHERE id = ?',
      to,
      ctx.run.syncId
    )
  )
}

/** Turns this run into a full one covering every change recorded up to `cursor`. */
async function becomeFull(ctx: StepContext, cursor: number | null, why: string) {
  const listId = ctx.cursor.listId!
  await startExport(ctx, listId)
  ctx.extra.push(fenced(ctx, `UPDATE runs SET kind = 'full' WHERE id = ?`, ctx.run.id))
  // The full run builds a new holder index; the old one does not cover the new watermark.
  ctx.extra.push(fenced(ctx, 'UPDATE syncs SET holder_run_id = NULL WHERE id = ?', ctx.run.syncId))
  if (cursor !== null) advanceWatermark(ctx, cursor)
  log.info('run_incremental_to_full', {
    tenant: ctx.run.tenantId,
    sync: ctx.run.syncId,
    run: ctx.run.id,
    phase: 'incremental',
    detail: why,
  })
  return { kind: 'next', phase: 'read_crm' } as const
}

/** First step: fixes the range of changes, or goes full. */
async function begin(ctx: StepContext): Promise<StepResult | null> {
  const d1 = ctx.deps.d1
  const pos = await d1
    .prepare(
      `SELECT s.history_applied_id AS w, s.holder_run_id AS hr, s.next_run_kind AS k,
              t.history_since_id AS c
         FROM syncs s JOIN tenants t ON t.id = s.tenant_id WHERE s.id = ?`
    )
    .bind(ctx.run.syncId)
    .first<{ w: number | null; hr: number | null; k: string | null; c: number | null }>()
  if (!pos || pos.w === null || pos.c === null || ctx.cursor.listId === null)
    return becomeFull(ctx, pos?.c ?? null, 'no watermark')
  const n = await d1
    .prepare(
      `SELECT count(*) AS n FROM pending_changes
        WHERE tenant_id = ? AND history_id > ? AND history_id <= ?`
    )
    .bind(ctx.run.tenantId, pos.w, pos.c)
    .first<{ n: number }>()
  if ((n?.n ?? 0) > MAX_INCREMENTAL_CUSTOMERS) return becomeFull(ctx, pos.c, 'too many changes')
  const c = ctx.cursor
  c.incFrom = pos.w
  c.incUpTo = pos.c
  c.incHolderRun = pos.hr
  // A full run is already asked for (a change this run cannot apply, recorded with its mark):
  // apply the additions now, leave every removal to that run.
  c.incNoRemovals = pos.k === 'full' || pos.k === 'reconcile'
  ctx.progressTotal = ctx.progressDone + Math.ceil((n?.n ?? 0) / 100) + 3
  return null
}

/** Re-reads the next pending customers (by id) and stages them; true when all are read. */
async function readTouched(ctx: StepContext): Promise<boolean> {
  const c = ctx.cursor
  const per = ctx.deps.pagesPerStep * 100
  const rows = await ctx.deps.d1
    .prepare(
      `SELECT customer_id AS id FROM pending_changes
        WHERE tenant_id = ? AND history_id > ? AND history_id <= ? AND customer_id > ?
        ORDER BY customer_id LIMIT ?`
    )
    .bind(ctx.run.tenantId, c.incFrom, c.incUpTo, c.incAfter, per)
    .all<{ id: number }>()
  const ids = (rows.results ?? []).map((r) => r.id)
  if (ids.length > 0) await ctx.reserveCrmCalls(Math.ceil(ids.length / 100))
  const crm = await ctx.crm()
  const lines: string[] = []
  const target = { allCustomers: ctx.run.allCustomers === 1, segmentCode: ctx.run.segmentCode }
  let read = 0
  while (read < ids.length) {
    const chunk = ids.slice(read, read + 100)
    const res = await crm.listCustomers({ ids: chunk, limit: 100 })
    const byId = new Map(res.customers.map((x) => [x.id, x]))
    for (const id of chunk) {
      const t = touchedCustomer(target, id, byId.get(id))
      lines.push(`${t.id}\t${t.kind}\t${t.member ? 1 : 0}\t${t.email}`)
    }
    read += chunk.length
    if (ctx.pastTimeBudget()) break // a slow CRM: commit what was read, go on next step
  }
  ctx.stage(TOUCHED, 0, lines)
  ctx.progressDone += Math.ceil(read / 100)
  if (read > 0) c.incAfter = ids[read - 1]!
  return read === ids.length && ids.length < per
}

/** Loads the staged re-read customers of this run. */
async function loadTouched(ctx: StepContext): Promise<TouchedCustomer[]> {
  const res = await ctx.deps.d1
    .prepare('SELECT data FROM run_chunks WHERE run_id = ? AND side = ? ORDER BY seq')
    .bind(ctx.run.id, TOUCHED)
    .all<{ data: string }>()
  const out: TouchedCustomer[] = []
  for (const r of res.results ?? []) {
    for (const line of unpack(r.data)) {
      const [id, kind, member, email] = line.split('\t')
      out.push({
        id: Number(id),
        kind: kind as TouchedCustomer['kind'],
        member: member === '1',
        email: email ?? '',
      })
    }
  }
  return out
}

/** What the holder index says about the touched customers and their addresses. */
async function loadHolderFacts(
  ctx: StepContext,
  holderRun: number,
  touched: readonly TouchedCustomer[]
): Promise<HolderFacts> {
  const facts: HolderFacts = { byHash: new Map(), heldBy: new Map() }
  const hashes = new Set(touched.filter((t) => t.email !== '').map((t) => holderKey(t.email)))
  const ids = new Set(touched.map((t) => t.id))
  // One partition at a time: a customer's old address may be in any partition.
  for (let p = 0; p < PARTITIONS; p++) {
    const res = await ctx.deps.d1
      .prepare('SELECT data FROM run_chunks WHERE run_id = ? AND side = ? AND bucket = ?')
      .bind(holderRun, SIDES.holders, p)
      .all<{ data: string }>()
    for (const r of res.results ?? []) collectHolders(facts, r.data, hashes, ids)
  }
  return facts
}

/** The list size after the holder run (its list before + added − removed), for the guard. */
async function listSizeOf(ctx: StepContext, holderRun: number): Promise<number> {
  const row = await ctx.deps.d1
    .prepare('SELECT counts FROM runs WHERE id = ?')
    .bind(holderRun)
    .first<{ counts: string }>()
  const k = JSON.parse(row?.counts || '{}') as Record<string, number>
  return (k.listBefore ?? 0) + (k.added ?? 0) - (k.removed ?? 0)
}

/** Plans and stages the exact-mode writes; a StepResult when the run must go full. */
async function stageExact(
  ctx: StepContext,
  touched: TouchedCustomer[]
): Promise<StepResult | null> {
  const c = ctx.cursor
  const holderRun = c.incHolderRun
  if (holderRun === null) {
    // No complete full run covers the watermark: nothing proves what the list holds, so a
    // possible removal (someone left, opted out or is gone) needs a full run.
    const removal = touched.some(
      (t) => t.kind === 'gone' || (t.kind !== 'invalid' && (!t.member || t.kind === 'opted_out'))
    )
    if (removal && !c.incNoRemovals) return becomeFull(ctx, c.incUpTo, 'no holder index')
  }
  const noIndex: HolderFacts = { byHash: new Map(), heldBy: new Map() }
  const facts = holderRun === null ? noIndex : await loadHolderFacts(ctx, holderRun, touched)
  const plan = planExactIncremental(touched, facts, {
    listSize: holderRun === null ? 0 : await listSizeOf(ctx, holderRun),
    percent: ctx.run.guardPercent,
    minCount: ctx.run.guardMinCount,
  })
  if (plan.full) return becomeFull(ctx, c.incUpTo, plan.full)
  // The plan applied the removal guard against the list size after the holder run (a trip turned
  // the run full, where the guard is checked on the list read); `check` must not re-apply it to
  // this run's list count, which an incremental run does not read.
  c.confirmed = true
  const removes = c.incNoRemovals ? [] : plan.removes
  ctx.counts = addCounts(ctx.counts, { ...plan.counts, plannedRemove: removes.length })
  for (const e of plan.adds) c.pend.push(`+${e}`)
  for (const e of removes) c.pend.push(`-${e}`)
  stageBatches(ctx, true)
  if (holderRun !== null && plan.append.length > 0) {
    const byPart = new Map<number, typeof plan.append>()
    for (const e of plan.append) {
      const p = keyPartition(e.hash)
      const list = byPart.get(p) ?? []
      list.push(e)
      byPart.set(p, list)
    }
    for (const [p, entries] of byPart)
      ctx.extra.push(
        fenced(
          ctx,
          `INSERT OR REPLACE INTO run_chunks (run_id, side, bucket, seq, item_count, data)
           SELECT ?, ?, ?, ?, ?, ? WHERE 1`,
          holderRun,
          SIDES.holders,
          p,
          -ctx.run.id,
          entries.length,
          encodeHolders(entries).join('\n')
        )
      )
  }
  return null
}

/** One step of the `incremental` phase. */
export async function stepIncremental(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  if (c.incUpTo === null) {
    const early = await begin(ctx)
    if (early) return early
  }
  if (!c.incRead) {
    c.incRead = await readTouched(ctx)
    return { kind: 'next' }
  }
  const touched = await loadTouched(ctx)
  if (ctx.run.mode === 'exact') {
    const early = await stageExact(ctx, touched)
    if (early) return early
  } else {
    const plan = planTouched(
      {
        mode: ctx.run.mode,
        allCustomers: ctx.run.allCustomers === 1,
        segmentCode: ctx.run.segmentCode,
        guardMinCount: ctx.run.guardMinCount,
      },
      touched
    )
    if (plan.full) return becomeFull(ctx, c.incUpTo, plan.full)
    ctx.counts = addCounts(ctx.counts, plan.counts)
    for (let i = 0; i < plan.adds.length; i += IMPORT_BATCH_MAX)
      ctx.stage(SIDES.add, 0, plan.adds.slice(i, i + IMPORT_BATCH_MAX), c.batchesA++)
    c.pendExclude.push(...plan.excludes)
  }
  advanceWatermark(ctx, c.incUpTo!)
  ctx.progressDone++
  ctx.progressTotal = ctx.progressDone + c.batchesA + c.batchesW + 2
  return { kind: 'next', phase: 'check' }
}
