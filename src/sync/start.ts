/**
 * Starting runs: the one entry point the UI, the scheduler and the activity callback use to ask for
 * a run of a sync. (Contract fixed here; the engine implements it.)
 */
import type { Db } from '../db/client'
import type { SyncMessage } from './messages'

export type RunTrigger = 'create' | 'edit' | 'manual' | 'schedule' | 'change' | 'reconcile'

export interface StartRunDeps {
  db: Db
  queue: Queue<SyncMessage>
  now: () => number
}

export interface StartRunRequest {
  tenantId: number
  syncId: number
  trigger: RunTrigger
  dryRun?: boolean
  kind?: 'full' | 'incremental'
}

export type StartRunResult =
  | { started: true; runId: number }
  /** A run of this sync is already queued, running or waiting for confirmation. */
  | { started: false; activeRunId: number }

/** Creates a run row and enqueues its first step, unless the sync already has an active run. */
export async function startRun(
  _deps: StartRunDeps,
  _req: StartRunRequest
): Promise<StartRunResult> {
  throw new Error('startRun: not implemented yet (sync engine)')
}
