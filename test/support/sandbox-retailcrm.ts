/**
 * Installs the sandbox RetailCRM emulator for one shop on an https origin (outbound.route), so code
 * under test talks to `https://demo.retailcrm.ru/api/v5/...` as to a real account. Returns handles
 * to seed shops, issue API keys, trigger recalculations, change customers, inject faults and move
 * the clock (the rate limit and history dates read it).
 */
import { env } from 'cloudflare:workers'
import { createRetailCrmEmulator } from '../../src/sandbox/retailcrm/app'
import type { FaultInput } from '../../src/sandbox/retailcrm/faults'
import { issueKey } from '../../src/sandbox/retailcrm/keys'
import * as m from '../../src/sandbox/retailcrm/mutations'
import { recalculateSegment } from '../../src/sandbox/retailcrm/recalculate'
import { ensureSchema, insertShop } from '../../src/sandbox/retailcrm/schema'
import { DEMO_SHOP, type ShopDefinition } from '../../src/sandbox/retailcrm/shops'
import { loadShop, type ShopState } from '../../src/sandbox/retailcrm/state'
import { outbound } from './outbound'

let installs = 0

/** Default scopes: what the module's config asks for. */
export const MODULE_SCOPES = ['integration_read', 'integration_write', 'customer_read']

export interface InstallOptions {
  /** https origin the emulator answers on; default https://demo.retailcrm.ru. */
  origin?: string
  /**
   * The shop: by default a fresh copy of the demo shop under a unique code (storage is shared by the
   * tests of one file, so each install starts clean); 'demo' for the shared seeded shop; or a
   * definition to create (e.g. benchShop('bench', 1_000_000)).
   */
  shop?: 'demo' | ShopDefinition
  /** Start of the fake clock (epoch ms); default 2026-11-26 12:00 UTC. */
  startAt?: number
  /** Replaces real waiting for latency and hang faults. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** Installs the emulator and returns its handles. */
export async function installRetailCrm(opts: InstallOptions = {}) {
  const db = env.SANDBOX_DB
  let time = opts.startAt ?? Date.UTC(2026, 10, 26, 12, 0, 0)
  const clock = {
    now: () => time,
    set: (ms: number) => {
      time = ms
    },
    advance: (ms: number) => {
      time += ms
    },
  }
  await ensureSchema(db)
  const def: ShopDefinition | null =
    opts.shop === 'demo' ? null : (opts.shop ?? { ...DEMO_SHOP, code: `demo-${++installs}` })
  const code = def?.code ?? 'demo'
  if (def && !(await insertShop(db, def, clock.now()))) throw new Error(`shop ${code} exists`)
  const { app, deps } = createRetailCrmEmulator({ shop: code, now: clock.now, sleep: opts.sleep })
  const origin = new URL(opts.origin ?? 'https://demo.retailcrm.ru').origin
  // Like a real network: a caller's abort rejects the fetch even while the emulator still "hangs".
  const fetchApp = (req: Request): Promise<Response> =>
    new Promise((resolve, reject) => {
      if (req.signal.aborted) return reject(req.signal.reason)
      req.signal.addEventListener('abort', () => reject(req.signal.reason))
      Promise.resolve(app.fetch(req, { SANDBOX_DB: db, SANDBOX_ENABLED: '1' })).then(
        resolve,
        reject
      )
    })
  outbound.route(origin, fetchApp)

  const shop = async (): Promise<ShopState> => {
    const s = await loadShop(db, code)
    if (!s) throw new Error(`no shop ${code}`)
    return s
  }
  const segmentId = async (idOrCode: number | string) => {
    const s = await shop()
    const seg = s.segments.find((x) => x.id === idOrCode || x.code === idOrCode)
    if (!seg) throw new Error(`no segment ${idOrCode}`)
    return seg.id
  }

  return {
    origin,
    /** What the module stores as systemUrl. */
    systemUrl: origin,
    shopCode: code,
    db,
    clock,
    /** Counters of generated customers / examined positions (proof of O(page) paging). */
    stats: deps.stats,
    /** Sends a request straight to the emulator (no outbound routing needed). */
    fetch: (path: string, init?: RequestInit) => fetchApp(new Request(`${origin}${path}`, init)),
    issueKey: (scopes: string[] = MODULE_SCOPES, key?: string) =>
      issueKey(db, code, scopes, clock.now(), key),
    shop,
    recalculate: async (segment: number | string, o: { add?: number; remove?: number } = {}) =>
      recalculateSegment(db, await shop(), await segmentId(segment), o, clock.now()),
    changeEmail: async (id: number, email: string) =>
      m.changeEmail(db, await shop(), id, email, clock.now()),
    changeFirstName: async (id: number, firstName: string) =>
      m.changeFirstName(db, await shop(), id, firstName, clock.now()),
    unsubscribe: async (id: number, unsubscribed = true) =>
      m.setUnsubscribed(db, await shop(), id, unsubscribed, clock.now()),
    setEmailSubscription: async (id: number, subscribed: boolean) =>
      m.setEmailSubscription(db, await shop(), id, subscribed, clock.now()),
    deleteCustomer: async (id: number) => m.deleteCustomer(db, await shop(), id, clock.now()),
    merge: async (from: number, into: number) =>
      m.mergeCustomers(db, await shop(), from, into, clock.now()),
    createCustomer: async (email?: string) =>
      m.createCustomer(db, await shop(), email, clock.now()),
    faults: {
      set: (f: FaultInput) => deps.faults.set(code, f),
      clear: () => deps.faults.clear(code),
    },
  }
}

export type RetailCrmSandbox = Awaited<ReturnType<typeof installRetailCrm>>
