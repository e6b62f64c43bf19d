/**
 * The one world builder of the tests: every test that needs "a tenant whose RetailCRM key is
 * encrypted for its row, a Unisender account whose key is encrypted for its row, and a sync" builds
 * it here, on the sandbox emulators when it talks to the services.
 *
 * - makeConnectedTenant, makeConnectedAccount: the rows alone, keys really encrypted (so
 *   tenantCrmClient and the engine decrypt them); add loginAs (session.ts) to act as the person.
 * - makeWorld: the sync engine's world — sandbox RetailCRM and Unisender, tenant, account, list,
 *   sync, a recording queue and a driver that runs a run to its end by calling processRunStep on
 *   every message the engine enqueues (deterministic, no waiting: the engine's sleeps advance the
 *   emulators' clocks). schedulerFor() wires the scheduler to it; segmentEmails, allEmails and
 *   lastRun read what the incremental-run tests compare.
 * - makeScheduleWorld: a tenant on its own sandbox shop (scheduleShop) with scheduler deps on the
 *   sandbox clock; makeProductionTenant adds a sync, for tests through the Worker's own
 *   scheduled() and queue() entry points.
 * - makeSyncPagesWorld: the sync pages' world — signed in, the account added through the real
 *   "Новый аккаунт" form; makeSignedInSync: a signed-in tenant with an account and a sync.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { vi } from 'vitest'
import { createRetailCrmClient } from '../../src/clients/retailcrm'
import { createDb } from '../../src/db/client'
import { markTenantBroken, nextTenantId } from '../../src/db/queries/tenants'
import {
  changePages,
  runRejects,
  runs,
  type Sync,
  syncs,
  tenants,
  unisenderAccounts,
} from '../../src/db/schema'
import { encryptSecret, importKey, randomToken, secretAad, sha256Hex } from '../../src/lib/crypto'
import type { ShopDefinition } from '../../src/sandbox/retailcrm/shops'
import { DEFAULT_LIMITS, type ScheduleLimits } from '../../src/schedule/config'
import type { CrmPort, ScheduleDeps } from '../../src/schedule/deps'
import type { EngineDeps } from '../../src/sync/context'
import { parseCounts } from '../../src/sync/counts'
import { classifyCustomer } from '../../src/sync/normalize'
import { processRunStep } from '../../src/sync/process'
import type { RunStep } from '../../src/sync/run-step-message'
import { startRun } from '../../src/sync/start'
import { makeAccount, makeSync } from './fixtures'
import { post } from './requests'
import { installRetailCrm, type RetailCrmSandbox } from './sandbox-retailcrm'
import { type AccountOptions, installUnisenderSandbox } from './sandbox-unisender'
import { loginAs } from './session'

let installs = 0
const random = () => Math.floor(Math.random() * 1e6)

// ---------------------------------------------------------------------------------------------
// Rows: a connected tenant and a Unisender account, keys encrypted for their rows.

const masterKey = () => importKey(env.ENCRYPTION_KEY!)

/**
 * Inserts a connected tenant whose CRM key is really encrypted (so tenantCrmClient works) and whose
 * clientId is known (so /retailcrm/login and the callbacks accept it).
 */
export async function makeConnectedTenant(
  opts: {
    systemUrl?: string
    apiKey?: string
    clientId?: string
    overrides?: Partial<typeof tenants.$inferInsert>
  } = {}
) {
  const db = createDb(env.DB)
  const id = await nextTenantId(db)
  const apiKey = opts.apiKey ?? `crm-key-${randomToken(8)}`
  const clientId = opts.clientId ?? randomToken(32)
  const now = Date.now()
  const [tenant] = await db
    .insert(tenants)
    .values({
      id,
      systemUrl: opts.systemUrl ?? `https://shop${id}.retailcrm.ru`,
      crmApiKeyEnc: await encryptSecret(await masterKey(), apiKey, secretAad.crmKey(id)),
      clientIdHash: await sha256Hex(clientId),
      // Read at connect (src/tenants/time-zone.ts); null makes the next sign-in ask the CRM.
      timeZone: 'Europe/Moscow',
      createdAt: now,
      updatedAt: now,
      ...opts.overrides,
    })
    .returning()
  return { tenant: tenant!, apiKey, clientId }
}

