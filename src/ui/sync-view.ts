/**
 * Pure view logic of syncs and runs: the one state a sync shows, the progress of a run, durations.
 * Kept apart from the components so it is tested with plain tables.
 */
import type { Run, Sync } from '../db/schema'

export type SyncViewState =
  | 'draft'
  | 'queued'
  | 'running'
  | 'needs_confirmation'
  | 'paused'
  | 'failed'
  | 'ok'
  | 'cancelled'
  | 'never'

/** The state shown for a sync: an active run wins, then pause, then the last run's outcome. */
export function syncViewState(
  sync: Pick<Sync, 'state' | 'pausedReason'>,
  lastRun: Pick<Run, 'status'> | null
): SyncViewState {
  if (
    sync.pausedReason === 'draft' &&
    lastRun?.status !== 'running' &&
    lastRun?.status !== 'queued'
  )
    return 'draft'
  if (lastRun && (lastRun.status === 'queued' || lastRun.status === 'running'))
    return lastRun.status
  if (lastRun?.status === 'needs_confirmation') return 'needs_confirmation'
  if (sync.state === 'paused') return 'paused'
  if (!lastRun) return 'never'
  if (lastRun.status === 'failed') return 'failed'
  if (lastRun.status === 'cancelled') return 'cancelled'
  return 'ok'
}

/** Whether a run is still moving (the UI keeps polling it). */
export function isRunActive(run: Pick<Run, 'status'> | null): boolean {
  return run?.status === 'queued' || run?.status === 'running'
}

/** Progress as done/total, with total 0 while unknown. */
export function progressOf(run: Pick<Run, 'progressDone' | 'progressTotal'>) {
  const total = Math.max(0, run.progressTotal)
  return { done: Math.min(Math.max(0, run.progressDone), total || run.progressDone), total }
}

/** Duration split for display, or null when the run has not started. */
export function durationParts(
  run: Pick<Run, 'startedAt' | 'finishedAt' | 'createdAt'>,
  now: number
): { h: number; m: number; s: number } | null {
  const start = run.startedAt ?? null
  if (start === null) return null
  const ms = Math.max(0, (run.finishedAt ?? now) - start)
  const total = Math.round(ms / 1000)
  return { h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 }
}
