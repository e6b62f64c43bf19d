/**
 * The `incremental` phase of a run (kind 'incremental', started by the scheduler): re-reads only
 * the customers the history touched since this sync's watermark (pending_changes, 100 ids per
 * CRM call), plans them (incremental.ts), stages the additions as import batches and the removals
 * as one-by-one excludes, and continues at the engine's `check` → `write` phases. When the plan
 * says a full run is needed, the same run turns into a full one (export + read_crm), so the user
 * always sees one run per trigger.
 *
 * The watermark (syncs.history_applied_id) advances in the step's own fenced batch: it moves only
 * if the staged work is committed, so a crash or a duplicate delivery never skips a change.
 */
import { IMPORT_BATCH_MAX } from '../clients/unisender'
import type { StepContext } from '../sync/context'
import { addCounts } from '../sync/diff'
import type { StepResult } from '../sync/result'
import { startExport } from '../sync/step-start'
import { MAX_INCREMENTAL_CUSTOMERS, planIncremental } from './incremental'

/** A statement that runs only while the step holds the run's fence (the test of updateRun). */
function fenced(ctx: StepContext, sql: string, ...args: unknown[]): D1PreparedStatement {
  const f = ctx.fence
  return ctx.deps.d1
    .prepare(
      `${sql} AND EXISTS (SELECT 1 FROM runs WHERE id = ? AND step_seq = ?
        AND COALESCE(json_extract(cursor, '$.v'), 0) = ?)`
    )
    .bind(...args, f.runId, f.seq, f.v)
}

/** Turns this run into a full one covering every change recorded up to `cursor`. */
async function becomeFull(ctx: StepContext, cursor: number | null, why: string) {
  const listId = ctx.cursor.listId!
  await startExport(ctx, listId)
  ctx.extra.push(fenced(ctx, `UPDATE runs SET kind = 'full' WHERE id = ?`, ctx.run.id))
  if (cursor !== null)
    ctx.extra.push(
      fenced(
        ctx,
        'UPDATE syncs SET history_applied_id = max(coalesce(history_applied_id, 0), ?) WHERE id = ?',
        cursor,
        ctx.run.syncId
      )
    )
  console.log(`run ${ctx.run.id}: incremental → full (${why})`)
  return { kind: 'next', phase: 'read_crm' } as const
}

/** One step of the `incremental` phase. */
export async function stepIncremental(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx
  const d1 = ctx.deps.d1
  const pos = await d1
    .prepare(
      `SELECT s.history_applied_id AS w, t.history_since_id AS c
         FROM syncs s JOIN tenants t ON t.id = s.tenant_id WHERE s.id = ?`
    )
    .bind(run.syncId)
    .first<{ w: number | null; c: number | null }>()
  if (!pos || pos.w === null || ctx.cursor.listId === null)
    return becomeFull(ctx, pos?.c ?? null, 'no watermark')
  const rows = await d1
    .prepare(
      `SELECT customer_id AS id, history_id AS h FROM pending_changes
        WHERE tenant_id = ? AND history_id > ? ORDER BY customer_id LIMIT ?`
    )
    .bind(run.tenantId, pos.w, MAX_INCREMENTAL_CUSTOMERS + 1)
    .all<{ id: number; h: number }>()
  const pending = rows.results ?? []
  if (pending.length > MAX_INCREMENTAL_CUSTOMERS) return becomeFull(ctx, pos.c, 'too many changes')

  const ids = pending.map((r) => r.id)
  // Share the tenant's 10 requests/s with its other runs (src/sync/context.ts).
  if (ids.length > 0) await ctx.reserveCrmCalls(Math.ceil(ids.length / 100))
  const crm = await ctx.crm()
  const customers = []
  for (let i = 0; i < ids.length; i += 100) {
    const res = await crm.listCustomers({ ids: ids.slice(i, i + 100), limit: 100 })
    customers.push(...res.customers)
  }
  const plan = planIncremental(
    {
      mode: run.mode,
      allCustomers: run.allCustomers === 1,
      segmentCode: run.segmentCode,
      guardMinCount: run.guardMinCount,
    },
    ids,
    customers
  )
  if (plan.full) return becomeFull(ctx, pos.c, plan.full)

  const c = ctx.cursor
  ctx.counts = addCounts(ctx.counts, plan.counts)
  for (let i = 0; i < plan.adds.length; i += IMPORT_BATCH_MAX)
    ctx.stage('A', 0, plan.adds.slice(i, i + IMPORT_BATCH_MAX), c.batchesA++)
  c.pendExclude.push(...plan.excludes)
  const upTo = pending.reduce((m, r) => Math.max(m, r.h), pos.w)
  ctx.extra.push(
    fenced(
      ctx,
      'UPDATE syncs SET history_applied_id = max(coalesce(history_applied_id, 0), ?) WHERE id = ?',
      upTo,
      run.syncId
    )
  )
  ctx.progressDone++
  ctx.progressTotal = ctx.progressDone + c.batchesA + 2
  return { kind: 'next', phase: 'check' }
}
