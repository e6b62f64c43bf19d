/**
 * The scheduler's knobs in one place, so tests and the benchmark can see (and override) what the
 * cron does per tick. The tick itself polls no tenant: it sends the due tenants' ids to the queue in
 * slices (one sendBatch per 100 slices), so its work hardly grows with the number of shops; each
 * slice consumer checks its tenants' history within the project's 100-subrequest budget per message
 * (docs/scaling.md). Nor does it start runs: it sends the tenants with due marks to the queue
 * (dispatch-tenants messages, dispatch-slice.ts; one read and at most one sendBatch a tick), and
 * their consumers start the runs, each message within the same budget.
 */
export interface ScheduleLimits {
  /** Full-run backstop per dynamic / all-customers sync. */
  reconcileIntervalMs: number
  /** Reconciles of different syncs are spread over this window (deterministic per sync id). */
  reconcileJitterMs: number
  /** After a failed full run, the next reconcile is tried this much later (not every minute). */
  failedRetryMs: number
  /**
   * History pages one queued poll reads before re-enqueueing itself. Each recorded page costs about
   * six D1 statements (measured: 124 statements and 145 subrequests for 20 pages), so 8 pages keep
   * a message under 100 subrequests even counting every statement of a batch.
   */
  queueHistoryPages: number
  /**
   * Tenants per poll-tenants message. A slice consumer spends at most 4 subrequests on a checked
   * tenant (a history request, and for a tenant with news its lease and poll-history message; on
   * its watch minute its D1 query and a segments read instead of the history), plus one to load the
   * slice: 20 keep it ≤ 81 (measured: at most 27). Rarer paths cost more: a tenant's first poll
   * (once: a followers read, up to 2 history requests, the cursor write), and a watch minute whose
   * counts moved (the history is read too: 5 with news, or 4 plus 2 per gone segment without).
   * Watch minutes are spread by tenant id, so few tenants of a slice share one; a slice of 20 first
   * polls is 101.
   */
  pollSliceSize: number
  /** Tenants one slice consumer checks at once (the Workers runtime allows 6 open connections). */
  pollConcurrency: number
  /** One tenant's check in a slice is abandoned after this long, so a slow shop delays no other. */
  pollTenantTimeoutMs: number
  /**
   * A slice delivered later than this after its tick is dropped: newer ticks sent fresher ones, so
   * a backlog of slices stays bounded (a late check is harmless, only wasted: it is idempotent). The
   * same age drops a dispatch-tenants message (its tenants' marks stay due; a newer tick resends).
   */
  pollSliceMaxAgeMs: number
  /**
   * The segment counts of every polled tenant are read every this many minutes (spread by tenant
   * id), in place of that minute's history request (poll-slice.ts), so an idle shop costs one CRM
   * request a minute; a tenant whose history shows membership changes has them read at once, with
   * that evidence (poll-message.ts).
   */
  segmentWatchEveryMinutes: number
  /**
   * Sources whose full runs one dispatchDue may start per tenant: one big shop cannot crowd out the
   * others, nor read its CRM many times at once. Full runs on one source share one read, so they
   * count once; incremental runs are not capped per tenant (due.ts pickFair).
   */
  maxStartsPerTenant: number
  /**
   * Runs one tick sends to be started in all (the rest stay due for the next tick): the tick takes
   * the tenants with due marks, oldest due first, while the runs each may start (its incremental
   * marks plus its other marks of up to maxStartsPerTenant sources, at most 13) add up to no more than this,
   * and sends them in dispatch-tenants messages. A message's consumer gives each tenant's
   * dispatchDue that tenant's count as its cap, so a message costs at most 4 + 7 × runs subrequests
   * per tenant (its due-mark read, page prune and follow-up send; per run the claim, startRun's 4
   * statements and send, and the watermark write or put-back; measured: 84 for 4 tenants × 3 full
   * runs, against the bound of 100), packed to ≤ 100 (dispatch-slice.ts). The tick itself spends 1
   * read and at most 1 sendBatch on it (at most 100 messages), whatever the runs due. A history
   * poll starts at most INLINE_STARTS itself (poll-message.ts) and hands the rest on the same way.
   */
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
  queueHistoryPages: 8,
  pollSliceSize: 20,
  pollConcurrency: 4,
  pollTenantTimeoutMs: 20_000,
  pollSliceMaxAgeMs: 5 * 60_000,
  segmentWatchEveryMinutes: 15,
  maxStartsPerTenant: 3,
  maxStartsPerTick: 100,
  pollLeaseMs: 5 * 60_000,
  idlePollEveryMinutes: 10,
  incrementalEnabled: true,
}

/** History page size (docs/retailcrm.md §3: use 100). */
export const HISTORY_PAGE_LIMIT = 100
