/**
 * The state one step works on (loaded run, mutable cursor/counts/api calls, writes to stage) and
 * the commit that persists it atomically and fenced. Steps mutate the context, then commit.
 */

import type { FetchLike, Limiter } from '../clients/http'
import type { RetailCrmClient } from '../clients/retailcrm'
import type { UnisenderClient } from '../clients/unisender'
import { accountUnisenderClient, tenantCrmClient } from '../credentials/clients'
import { reserveCrmWindow } from '../credentials/crm-pacing'
import { type ApiCalls, countCall, parseApiCalls } from './api-calls'
import { parseCounts, type RejectReason, type RunCounts } from './counts'
import {
  type ChunkRow,
  type Fence,
  insertChunks,
  insertRejects,
  type RunPatch,
  updateRun,
} from './fenced-writes'
import type { RunStep } from './run-step-message'
import { type Cursor, parseCursor, REJECT_CAP } from './state'
import type { RunRow } from './store'

/**
 * Rate-limit answers retried in place per client per step (each costs one subrequest; a step's
 * budget of about 56 subrequests leaves room for these within the bound of 100).
 */
const RATE_LIMIT_RETRIES_PER_STEP = 8

/**
 * Wall time after which a step's loop of API calls (CRM pages, excludes, contact checks) stops and
 * commits what it did; the call in flight still finishes (≤ 30 s, the clients' timeout). Normal
 * steps end long before it (50 CRM pages ≈ 5–25 s); it bounds a step against a service that answers
 * every call slowly but within its timeout, which would otherwise hold one step for up to 25
 * minutes. src/schedule/watchdog.ts sizes its threshold on it.
 */
export const STEP_TIME_BUDGET_MS = 60_000

/** Everything the engine needs from the outside; tests override clocks, sleeps and sizes. */
export interface EngineDeps {
  d1: D1Database
  queue: Queue<RunStep>
  now: () => number
  sleep: (ms: number) => Promise<void>
  fetch: FetchLike
  encryptionKey: string
  unisenderApiUrl: string
  /** CRM pages read per step (each is a subrequest; ≤10 req/s per account). */
  pagesPerStep: number
  /** Export file bytes read per step. */
  sliceBytes: number
  /** Emails loaded per diff step (bounds memory). */
  diffEmailsPerStep: number
  /** importContacts calls per step. */
  importsPerStep: number
  /** Polls of an export before it counts as not finishing. */
  exportMaxPolls: number
  /** Minimum spacing of calls per service, in ms. */
  crmIntervalMs: number
  unisenderIntervalMs: number
}

export interface StagedReject {
  email: string
  reason: RejectReason
  detail?: string
}

/** One step's working state. */
export class StepContext {
  cursor: Cursor
  counts: RunCounts
  apiCalls: ApiCalls
  progressDone: number
  progressTotal: number
  readonly chunks: ChunkRow[] = []
  readonly rejects: StagedReject[] = []
  readonly extra: D1PreparedStatement[] = []
  private crmClient?: RetailCrmClient
  private uniClient?: UnisenderClient
  readonly fence: Fence
  /** When this step began (the engine's clock), for STEP_TIME_BUDGET_MS. */
  readonly startedAt: number

  constructor(
    readonly deps: EngineDeps,
    readonly run: RunRow,
    readonly msg: RunStep
  ) {
    this.cursor = parseCursor(run.cursor)
    // The step is running, so it no longer waits for a retry; a retry sets it again (engine.ts).
    this.cursor.retryAt = null
    this.startedAt = deps.now()
    this.counts = parseCounts(run.counts)
    this.apiCalls = parseApiCalls(run.apiCalls)
    this.progressDone = run.progressDone
    this.progressTotal = run.progressTotal
    this.fence = { runId: run.id, seq: msg.seq, v: this.cursor.v }
  }

  /**
   * Whether the step has used its time budget: loops of API calls stop there and commit, so the
   * gap between two commits of a run stays short and the watchdog can tell a lost step quickly.
   */
  pastTimeBudget(): boolean {
    return this.deps.now() - this.startedAt >= STEP_TIME_BUDGET_MS
  }

  get dryRun(): boolean {
    return this.run.dryRun === 1
  }

  /** Records a per-contact reject, up to the per-run cap. */
  reject(email: string, reason: RejectReason, detail?: string): void {
    if (this.cursor.rejects >= REJECT_CAP) return
    this.cursor.rejects++
    this.rejects.push({ email, reason, detail })
  }

