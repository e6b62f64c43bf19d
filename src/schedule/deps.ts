import { createIntervalLimiter } from '../clients/http'
import type { RetailCrmClient } from '../clients/retailcrm'
import { clientSettings, tenantCrmClient } from '../credentials/clients'
import { CRM_INTERVAL_MS, reserveCrmWindow, windowLimiter } from '../credentials/crm-pacing'
import { createDb, type Db } from '../db/client'
import { markTenantBroken } from '../db/queries/tenants'
import type { Tenant } from '../db/schema'
import { shardD1 } from '../db/tenant-db'
import type { Env } from '../env'
import {
  type RunStep,
  type StartRunDeps,
  type StartRunRequest,
  type StartRunResult,
  startRun,
} from '../sync'
import { DEFAULT_LIMITS, type ScheduleLimits } from './config'
import type { DispatchTenants } from './dispatch-slice'
import type { PollHistory } from './poll-message'
import type { PollTenants } from './poll-slice'

/** The CRM calls the scheduler makes. */
export type CrmPort = Pick<RetailCrmClient, 'customersHistory' | 'listCustomers' | 'listSegments'>

export interface ScheduleDeps {
  db: Db
  /**
   * The sync-jobs queue: the scheduler sends run steps (watchdog), slices, history polls and the
   * tenants whose due runs to start.
   */
  queue: Queue<RunStep | PollHistory | PollTenants | DispatchTenants>
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

/**
 * Production wiring: the D1 database of `shard` (src/db/tenant-db.ts; 0 = DB, the only one today),
 * the sync queue, the wall clock, decrypting CRM clients.
 */
export function scheduleDepsFromEnv(
  env: Env,
  overrides: Partial<ScheduleDeps> = {},
  shard = 0
): ScheduleDeps {
  const d1 = shardD1(env, shard)
  const db = overrides.db ?? createDb(d1)
  const now = overrides.now ?? (() => Date.now())
  return {
    db,
    queue: env.SYNC_QUEUE,
    now,
    // One tenant's calls share a 10 requests/s window with its runs (src/credentials/crm-pacing.ts).
    crm: async (tenant, reserveCalls = 0) => {
      const startAt =
        reserveCalls > 0
          ? ((await reserveCrmWindow(d1, tenant.id, reserveCalls, now())) ?? now())
          : 0
      return tenantCrmClient(clientSettings(env), tenant, {
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

/** Enqueues a history poll on the sync queue (the consumer dispatches on `type`). */
export async function enqueuePoll(deps: Pick<ScheduleDeps, 'queue'>, tenantId: number) {
  await deps.queue.send({ type: 'poll-history', tenantId })
}
