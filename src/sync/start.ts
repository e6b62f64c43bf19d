/**
 * Starting runs: the one entry point the UI, the scheduler and the activity callback use to ask for
 * a run of a sync. A sync has at most one active run (queued, running or waiting for confirmation):
 * the run row is inserted by a single INSERT … SELECT … WHERE NOT EXISTS, which SQLite executes
 * atomically, so two simultaneous starts cannot both create a run.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { runs, syncs } from '../db/schema'
import type { RunStep } from './run-step-message'

export type RunTrigger = 'create' | 'edit' | 'manual' | 'schedule' | 'change' | 'reconcile'

export interface StartRunDeps {
  db: Db
  queue: Queue<RunStep>
  now: () => number
}

export interface StartRunRequest {
  tenantId: number
  syncId: number
  trigger: RunTrigger
  dryRun?: boolean
  kind?: 'full' | 'incremental'
  /**
   * The run's first cursor, for a full run of a shared read (docs/shared-read.md): `lead` for its
   * leader, `readId` (the leader's run id) for a member. Default: a fresh cursor.
   */
  cursor?: { lead?: { base: boolean | null }; readId?: number }
}

export type StartRunResult =
  | { started: true; runId: number }
  /** A run of this sync is already queued, running or waiting for confirmation. */
  | { started: false; activeRunId: number }

/** Statuses that make a run "active": a new run of the same sync is refused while one exists. */
export const ACTIVE_STATUSES = ['queued', 'running', 'needs_confirmation'] as const

/** Creates a run row and enqueues its first step, unless the sync already has an active run. */
export async function startRun(deps: StartRunDeps, req: StartRunRequest): Promise<StartRunResult> {
  const [sync] = await deps.db
    .select({ id: syncs.id })
    .from(syncs)
    .where(and(eq(syncs.id, req.syncId), eq(syncs.tenantId, req.tenantId)))
  if (!sync) throw new Error(`startRun: sync ${req.syncId} not found for tenant ${req.tenantId}`)

  const kind = req.kind ?? 'full'
  const inserted = await deps.db.get<{ id: number } | undefined>(sql`
    INSERT INTO runs (tenant_id, sync_id, trigger, dry_run, kind, status, phase, cursor, step_seq, created_at)
    SELECT ${req.tenantId}, ${req.syncId}, ${req.trigger}, ${req.dryRun ? 1 : 0}, ${kind}, 'queued', 'planned', ${JSON.stringify(req.cursor ?? {})}, 0, ${deps.now()}
    WHERE NOT EXISTS (SELECT 1 FROM runs WHERE sync_id = ${req.syncId} AND status IN ('queued','running','needs_confirmation'))
    RETURNING id`)
  if (!inserted) {
    const [active] = await deps.db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.syncId, req.syncId), inArray(runs.status, [...ACTIVE_STATUSES])))
      .orderBy(desc(runs.id))
      .limit(1)
    // The active run may have finished between the two statements: then simply try again once.
    if (!active) return startRun(deps, req)
    return { started: false, activeRunId: active.id }
  }
  // A full run reads the CRM after this point: the history the scheduler has recorded is covered.
  if (kind === 'full' && !req.dryRun) await coverRecordedChanges(deps.db, req.syncId)
  try {
    await deps.queue.send({ type: 'run-step', runId: inserted.id, seq: 0 })
  } catch (err) {
    // Without its first message the run would block the sync forever: mark it failed instead.
    await deps.db
      .update(runs)
      .set({
        status: 'failed',
        errorCode: 'queue_unavailable',
        errorMessage: 'The run could not be queued; try again in a minute.',
        finishedAt: deps.now(),
      })
      .where(eq(runs.id, inserted.id))
    throw err
  }
  return { started: true, runId: inserted.id }
}

/**
 * Called when a full run of a sync is created: the run reads the CRM after this moment, so every
 * change the history cursor already covers is in what it reads. The sync's watermark becomes the
 * cursor, and later changes (ids above it) are the input of its incremental runs.
 */
export async function coverRecordedChanges(db: Db, syncId: number): Promise<void> {
  await db
    .update(syncs)
    .set({
      historyAppliedId: sql`(SELECT t.history_since_id FROM tenants t WHERE t.id = syncs.tenant_id)`,
      // The old holder index does not cover the new watermark; this run's index will (holders.ts).
      holderRunId: null,
    })
    .where(eq(syncs.id, syncId))
}
