/**
 * What the scheduler needs from the outside, injected so tests drive it with a controlled clock,
 * the sandbox CRM (or a fake) and a spy of startRun; `scheduleDepsFromEnv` wires production.
 */

import { eq, sql } from 'drizzle-orm'
import { createIntervalLimiter, type Limiter } from '../clients/http'
import type { RetailCrmClient } from '../clients/retailcrm'
import { createDb, type Db } from '../db/client'
import { markTenantBroken } from '../db/queries/tenants'
import { type Tenant, tenants } from '../db/schema'
import type { Env } from '../env'
import type { PollHistoryMessage, SyncMessage } from '../sync/messages'
import {
  type StartRunDeps,
  type StartRunRequest,
  type StartRunResult,
  startRun,
} from '../sync/start'
import { getTenantCrmClient } from '../tenants/crm-client'
import { DEFAULT_LIMITS, type ScheduleLimits } from './config'

/** The CRM calls the scheduler makes. */
export type CrmPort = Pick<RetailCrmClient, 'customersHistory' | 'listCustomers' | 'listSegments'>

export interface ScheduleDeps {
  db: Db
  queue: Queue<SyncMessage>
  now: () => number
  /**
   * The tenant's CRM client. `reserveCalls` (long polls) first reserves that many calls in the
   * tenant's shared 10 requests/s window (tenants.crm_paced_until), which its runs use too.
   */
  crm: (tenant: Tenant, reserveCalls?: number) => Promise<CrmPort>
  startRun: (deps: StartRunDeps, req: StartRunRequest) => Promise<StartRunResult>
  /** Called when the CRM refuses the tenant's key (401/403): the tenant stops being live. */
  markBroken: (tenantId: number, reason: string) => Promise<void>
  limits: ScheduleLimits
}

const CRM_INTERVAL_MS = 100

/**
 * Reserves `calls` RetailCRM calls in the tenant's shared pacing window (the engine's runs reserve
 * theirs the same way, src/sync/context.ts); returns when this caller's window starts.
 */
export async function reserveCrmWindow(
  db: Db,
  tenantId: number,
  calls: number,
  now: number
): Promise<number> {
  const span = calls * CRM_INTERVAL_MS
  const [row] = await db
    .update(tenants)
    .set({ crmPacedUntil: sql`max(coalesce(${tenants.crmPacedUntil}, 0), ${now}) + ${span}` })
    .where(eq(tenants.id, tenantId))
    .returning({ until: tenants.crmPacedUntil })
  return (row?.until ?? now + span) - span
}

/**
 * A limiter that waits once for a reserved window to start (at most a minute), then paces every
 * call with `inner`. Measured at N = 1,000,000: waiting before every call instead turned a 2 s wait
 * into 40 s for a 20-page poll.
 */
export function windowLimiter(
  startAt: number,
  now: () => number,
  inner: Limiter,
  sleep: (ms: number) => Promise<unknown>
): Limiter {
  let waited = false
  return {
    acquire: async () => {
      if (!waited) {
        waited = true
        const wait = startAt - now()
        if (wait > 0) await sleep(Math.min(wait, 60_000))
      }
      await inner.acquire()
    },
  }
}

/** Production wiring: D1, the sync queue, the wall clock, decrypting CRM clients. */
export function scheduleDepsFromEnv(env: Env, overrides: Partial<ScheduleDeps> = {}): ScheduleDeps {
  const db = overrides.db ?? createDb(env.DB)
  const now = overrides.now ?? (() => Date.now())
  return {
    db,
    queue: env.SYNC_QUEUE,
    now,
    // RetailCRM allows 10 requests/s per key (retailcrm.md §4): pace each tenant's client.
    crm: async (tenant, reserveCalls = 0) => {
      const startAt =
        reserveCalls > 0 ? await reserveCrmWindow(db, tenant.id, reserveCalls, now()) : 0
      return getTenantCrmClient(env, tenant, {
        limiter: windowLimiter(
          startAt,
          now,
          createIntervalLimiter(CRM_INTERVAL_MS),
          (ms) => new Promise((r) => setTimeout(r, ms))
        ),
      })
    },
    startRun,
    markBroken: (tenantId, reason) => markTenantBroken(db, tenantId, reason, now()),
    limits: DEFAULT_LIMITS,
    ...overrides,
  }
}

/**
 * Enqueues a history poll on the sync queue. The binding is typed for run steps (the engine's
 * messages); the consumer tells the two apart by `type` (src/handlers/queue.ts).
 */
export async function enqueuePoll(deps: Pick<ScheduleDeps, 'queue'>, tenantId: number) {
  const msg: PollHistoryMessage = { type: 'poll-history', tenantId }
  await (deps.queue as unknown as Queue<PollHistoryMessage>).send(msg)
}
