/**
 * Crashes, duplicate deliveries, concurrent starts, every fault the emulators can inject, auth
 * errors, and incomplete pictures. Each test checks the end state of the list, not only statuses.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { tenants, unisenderAccounts } from '../../src/db/schema'
import { processRunStep } from '../../src/sync/process'
import { makeWorld, smallShop, type World } from '../support/world'

/** Segment of 30 among 40 customers; the list holds 5 strangers and 5 members already. */
async function world(mode: 'exact' | 'union' | 'subtract' = 'exact') {
  const w = await makeWorld({ shop: smallShop(40, { size: 30 }, false), mode })
  return w
}

async function runClean(w: World) {
  return w.run(await w.startAndDrain())
}

describe('delivery and crash safety', () => {
  it('a duplicate delivery of every message changes nothing', async () => {
    const ref = await world()
    const refRun = await runClean(ref)
    const refEmails = await ref.listEmails()

    const w = await world()
    const s = await w.start()
    if (!s.started) throw new Error()
    let steps = 0
    while (w.sent.length > 0) {
      const { msg } = w.sent.shift()!
      // Deliver twice: the second delivery finds the seq moved on and is acked without work.
      const a = await processRunStep(env, msg, { attempts: 1 }, w.overrides())
      const imports = w.uni.calls('importContacts')
      const queued = w.sent.length
      const b = await processRunStep(env, msg, { attempts: 1 }, w.overrides())
      expect(a.kind).toBe('ack')
      expect(b.kind).toBe('ack')
      expect(w.uni.calls('importContacts')).toBe(imports)
      expect(w.sent.length).toBe(queued)
      steps++
    }
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(await w.listEmails()).toEqual(refEmails)
    expect(run.countsParsed).toEqual(refRun.countsParsed)
    expect(steps).toBeGreaterThan(5)
  })

  it('a consumer killed after its commit (next message lost) resumes from the retry', async () => {
    const w = await world()
    const s = await w.start()
    if (!s.started) throw new Error()
    let killed = 0
    let step = 0
    while (w.sent.length > 0) {
      const { msg } = w.sent.shift()!
      await processRunStep(env, msg, { attempts: 1 }, w.overrides())
      step++
      if (killed < 3 && w.sent.length === 1 && step % 2 === 0) {
        // The step committed and sent its successor, but the consumer died before acking: the
        // successor is lost with it, and the queue redelivers this message.
        w.sent.length = 0
        killed++
        const v = await processRunStep(env, msg, { attempts: 2 }, w.overrides())
        expect(v.kind).toBe('ack')
        expect(w.sent.length).toBe(1) // the lost successor was re-sent
      }
    }
    expect(killed).toBe(3)
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.countsParsed.added).toBe(30)
    expect((await w.listEmails()).length).toBe(30)
  })

  it('a consumer killed before its commit redoes the step without duplicating data', async () => {
    const w = await world()
    const s = await w.start()
    if (!s.started) throw new Error()
    let crashes = 0
    while (w.sent.length > 0) {
      const { msg } = w.sent.shift()!
      let attempts = 1
      for (;;) {
        const crash = crashes < 4 && msg.seq % 2 === 0 && attempts === 1
        const d1 = crash ? crashingD1() : undefined
        try {
          const v = await processRunStep(env, msg, { attempts }, w.overrides(d1 ? { d1 } : {}))
          if (v.kind === 'ack') break
        } catch (e) {
          if (!crash) throw e
          crashes++
        }
        attempts++
      }
    }
    expect(crashes).toBe(4)
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.countsParsed.readFromCrm).toBe(30)
    expect(run.countsParsed.duplicates).toBe(0)
    expect((await w.listEmails()).length).toBe(30)
  })

  it('two starts of one sync at once create one run', async () => {
    const w = await world()
    const [a, b] = await Promise.all([w.start(), w.start()])
    const started = [a, b].filter((r) => r.started)
    expect(started.length).toBe(1)
    const other = [a, b].find((r) => !r.started)
    expect(other).toEqual({ started: false, activeRunId: (started[0] as { runId: number }).runId })
    expect(w.sent.length).toBe(1)
  })

  it('two consumers running the same step at once: one commit wins, the data stays single', async () => {
    const w = await world()
    const s = await w.start()
    if (!s.started) throw new Error()
    while (w.sent.length > 0) {
      const { msg } = w.sent.shift()!
      const [a, b] = await Promise.all([
        processRunStep(env, msg, { attempts: 1 }, w.overrides()),
        processRunStep(env, msg, { attempts: 1 }, w.overrides()),
      ])
      expect([a.kind, b.kind]).toEqual(['ack', 'ack'])
      // Keep one successor when both raced to send (a fenced loser sends nothing).
      const seen = new Set<number>()
      for (let i = w.sent.length - 1; i >= 0; i--) {
        const m = w.sent[i]!.msg
        if (seen.has(m.seq)) w.sent.splice(i, 1)
        seen.add(m.seq)
      }
    }
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.countsParsed.readFromCrm).toBe(30)
    expect(run.countsParsed.added).toBe(30)
    expect((await w.listEmails()).length).toBe(30)
  })
})

