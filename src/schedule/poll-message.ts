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
import { sendTenantDispatch } from './dispatch-slice'
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

/**
 * Runs a one-page poll starts itself: with its own reads and writes (about 15 subrequests: the
 * history page, the re-read, the page record, the lease, the segment counts) and dispatchDue's
 * 3 + 7 per run (dispatch-slice.ts), 10 keep the message under 100 — and cover the shop with 10
 * syncs on one segment of issue #17 in this very message.
 */
export const INLINE_STARTS = 10

/** Handles one poll message with injected dependencies (tests call this directly). */
export async function pollHistoryStep(
  deps: ScheduleDeps,
  body: PollHistory,
  attempts: number,
  shard = 0
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
    // The backlog is recorded: start this tenant's runs now rather than at the next tick. After a
    // one-page poll (the usual change) up to INLINE_STARTS of them start here; the rest, or all of
    // them after a longer poll, through a dispatch-tenants message of this tenant, so this message
    // stays within its subrequest budget however many syncs the shop has.
    const cap = res.pages <= 1 ? INLINE_STARTS : 0
    const dispatch =
      cap > 0
        ? await dispatchDue(
            { ...deps, limits: { ...deps.limits, maxStartsPerTick: cap } },
            tenant.id
          )
        : undefined
    if (!dispatch || dispatch.started.length >= cap)
      await sendTenantDispatch(deps, tenant.id, shard)
    return { kind: 'ack', dispatch }
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
  const shard = shardOf(body.tenantId, shardCount(env))
  const deps = scheduleDepsFromEnv(env, {}, shard)
  const verdict = await pollHistoryStep(deps, body, msg.attempts, shard).catch((err: unknown) => {
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
