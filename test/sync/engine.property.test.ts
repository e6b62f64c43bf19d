/**
 * End-to-end property: random segments, random lists (with contacts in other lists, unsubscribed
 * ones) and random fault schedules of both services; after a run, the mode's guarantee holds on the emulator's real
 * list, and nothing outside the list changed (other lists, statuses).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SyncMode } from '../../src/db/schema'
import { makeWorld, smallShop } from '../support/world'

const POOL = Array.from({ length: 24 }, (_, i) => `p${i}@example.net`)

const scenario = fc.record({
  mode: fc.constantFrom<SyncMode>('exact', 'union', 'subtract'),
  /** Emails of segment members 1..n (index into POOL, or -1 for an invalid one). */
  segment: fc.array(fc.integer({ min: -1, max: POOL.length - 1 }), { minLength: 0, maxLength: 12 }),
  /** List members: pool index, status, also in the other list. */
  list: fc.uniqueArray(
    fc.record({
      i: fc.integer({ min: 0, max: POOL.length - 1 }),
      status: fc.constantFrom('active', 'active', 'unsubscribed', 'blocked'),
      other: fc.boolean(),
    }),
    { selector: (m) => m.i, maxLength: 10 }
  ),
  fault: fc.constantFrom('none', 'retry_later', 'http5xx', 'rate_limit', 'timeout'),
  probability: fc.constantFrom(0.2, 0.4),
  seed: fc.integer({ min: 1, max: 1000 }),
  crmFault: fc.constantFrom(
    null,
    { errors: 2, errorStatus: 503 },
    { rateLimited: 2 },
    { hangs: 1, hangMs: 5 }
  ),
})

describe('end-to-end guarantees under random data and faults', () => {
  it('holds for every mode', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const n = sc.segment.length
        const w = await makeWorld({
          shop: smallShop(n + 2, { size: n }, false),
          mode: sc.mode,
          sync: { guardPercent: 100, guardMinCount: 1_000 },
        })
        for (const [k, idx] of sc.segment.entries())
          await w.crm.changeEmail(k + 1, idx < 0 ? `broken-${k}` : POOL[idx]!.toUpperCase())
        const other = await w.uni.createList(w.account, 'Other')
        await w.uni.seedContacts(
          w.account,
          sc.list.map((m) => ({
            email: POOL[m.i]!,
            status: m.status,
            lists: m.other ? [w.listId, other] : [w.listId],
          }))
        )
        const before = new Map(
          (await w.uni.members(other)).map((m) => [m.email, m.listStatus] as const)
        )
        const statuses = new Map(sc.list.map((m) => [POOL[m.i]!, m.status]))
        if (sc.fault !== 'none')
          w.uni.faults.set({
            rules: [
              {
                kind: sc.fault as 'retry_later',
                probability: sc.probability,
                ...(sc.fault === 'timeout' ? { timeoutMs: 1, afterApply: true } : {}),
              },
            ],
            seed: sc.seed,
          })
        if (sc.crmFault) w.crm.faults.set(sc.crmFault)
        const s = await w.start()
        if (!s.started) throw new Error('not started')
        await w.drain()
        const run = await w.run(s.runId)
        expect(run.status).toBe('done')

        const S = new Set(sc.segment.filter((i) => i >= 0).map((i) => POOL[i]!))
        const members = new Set((await w.uni.members(w.listId)).map((m) => m.email))
        const L0 = new Set(sc.list.map((m) => POOL[m.i]!))
        const blockedOrUnsub = (e: string) => (statuses.get(e) ?? 'active') !== 'active'
        if (sc.mode === 'exact') {
          for (const e of S) if (!blockedOrUnsub(e)) expect(members.has(e), e).toBe(true)
          for (const e of members) expect(S.has(e), e).toBe(true)
        } else if (sc.mode === 'union') {
          for (const e of L0) expect(members.has(e), e).toBe(true)
          for (const e of S) if (!blockedOrUnsub(e)) expect(members.has(e), e).toBe(true)
        } else {
          for (const e of S) expect(members.has(e), e).toBe(false)
          for (const e of L0) if (!S.has(e)) expect(members.has(e), e).toBe(true)
        }
        // Outside the list: the other list and every status are exactly as before.
        const after = new Map(
          (await w.uni.members(other)).map((m) => [m.email, m.listStatus] as const)
        )
        expect(after).toEqual(before)
        for (const [e, status] of statuses)
          expect((await w.uni.contact(w.account, e))?.status, e).toBe(status)
      }),
      { numRuns: 12, seed: 6 }
    )
  }, 120_000)
})