/** A D1 whose batch() fails (the step dies before its commit). */
function crashingD1(): D1Database {
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'batch') return async () => Promise.reject(new Error('isolate died'))
      const v = Reflect.get(target, prop)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
}

describe('faults of RetailCRM', () => {
  for (const [name, fault] of [
    ['a 5xx burst', { errors: 3, errorStatus: 503 }],
    ['hanging answers', { hangs: 2, hangMs: 10 }],
    ['rate-limit answers', { rateLimited: 3 }],
  ] as const) {
    it(`survives ${name}`, async () => {
      const w = await world()
      w.crm.faults.set(fault)
      const run = await runClean(w)
      expect(run.status).toBe('done')
      expect(run.additionsOnly).toBe(false)
      expect(run.countsParsed.readFromCrm).toBe(30)
      expect((await w.listEmails()).length).toBe(30)
    })
  }

  it('a refused CRM key fails the run and marks the connection broken', async () => {
    const w = await world()
    await w.db
      .update(tenants)
      .set({ crmApiKeyEnc: await reEncrypt(w, 'wrong-key') })
      .where(eq(tenants.id, w.tenant.id))
    const run = await runClean(w)
    expect(run.status).toBe('failed')
    expect(run.errorCode).toBe('crm_auth')
    const [t] = await w.db.select().from(tenants).where(eq(tenants.id, w.tenant.id))
    expect(t?.brokenReason).toMatch(/RetailCRM/)
    expect(w.uni.calls('importContacts')).toBe(0)
  })

  it('a segment that changes while being read finishes with additions only', async () => {
    const w = await makeWorld({ shop: smallShop(300, { size: 250 }, false) })
    await w.uni.seedContacts(w.account, [{ email: 'stranger@example.org', lists: [w.listId] }])
    const s = await w.start()
    if (!s.started) throw new Error()
    let changed = false
    await w.drain({
      onStep: async () => {
        const r = await w.run(s.runId)
        if (!changed && r.phase === 'read_crm' && JSON.parse(r.cursor).page > 1) {
          changed = true
          await w.crm.recalculate('seg', { add: 3, remove: 0 })
        }
      },
      extra: { pagesPerStep: 1 },
    })
    expect(changed).toBe(true)
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.additionsOnly).toBe(true)
    expect(run.errorMessage).toMatch(/removals were skipped/)
    expect(run.countsParsed.removed).toBe(0)
    expect(await w.listEmails()).toContain('stranger@example.org')
  })
})

async function reEncrypt(w: World, key: string) {
  const { encryptSecret, importKey, secretAad } = await import('../../src/lib/crypto')
  return encryptSecret(await importKey(env.ENCRYPTION_KEY!), key, secretAad.crmKey(w.tenant.id))
}

