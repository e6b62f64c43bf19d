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

/** What a run is doing, in the words the progress line uses (issue #13, point 9). */
export type RunStage =
  | 'waiting'
  | 'read_crm'
  /** A member of a shared read waits for the run reading the shop's customers for it. */
  | 'shared_wait'
  | 'incremental'
  | 'export_wait'
  | 'read_list'
  | 'diff'
  | 'check'
  | 'write'
  | 'finishing'

export interface RunProgress {
  stage: RunStage
  /** Units of the stage (customers read, parts compared, contacts written), when it has them. */
  done: number
  total: number | null
  /** Bytes of the list export read so far (read_list). */
  bytes: number
  /** The whole run's share done, 0..1: each stage owns a slice, so it only grows. */
  fraction: number
  /** Since the run started, and a rough estimate of what is left (null until it means something). */
  elapsedMs: number | null
  remainingMs: number | null
}

/** The list diff walks this many partitions (src/sync/partition.ts PARTITIONS). */
const DIFF_PARTS = 16

/** Each stage's slice of the bar: [start, end). Phases run in this order, so the bar never goes back. */
const SLICES: Record<RunStage, [number, number]> = {
  waiting: [0, 0],
  read_crm: [0, 0.45],
  shared_wait: [0, 0.45],
  incremental: [0, 0.95],
  export_wait: [0.45, 0.5],
  read_list: [0.5, 0.6],
  diff: [0.6, 0.7],
  check: [0.7, 0.7],
  write: [0.7, 1],
  finishing: [1, 1],
}

function cursorFields(json: string): {
  crmTotal: number | null
  fileOffset: number
  partition: number
  /** The run reads the whole base for a shared read (docs/shared-read.md): crmTotal is the shop's. */
  baseRead: boolean
} {
  try {
    const c = JSON.parse(json || '{}') as Record<string, unknown>
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)
    const lead = c.lead as { base?: unknown } | null | undefined
    return {
      crmTotal: num(c.crmTotal),
      fileOffset: num(c.fileOffset) ?? 0,
      partition: num(c.partition) ?? 0,
      baseRead: lead?.base === true,
    }
  } catch {
    return { crmTotal: null, fileOffset: 0, partition: 0, baseRead: false }
  }
}

/** Counts the progress line needs (a subset of src/sync's RunCounts). */
export interface ProgressCounts {
  readFromCrm: number
  added: number
  removed: number
  plannedAdd: number
  plannedRemove: number
}

/**
 * The progress of an active run from what its row holds: the phase, the cursor (CRM total, export
 * bytes, diff partition) and the counts. `counts` is the parsed runs.counts.
 */
export function runProgress(
  run: Pick<
    Run,
    'status' | 'phase' | 'cursor' | 'progressDone' | 'progressTotal' | 'startedAt' | 'finishedAt'
  >,
  counts: ProgressCounts,
  now: number
): RunProgress {
  const cur = cursorFields(run.cursor)
  let stage: RunStage
  let done = 0
  let total: number | null = null
  let within = 0
  switch (run.status === 'queued' ? 'planned' : run.phase) {
    case 'planned':
      stage = run.status === 'queued' || run.startedAt == null ? 'waiting' : 'read_crm'
      break
    case 'read_crm':
      stage = 'read_crm'
      done = counts.readFromCrm
      if (cur.baseRead) {
        // Its own customers are a part of the shop's being read: no "n of total", pages move the bar.
        const p = progressOf(run)
        within = p.total ? p.done / p.total : 0
        break
      }
      total = cur.crmTotal
      within = total ? done / total : 0
      break
    case 'shared_wait':
      stage = 'shared_wait'
      break
    case 'incremental': {
      stage = 'incremental'
      done = counts.readFromCrm
      const p = progressOf(run)
      within = p.total ? p.done / p.total : 0
      break
    }
    case 'export_wait':
      stage = 'export_wait'
      break
    case 'read_list':
      stage = 'read_list'
      // The export's size is unknown: creep towards the slice's end as megabytes arrive.
      within = cur.fileOffset / (cur.fileOffset + 4_000_000)
      break
    case 'diff':
      stage = 'diff'
      done = Math.min(cur.partition, DIFF_PARTS)
      total = DIFF_PARTS
      within = done / total
      break
    case 'check':
      stage = 'check'
      break
    case 'write':
      stage = 'write'
      total = counts.plannedAdd + counts.plannedRemove
      done = Math.min(total, counts.added + counts.removed)
      within = total ? done / total : 0
      break
    default:
      stage = 'finishing'
  }
  const [a, b] = SLICES[stage]
  const fraction = Math.min(1, Math.max(0, a + (b - a) * Math.min(1, within)))
  const elapsedMs =
    run.startedAt == null ? null : Math.max(0, (run.finishedAt ?? now) - run.startedAt)
  // Only once enough is done for the pace to mean something.
  const remainingMs =
    elapsedMs !== null && fraction >= 0.1 && fraction < 1 && elapsedMs >= 10_000
      ? (elapsedMs * (1 - fraction)) / fraction
      : null
  return { stage, done, total, bytes: cur.fileOffset, fraction, elapsedMs, remainingMs }
}