  /** Stages a packed chunk row (seq unique per run through cursor.chunkSeq). */
  stage(side: string, bucket: number, emails: readonly string[], seq?: number): void {
    if (emails.length === 0) return
    this.chunks.push({ side, bucket, seq: seq ?? this.cursor.chunkSeq++, emails })
  }

  /**
   * Spaces calls at least `intervalMs` apart, continuing from where the previous step of this run
   * stopped (the next allowed time is kept in the cursor): consecutive queue steps may start within
   * milliseconds of each other, so a per-invocation limiter alone could exceed 10 requests/s.
   */
  private pacer(key: 'crmNextAt' | 'uniNextAt', intervalMs: number): Limiter {
    return {
      acquire: async () => {
        const now = this.deps.now()
        const next = this.cursor[key]
        this.cursor[key] = Math.max(now, next) + intervalMs
        if (next > now) await this.deps.sleep(Math.min(next - now, 60_000))
      },
    }
  }

  /**
   * Reserves a window of `calls` RetailCRM calls for this step in the tenant's shared pacing
   * (tenants.crm_paced_until), so that concurrent runs of one tenant stay within 10 requests/s
   * together; this step's calls then start at its window. One D1 statement.
   */
  async reserveCrmCalls(calls: number): Promise<void> {
    const start = await reserveCrmWindow(
      this.deps.d1,
      this.run.tenantId,
      calls,
      this.deps.now(),
      this.deps.crmIntervalMs
    )
    if (start !== null) this.cursor.crmNextAt = Math.max(this.cursor.crmNextAt, start)
  }

  /** The CRM client of the tenant (decrypted lazily, paced, counted). */
  async crm(): Promise<RetailCrmClient> {
    if (!this.crmClient) {
      const tenant = {
        id: this.run.tenantId,
        systemUrl: this.run.systemUrl,
        crmApiKeyEnc: this.run.crmApiKeyEnc,
      }
      this.crmClient = await tenantCrmClient(this.deps, tenant, {
        fetch: this.deps.fetch,
        limiter: this.pacer('crmNextAt', this.deps.crmIntervalMs),
        rateLimitRetry: { budget: RATE_LIMIT_RETRIES_PER_STEP, sleep: this.deps.sleep },
        onCall: (endpoint) =>
          countCall(this.apiCalls, 'retailcrm', endpoint.replace(/^\/api\/v5\//, '')),
      })
    }
    return this.crmClient
  }

  /** The Unisender client of the sync's account (decrypted lazily, paced, counted). */
  async uni(): Promise<UnisenderClient> {
    if (!this.uniClient) {
      const account = {
        id: this.run.unisenderAccountId,
        tenantId: this.run.tenantId,
        apiKeyEnc: this.run.apiKeyEnc,
      }
      this.uniClient = await accountUnisenderClient(this.deps, account, {
        fetch: this.deps.fetch,
        limiter: this.pacer('uniNextAt', this.deps.unisenderIntervalMs),
        rateLimitRetry: { budget: RATE_LIMIT_RETRIES_PER_STEP, sleep: this.deps.sleep },
        onCall: (method) => countCall(this.apiCalls, 'unisender', method),
      })
    }
    return this.uniClient
  }

  /**
   * Persists the step: staged chunks, rejects, extra statements and the run update, in one fenced
   * batch. Returns false when another delivery got there first (then nothing was written).
   * After a successful commit the context is re-fenced at the new version, so a step may commit
   * several times (intermediate progress) before its final, advancing commit.
   */
  async commit(
    patch: Omit<RunPatch, 'cursor' | 'counts' | 'apiCalls' | 'progressDone' | 'progressTotal'>
  ): Promise<boolean> {
    const d1 = this.deps.d1
    const stmts = [
      ...insertChunks(d1, this.fence, this.chunks),
      ...insertRejects(d1, this.fence, this.rejects),
      ...this.extra,
      updateRun(d1, this.fence, {
        steppedAt: this.deps.now(),
        ...patch,
        cursor: this.cursor,
        counts: JSON.stringify(this.counts),
        apiCalls: JSON.stringify(this.apiCalls),
        progressDone: this.progressDone,
        progressTotal: this.progressTotal,
      }),
    ]
    const results = await d1.batch(stmts)
    const won = (results[results.length - 1]?.meta.changes ?? 0) === 1
    if (won) {
      this.chunks.length = 0
      this.rejects.length = 0
      this.extra.length = 0
      this.fence.v++
      this.cursor.v = this.fence.v
      if (patch.advance) this.fence.seq++
    }
    return won
  }
}