/** Inserts a Unisender account of the tenant whose API key is really encrypted for its row. */
export async function makeConnectedAccount(
  tenantId: number,
  opts: { apiKey: string; login?: string }
) {
  const account = await makeAccount(tenantId, { login: opts.login ?? 'demo' })
  const apiKeyEnc = await encryptSecret(
    await masterKey(),
    opts.apiKey,
    secretAad.unisenderKey(tenantId, account.id)
  )
  await createDb(env.DB)
    .update(unisenderAccounts)
    .set({ apiKeyEnc })
    .where(eq(unisenderAccounts.id, account.id))
  return { ...account, apiKeyEnc }
}

/** Only this tenant is active: ticks are global, and earlier tests' tenants share the database. */
async function onlyActive(tenantId: number) {
  const db = createDb(env.DB)
  await db.update(tenants).set({ active: false })
  await db.update(tenants).set({ active: true }).where(eq(tenants.id, tenantId))
}

// ---------------------------------------------------------------------------------------------
// Fakes shared by the worlds.

/** A Queue that records what is sent (body and delay) instead of delivering it. */
function recordingQueue<T>(record: (body: T, delaySeconds?: number) => void): Queue<T> {
  return {
    send: async (body: T, o?: { delaySeconds?: number }) => {
      record(body, o?.delaySeconds)
    },
    sendBatch: async (batch: Iterable<{ body: T }>) => {
      for (const b of batch) record(b.body)
    },
  } as unknown as Queue<T>
}

/** Captures what the Worker's own code sends to SYNC_QUEUE (nothing runs in the background). */
export function captureSyncQueue<T = unknown>(): T[] {
  const sent: T[] = []
  vi.spyOn(env.SYNC_QUEUE, 'send').mockImplementation(async (m) => {
    sent.push(m as T)
    return {} as QueueSendResponse
  })
  return sent
}

/** A RetailCRM client of a sandbox shop; each call advances the shop's clock 100 ms (10/s). */
export function sandboxCrmClient(
  crm: RetailCrmSandbox,
  apiKey: string,
  onCall?: (call: string) => void
) {
  return createRetailCrmClient({
    systemUrl: crm.systemUrl,
    apiKey,
    limiter: { acquire: async () => crm.clock.advance(100) },
    onCall,
  })
}

// ---------------------------------------------------------------------------------------------
// The sync engine's world.

/** A small shop definition with one segment `seg` of `size` members (ids offset, offset+stride…). */
export function smallShop(
  customers: number,
  segment: { offset?: number; stride?: number; size?: number } = {},
  quirks = true
): ShopDefinition {
  return {
    code: `t-${++installs}-${random()}`,
    seed: 42,
    customers,
    quirks,
    creationHistory: false,
    segments: [{ code: 'seg', name: 'Seg', dynamic: true, offset: 1, stride: 1, ...segment }],
  }
}

export interface WorldOptions {
  shop: ShopDefinition
  mode?: Sync['mode']
  account?: AccountOptions
  /** Sync overrides (listId is filled with a created list unless createList is set). */
  sync?: Partial<typeof syncs.$inferInsert>
  exportReadyAfterPolls?: number
}