describe('faults of Unisender', () => {
  for (const [name, rule] of [
    ['5xx answers', { kind: 'http5xx', count: 3 }],
    [
      'timeouts after applying an import',
      { kind: 'timeout', afterApply: true, count: 2, timeoutMs: 1, methods: ['importContacts'] },
    ],
    [
      'timeouts of the export',
      {
        kind: 'timeout',
        count: 2,
        timeoutMs: 1,
        methods: ['async/exportContacts', 'async/getTaskResult'],
      },
    ],
    ['retry_later', { kind: 'retry_later', count: 3 }],
    ['call-rate limit answers', { kind: 'rate_limit', count: 3 }],
    ['random faults (30%)', { kind: 'retry_later', probability: 0.3 }],
  ] as const) {
    it(`survives ${name}`, async () => {
      const w = await world()
      await w.uni.seedContacts(w.account, [{ email: 'stranger@example.org', lists: [w.listId] }])
      w.uni.faults.set({
        rules: [{ ...rule, methods: 'methods' in rule ? [...rule.methods] : undefined }],
        seed: 3,
      })
      const run = await runClean(w)
      expect(run.status).toBe('done')
      expect(run.countsParsed.added).toBe(30)
      expect(run.countsParsed.removed).toBe(1)
      expect((await w.listEmails()).length).toBe(30)
    })
  }

  it('per-row import errors are recorded as rejects and counted', async () => {
    const w = await world()
    w.uni.faults.set({ rowErrors: { every: 7 } })
    const run = await runClean(w)
    expect(run.status).toBe('done')
    const rejects = await w.rejects(run.id)
    const refused = rejects.filter((r) => r.reason === 'rejected_by_unisender')
    expect(refused.length).toBe(4) // rows 7, 14, 21, 28 of 30
    expect(run.countsParsed.added).toBe(26)
    expect((await w.listEmails()).length).toBe(26)
  })

  it('an invalid API key fails the run with a clear reason', async () => {
    const w = await world()
    await w.uni.updateAccount(w.account, { apiEnabled: false })
    const run = await runClean(w)
    expect(run.status).toBe('failed')
    expect(run.errorCode).toBe('unisender_auth')
    expect(run.errorMessage).toMatch(/API/)
  })

  it('an export that never finishes: re-exported once, then additions only', async () => {
    const w = await makeWorld({
      shop: smallShop(20, { size: 10 }, false),
      exportReadyAfterPolls: 1_000_000,
    })
    w.uni.clock.set(0) // keep the emulator's clock from completing the export by time
    const s = await w.start()
    if (!s.started) throw new Error()
    await w.drain({ extra: { exportMaxPolls: 5 } })
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(run.additionsOnly).toBe(true)
    expect(w.uni.calls('async/exportContacts')).toBe(2)
    expect((await w.listEmails()).length).toBe(10)
  })
})

describe('account and tenant state', () => {
  it('a run of a tenant frozen in the marketplace stops without writing', async () => {
    const w = await world()
    await w.db.update(tenants).set({ frozen: true }).where(eq(tenants.id, w.tenant.id))
    const run = await runClean(w)
    expect(run.status).toBe('failed')
    expect(run.errorCode).toBe('tenant_inactive')
    expect(w.uni.calls('importContacts')).toBe(0)
  })

  it('an account in API test mode: the run says that nothing was changed', async () => {
    const w = await world()
    await w.uni.updateAccount(w.account, { testMode: true })
    // The account page records test mode when it checks the key (unisender_accounts.test_mode).
    await w.db
      .update(unisenderAccounts)
      .set({ testMode: true })
      .where(eq(unisenderAccounts.id, w.sync.unisenderAccountId))
    const run = await runClean(w)
    expect(run.status).toBe('done')
    expect(run.errorMessage).toMatch(/test mode/)
    expect(await w.listEmails()).toEqual([])
  })
})
