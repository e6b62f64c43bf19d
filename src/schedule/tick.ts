/**
 * One scheduler tick (cron, every minute): send the due tenants' ids to the queue in slices (their
 * history is checked there, poll-slice.ts), mark due reconciles, send the tenants with due marks to
 * the queue (their runs start there, dispatch-slice.ts), re-send the step of any run that stalled,
 * and delete what is kept no longer (retention.ts). The tick polls no shop and starts no run itself,
 * so its work hardly grows with the number of shops (one id read, one sendBatch per 100 slices: at
 * 10,000 shops about 5 sends; one due-tenant read and at most one sendBatch for the runs) and one
 * slow shop cannot hold it up. Runs are chains of queue steps, so a 1,000,000-customer run of one
 * shop never blocks another shop's small run.
 */
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import type { ScheduleDeps } from './deps'
import { markReconciles } from './dispatch'
import { sendDueTenants } from './dispatch-slice'
import type { PollTenants } from './poll-slice'
import { forgetIdleCursors, pollDueTenantIds } from './queries'
import { type RetentionReport, runRetention } from './retention'
import { reviveStalledRuns } from './watchdog'

export interface TickReport {
  /** Tenants whose history check was sent to the queue (poll-tenants slices), by id. */
  sent: number[]
  /** poll-tenants messages sent. */
  slices: number
  reconcilesMarked: number
  /**
   * Tenants with due marks sent to the queue (dispatch-tenants messages), by id, oldest due first:
   * their runs start in those messages' consumer, not in the tick.
   */
  dispatchSent: number[]
  /** dispatch-tenants messages sent. */
  dispatchMessages: number
  /** Stalled runs whose current step was re-sent (watchdog.ts). */
  revived: number[]
  /** What retention deleted (retention.ts); null when it failed (logged, retried next tick). */
  retention: RetentionReport | null
}

/** Queue sendBatch takes at most 100 messages (docs/cloudflare.md §3). */
const SEND_BATCH_MAX = 100

/** Runs one tick at deps.now() on the database of `shard` (0 = DB). Never throws for one tenant. */
export async function runTick(deps: ScheduleDeps, shard = 0): Promise<TickReport> {
  const report: TickReport = {
    sent: [],
    slices: 0,
    reconcilesMarked: 0,
    dispatchSent: [],
    dispatchMessages: 0,
    revived: [],
    retention: null,
  }
  const start = deps.now()
  await forgetIdleCursors(deps.db)
  const minute = Math.floor(start / 60_000)
  const due = await pollDueTenantIds(deps.db, start, minute, deps.limits.idlePollEveryMinutes)
  report.slices = await sendSlices(deps, due, start, shard)
  report.sent = due

  report.reconcilesMarked = await markReconciles(deps)
  const dispatch = await sendDueTenants(deps, shard)
  report.dispatchSent = dispatch.tenants
  report.dispatchMessages = dispatch.messages
  report.revived = await reviveStalledRuns(deps)
  report.retention = await runRetention(deps).catch((err: unknown) => {
    log.error('retention_failed', { phase: 'retention', error: errorText(err) })
    return null
  })
  return report
}

/**
 * Sends `ids` as poll-tenants messages of pollSliceSize ids, 100 messages per sendBatch; returns
 * the number of messages. A failed send is logged and the rest still go: those tenants are simply
 * checked a minute later.
 */
export async function sendSlices(
  deps: ScheduleDeps,
  ids: readonly number[],
  at: number,
  shard = 0
): Promise<number> {
  const size = Math.min(100, Math.max(1, deps.limits.pollSliceSize))
  const bodies: PollTenants[] = []
  for (let i = 0; i < ids.length; i += size)
    bodies.push({ type: 'poll-tenants', tenantIds: ids.slice(i, i + size), at, shard })
  let sent = 0
  for (let i = 0; i < bodies.length; i += SEND_BATCH_MAX) {
    const chunk = bodies.slice(i, i + SEND_BATCH_MAX)
    try {
      await deps.queue.sendBatch(chunk.map((body) => ({ body })))
      sent += chunk.length
    } catch (err) {
      log.error('poll_send_failed', { phase: 'schedule', error: errorText(err) })
    }
  }
  return sent
}