/** Builds the engine's world. */
export async function makeWorld(opts: WorldOptions) {
  const crm = await installRetailCrm({
    shop: opts.shop,
    origin: `https://w${++installs}.retailcrm.ru`,
    sleep: async () => {},
  })
  const uni = await installUnisenderSandbox({
    exportReadyAfterPolls: opts.exportReadyAfterPolls ?? 1,
  })
  const account = await uni.createAccount(opts.account)
  const db = createDb(env.DB)
  const { tenant } = await makeConnectedTenant({
    systemUrl: crm.systemUrl,
    apiKey: await crm.issueKey(),
  })
  const acct = await makeConnectedAccount(tenant.id, {
    login: account.login,
    apiKey: account.apiKey,
  })
  const listId = opts.sync?.createList ? null : await uni.createList(account, 'Seg list')
  const sync = await makeSync(tenant.id, acct.id, {
    segmentCode: 'seg',
    listId,
    listTitle: opts.sync?.createList ? 'Seg' : 'Seg list',
    mode: opts.mode ?? 'exact',
    ...opts.sync,
  })

  const sent: { msg: RunStep; delaySeconds?: number }[] = []
  const queue = recordingQueue<RunStep>((msg, delaySeconds) =>
    sent.push(delaySeconds === undefined ? { msg } : { msg, delaySeconds })
  )

  /** Engine overrides: fake queue, clock and sleep shared with the emulators, small steps. */
  const overrides = (extra: Partial<EngineDeps> = {}): Partial<EngineDeps> => ({
    queue,
    now: crm.clock.now,
    sleep: async (ms: number) => {
      crm.clock.advance(ms)
      uni.clock.advance(ms)
    },
    pagesPerStep: 3,
    sliceBytes: 700,
    diffEmailsPerStep: 300,
    importsPerStep: 2,
    ...extra,
  })

  const w = {
    crm,
    uni,
    account,
    tenant,
    sync,
    db,
    sent,
    queue,
    overrides,
    get listId(): number {
      return sync.listId!
    },
    async start(req: { dryRun?: boolean; kind?: 'full' | 'incremental' } = {}) {
      return startRun(
        { db, queue, now: crm.clock.now },
        { tenantId: tenant.id, syncId: sync.id, trigger: 'manual', ...req }
      )
    },
    /** Starts a run and delivers its messages to the end (see drain); returns the run's id. */
    async startAndDrain(req: { dryRun?: boolean } = {}) {
      const s = await w.start(req)
      if (!s.started) throw new Error('not started')
      await w.drain()
      return s.runId
    },
    /** Delivers queued messages until none is left (or `maxSteps`); returns the steps run. */
    async drain(
      opts: {
        extra?: Partial<EngineDeps>
        maxSteps?: number
        onStep?: (i: number, msg: RunStep) => unknown
      } = {}
    ) {
      let steps = 0
      const max = opts.maxSteps ?? 2000
      while (sent.length > 0 && steps < max) {
        const { msg } = sent.shift()!
        let attempts = 1
        for (;;) {
          const v = await processRunStep(env, msg, { attempts }, overrides(opts.extra))
          steps++
          await opts.onStep?.(steps, msg)
          if (v.kind === 'ack') break
          attempts++
          if (attempts > 10) {
            const r = await w.run(msg.runId)
            throw new Error(`gave up (would go to the DLQ) in phase ${r.phase}: ${r.errorMessage}`)
          }
        }
      }
      return steps
    },
    async run(runId: number) {
      const [row] = await db.select().from(runs).where(eq(runs.id, runId))
      return { ...row!, countsParsed: parseCounts(row!.counts) }
    },
    async rejects(runId: number) {
      return db.select().from(runRejects).where(eq(runRejects.runId, runId))
    },
    async syncRow() {
      const [row] = await db.select().from(syncs).where(eq(syncs.id, sync.id))
      return row!
    },
    /** Active members of the list (emails), sorted. */
    async listEmails(listId = sync.listId!) {
      return uni.activeEmails(listId)
    },
  }
  return w
}

export type World = Awaited<ReturnType<typeof makeWorld>>

/** A segmentWatchEveryMinutes no minute ever meets: the watch is off. */
export const WATCH_OFF = Number.MAX_SAFE_INTEGER

/** Turns the segment watch on at its production interval (tests of the watch itself). */
export function watchOn(t: { deps: ScheduleDeps }): void {
  if (t.deps.limits.segmentWatchEveryMinutes === WATCH_OFF)
    t.deps.limits = {
      ...t.deps.limits,
      segmentWatchEveryMinutes: DEFAULT_LIMITS.segmentWatchEveryMinutes,
    }
}

/**
 * A scheduler wired to the world (its tenant the only active one), incremental runs enabled. The
 * segment-count watch is off: on a shop's watch minute it takes the place of that minute's history
 * read (src/schedule/poll-slice.ts), so whether one tick sees a change would depend on the tenant
 * id and the minute. The watch has its own tests (test/schedule/poll-slice.test.ts, tick*.test.ts).
 */
export async function schedulerFor(w: World): Promise<ScheduleDeps> {
  await onlyActive(w.tenant.id)
  const key = await w.crm.issueKey()
  return {
    db: w.db,
    queue: w.queue as never,
    now: w.crm.clock.now,
    crm: async () => sandboxCrmClient(w.crm, key),
    startRun,
    markBroken: async () => {},
    limits: {
      ...DEFAULT_LIMITS,
      incrementalEnabled: true,
      segmentWatchEveryMinutes: WATCH_OFF,
    },
  }
}

/** The valid emails of the customers the CRM lists (the segment `seg`, or everyone), sorted. */
async function validEmails(w: World, segment?: string) {
  const crm = sandboxCrmClient(w.crm, await w.crm.issueKey())
  const out: string[] = []
  for (let page = 1; ; page++) {
    const res = await crm.listCustomers({ ...(segment ? { segment } : {}), page, limit: 100 })
    for (const c of res.customers) {
      const k = classifyCustomer(c)
      if (k.kind === 'valid') out.push(k.email)
    }
    if (page >= res.pagination.totalPageCount) break
  }
  return out
}

