/**
 * A test world for the sync engine: the sandbox RetailCRM and Unisender emulators, a tenant with an
 * encrypted CRM key, a Unisender account with an encrypted key, a sync, and a driver that runs a
 * run to its end by calling processRunStep on every message the engine enqueues (deterministic,
 * no waiting: the engine's sleeps advance the emulators' clocks).
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { createDb } from '../../src/db/client'
import { runRejects, runs, type Sync, syncs, tenants, unisenderAccounts } from '../../src/db/schema'
import { encryptSecret, importKey, secretAad } from '../../src/lib/crypto'
import type { ShopDefinition } from '../../src/sandbox/retailcrm/shops'
import type { EngineDeps } from '../../src/sync/context'
import { parseCounts } from '../../src/sync/counts'
import { processRunStep } from '../../src/sync/process'
import type { RunStep } from '../../src/sync/run-step-message'
import { startRun } from '../../src/sync/start'
import { makeAccount, makeSync, makeTenant } from '../support/fixtures'
import { installRetailCrm } from '../support/sandbox-retailcrm'
import { type AccountOptions, installUnisenderSandbox } from '../support/sandbox-unisender'

let shops = 0
let worlds = 0

/** A small shop definition with one segment `seg` of `size` members (ids offset, offset+stride…). */
export function smallShop(
  customers: number,
  segment: { offset?: number; stride?: number; size?: number } = {},
  quirks = true
): ShopDefinition {
  return {
    code: `t-${++shops}-${Math.floor(Math.random() * 1e6)}`,
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

/** Builds the world. */
export async function makeWorld(opts: WorldOptions) {
  const crm = await installRetailCrm({
    shop: opts.shop,
    origin: `https://w${++worlds}.retailcrm.ru`,
    sleep: async () => {},
  })
  const uni = await installUnisenderSandbox({
    exportReadyAfterPolls: opts.exportReadyAfterPolls ?? 1,
  })
  const crmKey = await crm.issueKey()
  const account = await uni.createAccount(opts.account)
  const db = createDb(env.DB)
  const key = await importKey(env.ENCRYPTION_KEY!)
  const tenant = await makeTenant({ systemUrl: crm.systemUrl })
  await db
    .update(tenants)
    .set({ crmApiKeyEnc: await encryptSecret(key, crmKey, secretAad.crmKey(tenant.id)) })
    .where(eq(tenants.id, tenant.id))
  const acct = await makeAccount(tenant.id, { login: account.login })
  await db
    .update(unisenderAccounts)
    .set({
      apiKeyEnc: await encryptSecret(
        key,
        account.apiKey,
        secretAad.unisenderKey(tenant.id, acct.id)
      ),
    })
    .where(eq(unisenderAccounts.id, acct.id))
  const listId = opts.sync?.createList ? null : await uni.createList(account, 'Seg list')
  const sync = await makeSync(tenant.id, acct.id, {
    segmentCode: 'seg',
    listId,
    listTitle: opts.sync?.createList ? 'Seg' : 'Seg list',
    mode: opts.mode ?? 'exact',
    ...opts.sync,
  })

  const sent: { msg: RunStep; delaySeconds?: number }[] = []
  const queue = {
    send: async (msg: RunStep, o?: { delaySeconds?: number }) => {
      sent.push({ msg, delaySeconds: o?.delaySeconds })
    },
    sendBatch: async (batch: Iterable<{ body: RunStep }>) => {
      for (const b of batch) sent.push({ msg: b.body })
    },
  } as unknown as Queue<RunStep>

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
