/**
 * The scheduler's knobs in one place, so tests and the benchmark can see (and override) what the
 * cron does per tick. Chosen so that one tick stays below the cron limits (15 min wall, 1,000 D1
 * queries and 10,000 subrequests per invocation) whatever the number of tenants: about 4 D1
 * queries per inline tenant (50 → 200), about 5 per started run (100 → 500), and 2 statements per
 * 90 tenants handed to the queue.
 */
export interface ScheduleLimits {
  /** Full-run backstop per dynamic / all-customers sync. */
  reconcileIntervalMs: number
  /** Reconciles of different syncs are spread over this window (deterministic per sync id). */
  reconcileJitterMs: number
  /** After a failed full run, the next reconcile is tried this much later (not every minute). */
  failedRetryMs: number
  /** History pages one cron tick reads per tenant before handing the rest to the queue. */
  cronHistoryPages: number
  /**
   * History pages one queued poll reads before re-enqueueing itself. Each recorded page costs about
   * six D1 statements (measured: 124 statements and 145 subrequests for 20 pages), so 8 pages keep
   * a message under 100 subrequests even counting every statement of a batch.
   */
  queueHistoryPages: number
  /** Tenants polled inline by one tick; the rest are handed to the queue (one message each). */
  maxInlineTenants: number
  /** Tenants polled at once by one tick (the Workers runtime allows 6 open connections). */
  pollConcurrency: number
  /** Wall-clock budget of the inline polls of one tick; later tenants go to the queue. */
  inlinePollBudgetMs: number
  /** Runs one tick may start per tenant: one big shop cannot crowd out the others. */
  maxStartsPerTenant: number
  /** Runs one tick may start in total (the rest stay due for the next tick). */
  maxStartsPerTick: number
  /** How long a queued history poll owns a tenant's cursor before cron may poll it again. */
  pollLeaseMs: number
  /** Tenants without following syncs keep a fresh cursor by a poll every this many minutes. */
  idlePollEveryMinutes: number
  /** Whether change runs may be incremental (else every change triggers a full run). */
  incrementalEnabled: boolean
}

const HOUR = 3_600_000

export const DEFAULT_LIMITS: ScheduleLimits = {
  reconcileIntervalMs: 24 * HOUR,
  reconcileJitterMs: 2 * HOUR,
  failedRetryMs: 6 * HOUR,
  cronHistoryPages: 3,
  queueHistoryPages: 8,
  maxInlineTenants: 50,
  pollConcurrency: 4,
  inlinePollBudgetMs: 20_000,
  maxStartsPerTenant: 3,
  maxStartsPerTick: 100,
  pollLeaseMs: 5 * 60_000,
  idlePollEveryMinutes: 10,
  incrementalEnabled: true,
}

/** History page size (docs/retailcrm.md §3: use 100). */
export const HISTORY_PAGE_LIMIT = 100