/** The valid, not opted-out emails of the segment now (what the list must hold in exact mode). */
export async function segmentEmails(w: World) {
  return [...new Set(await validEmails(w, 'seg'))].sort()
}

/** Every customer's valid email, sorted. */
export async function allEmails(w: World) {
  return (await validEmails(w)).sort()
}

/** The newest run of the world's sync. */
export async function lastRun(w: World) {
  const rows = await w.db.select().from(runs).where(eq(runs.syncId, w.sync.id))
  return rows.at(-1)!
}

// ---------------------------------------------------------------------------------------------
// The scheduler's world.

/** 2,000 clean customers; `dyn` = customers 1..500 (dynamic), `stat` static, `other` dynamic. */
export function scheduleShop(code: string): ShopDefinition {
  return {
    code,
    seed: 3,
    customers: 2000,
    quirks: false,
    creationHistory: false,
    createdAt: Date.UTC(2026, 10, 1),
    segments: [
      { code: 'dyn', name: 'Dynamic', dynamic: true, offset: 1, stride: 1, size: 500 },
      { code: 'stat', name: 'Static', dynamic: false, offset: 1, stride: 2, size: 100 },
      { code: 'other', name: 'Other', dynamic: true, offset: 1001, stride: 1, size: 100 },
    ],
  }
}

/**
 * A tenant connected to its own sandbox CRM shop (the only active tenant), with scheduler deps on
 * the sandbox clock: the CRM client advances the clock 100 ms per call (so the emulator's 10
 * requests/s limit holds), the queue is a recording fake, and startRun is the engine's real one
 * (one active run per sync).
 */
export async function makeScheduleWorld(o: { limits?: Partial<ScheduleLimits> } = {}) {
  const code = `sched${++installs}-${random()}`
  const crm = await installRetailCrm({
    origin: `https://${code}.retailcrm.ru`,
    shop: scheduleShop(code),
  })
  const apiKey = await crm.issueKey()
  const db = createDb(env.DB)
  const { tenant } = await makeConnectedTenant({ systemUrl: crm.systemUrl, apiKey })
  await onlyActive(tenant.id)
  const account = await makeAccount(tenant.id)
  const sent: unknown[] = []
  const queue = recordingQueue<never>((m) => sent.push(m))
  const crmCalls: string[] = []
  const client = (key = apiKey) => sandboxCrmClient(crm, key, (e) => crmCalls.push(e))
  const deps: ScheduleDeps = {
    db,
    queue,
    now: crm.clock.now,
    crm: async (t): Promise<CrmPort> => {
      if (t.id !== tenant.id) throw new Error(`unexpected poll of tenant ${t.id}`)
      return client()
    },
    startRun,
    markBroken: (id, reason) => markTenantBroken(db, id, reason, crm.clock.now()),
    // The segment watch is off unless a test moves to a watch minute (watchOn): on a watch minute
    // it takes the place of the history read, so "one tick sees the change" would otherwise depend
    // on the tenant id and the minute.
    limits: { ...DEFAULT_LIMITS, segmentWatchEveryMinutes: WATCH_OFF, ...o.limits },
  }
  const segmentIds = scheduleShop(code).segments!.map((s) => s.code)
  const sync = (segment: string | null, over: Partial<typeof syncs.$inferInsert> = {}) =>
    makeSync(tenant.id, account.id, {
      segmentId: segment === null ? null : segmentIds.indexOf(segment) + 1,
      segmentCode: segment,
      segmentIsDynamic: segment === null ? null : segment !== 'stat',
      allCustomers: segment === null,
      createdAt: crm.clock.now(),
      ...over,
    })
  return {
    crm,
    db,
    deps,
    tenant,
    account,
    sent,
    crmCalls,
    client,
    sync,
    tenantRow: async () => (await db.select().from(tenants).where(eq(tenants.id, tenant.id)))[0]!,
    syncRow: async (id: number) => (await db.select().from(syncs).where(eq(syncs.id, id)))[0]!,
    runsOf: (syncId: number) => db.select().from(runs).where(eq(runs.syncId, syncId)),
    /** Customers the recorded history pages of the tenant hold (change_pages), by id. */
    pending: async () =>
      [
        ...new Set(
          (await db.select().from(changePages).where(eq(changePages.tenantId, tenant.id))).flatMap(
            (r) => (JSON.parse(r.data) as { i: number }[]).map((x) => x.i)
          )
        ),
      ].sort((a, b) => a - b),
    /** Marks every active run of the tenant done (as the engine would when it finishes). */
    finishRuns: () =>
      db
        .update(runs)
        .set({ status: 'done', finishedAt: crm.clock.now() })
        .where(eq(runs.tenantId, tenant.id)),
  }
}

