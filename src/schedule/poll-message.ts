/**
 * Queue consumer of `poll-history` messages: a slice check found history after a tenant's cursor
 * (poll-slice.ts), or a backlog goes on. Pages it a bounded number of pages per message (each page
 * recorded atomically, see poll.ts), re-enqueues itself while history remains, and holds the
 * tenant's poll lease meanwhile so cron leaves that cursor alone (and its due runs: they start
 * here, once the whole backlog is recorded).
 */
import { z } from 'zod'
import { ApiError, isRetryable } from '../clients/errors'
import { getTenant, isTenantLive } from '../db/queries/tenants'
import { shardCount, shardOf } from '../db/tenant-db'
import type { Env } from '../env'
import { backoffSeconds } from '../lib/backoff'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { enqueuePoll, type ScheduleDeps, scheduleDepsFromEnv } from './deps'
import { type DispatchResult, dispatchDue } from './dispatch'
import { setPollLease } from './marks'
import { pollTenantHistory } from './poll'
import { handleCrmAuth, isWatchMinute } from './poll-slice'
import { watchSegments } from './segments'

/** Pages a tenant's customer history backlog: too long for the cron tick. */
export const PollHistorySchema = z.object({
  type: z.literal('poll-history'),
  tenantId: z.number().int().positive(),
})
export type PollHistory = z.infer<typeof PollHistorySchema>

/** `dispatch`: the runs this poll started, once the whole backlog was recorded. */
export type PollVerdict =
  | { kind: 'ack'; dispatch?: DispatchResult }
  | { kind: 'retry'; delaySeconds: number }

/** Handles one poll message with injected dependencies (tests call this directly). */
export async function pollHistoryStep(
  deps: ScheduleDeps,
  body: PollHistory,
  attempts: number
): Promise<PollVerdict> {
  const tenant = await getTenant(deps.db, body.tenantId)
  if (!tenant || !isTenantLive(tenant)) {
    if (tenant) await setPollLease(deps.db, tenant.id, null)
    return { kind: 'ack' }
  }
  try {
    const crm = await deps.crm(tenant, deps.limits.queueHistoryPages * 2)
    const res = await pollTenantHistory(deps, tenant, crm, deps.limits.queueHistoryPages)
    // Segment counts are read with this poll's membership changes as evidence (a move they explain
    // needs no full run), and on the tenant's watch minute even without: a shop with history every
    // minute would otherwise never have them read (poll-slice.ts reads them for idle shops).
    const minute = Math.floor(deps.now() / 60_000)
    if (
      res.membershipCodes.size > 0 ||
      isWatchMinute(tenant.id, minute, deps.limits.segmentWatchEveryMinutes)
    )
      await watchSegments(deps, tenant.id, crm, res.membershipCodes)
    if (res.status === 'more') {
      await setPollLease(deps.db, tenant.id, deps.now() + deps.limits.pollLeaseMs)
      await enqueuePoll(deps, tenant.id)
      return { kind: 'ack' }
    }
    await setPollLease(deps.db, tenant.id, null)
    // The backlog is recorded: start this tenant's runs now rather than at the next tick.
    return { kind: 'ack', dispatch: await dispatchDue(deps, tenant.id) }
  } catch (err) {
    if (await handleCrmAuth(deps, tenant.id, err)) {
      await setPollLease(deps.db, tenant.id, null)
      return { kind: 'ack' }
    }
    if (isRetryable(err) || !(err instanceof ApiError))
      return { kind: 'retry', delaySeconds: backoffSeconds(attempts, 300) }
    // A fatal CRM answer: give up this message; the lease expires and cron tries again later.
    log.error('poll_failed', { tenant: tenant.id, phase: 'poll-message', error: err.message })
    await setPollLease(deps.db, tenant.id, null)
    return { kind: 'ack' }
  }
}

/** Entry from src/handlers/queue.ts. A dead-lettered poll is simply dropped (cron resumes it). */
export async function handlePollMessage(
  msg: Message<unknown>,
  body: PollHistory,
  env: Env,
  deadLetter: boolean
): Promise<void> {
  if (deadLetter) {
    msg.ack()
    return
  }
  // The tenant's own database (src/db/tenant-db.ts): DB until shops are spread over shards.
  const deps = scheduleDepsFromEnv(env, {}, shardOf(body.tenantId, shardCount(env)))
  const verdict = await pollHistoryStep(deps, body, msg.attempts).catch((err: unknown) => {
    log.error('poll_failed', {
      tenant: body.tenantId,
      phase: 'poll-message',
      error: errorText(err),
    })
    return { kind: 'retry', delaySeconds: 30 } as const
  })
  if (verdict.kind === 'retry') msg.retry({ delaySeconds: verdict.delaySeconds })
  else msg.ack()
}