export type ScheduleWorld = Awaited<ReturnType<typeof makeScheduleWorld>>

/**
 * A schedule world with one dynamic sync `dyn`, for tests that go through the Worker's own
 * scheduled() and queue() entry points (which decrypt the tenant's CRM key).
 */
export async function makeProductionTenant() {
  const t = await makeScheduleWorld()
  const dyn = await t.sync('dyn', { createdAt: Date.now() })
  return { ...t, dyn }
}

// ---------------------------------------------------------------------------------------------
// The sync pages' worlds.

export const MARKUP_NAME = '<script>alert(1)</script> VIP'

/**
 * A sandbox CRM shop with small segments (one named with markup), a Unisender sandbox account with
 * a list, a connected tenant signed in, and its Unisender account added through the real
 * "Новый аккаунт" form. The queue is captured (not consumed) so route tests see which runs were
 * started without the engine running in the background. `contactLimit` sets the Unisender plan.
 */
export async function makeSyncPagesWorld(opts: { contactLimit?: number; testMode?: boolean } = {}) {
  const n = ++installs
  const crm = await installRetailCrm({
    origin: `https://ui${n}.retailcrm.ru`,
    shop: {
      code: `ui-${n}-${random()}`,
      seed: 7,
      customers: 300,
      quirks: false,
      creationHistory: false,
      segments: [
        { code: 'regular', name: 'Постоянные', dynamic: true, offset: 1, stride: 3, size: 50 },
        { code: 'markup', name: MARKUP_NAME, dynamic: false, offset: 2, stride: 5, size: 20 },
        {
          code: 'old',
          name: 'Архив',
          dynamic: false,
          active: false,
          offset: 3,
          stride: 7,
          size: 5,
        },
      ],
    },
  })
  const uni = await installUnisenderSandbox()
  const uniAccount = await uni.createAccount({
    contactLimit: opts.contactLimit,
    testMode: opts.testMode,
  })
  const listId = await uni.createList(uniAccount, 'Рассылка')
  const { tenant } = await makeConnectedTenant({
    systemUrl: crm.systemUrl,
    apiKey: await crm.issueKey(),
  })
  const session = await loginAs(tenant.id)
  const sent = captureSyncQueue<RunStep>()
  const res = await post(session, '/accounts', {
    login: uniAccount.login,
    apiKey: uniAccount.apiKey,
    ...(opts.testMode ? { acceptTestMode: '1' } : {}),
  })
  if (res.status !== 303) throw new Error(`account form answered ${res.status}`)
  const segments = (await crm.shop()).segments
  const seg = (code: string) => segments.find((s) => s.code === code)!.id
  return { crm, uni, uniAccount, listId, tenant, session, sent, seg }
}

export type SyncPagesWorld = Awaited<ReturnType<typeof makeSyncPagesWorld>>

/** The sync form's fields of a valid sync of segment `regular` to the world's list. */
export async function syncFormFields(w: SyncPagesWorld, over: Record<string, string> = {}) {
  const accs = await createDb(env.DB).query.unisenderAccounts.findMany({
    where: (a, { eq }) => eq(a.tenantId, w.tenant.id),
  })
  return {
    segmentId: String(w.seg('regular')),
    accountId: String(accs[0]!.id),
    listId: String(w.listId),
    mode: 'exact',
    intent: 'save',
    ...over,
  }
}

/**
 * A connected tenant signed in, with a Unisender account `shop` and a sync "VIP → Клиенты" (rows
 * only, no emulator), and the queue captured.
 */
export async function makeSignedInSync() {
  const { tenant } = await makeConnectedTenant()
  const session = await loginAs(tenant.id)
  const account = await makeAccount(tenant.id, { login: 'shop' })
  const sync = await makeSync(tenant.id, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
  const sent = captureSyncQueue()
  return { tenantId: tenant.id, session, sync, sent }
}
