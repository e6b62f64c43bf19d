/**
 * A full run's /customers page size (#17): 250 where the CRM serves it, else one refused call and
 * 100 from then on (remembered per tenant); a run that loses 250 midway steps down to 100 from the
 * same customer, so every customer is read exactly once and removals still happen.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { parseApiCalls } from '../../src/sync/api-calls'
import type { EngineDeps } from '../../src/sync/context'
import { INCOMPLETE_PAGES } from '../../src/sync/crm-page'
import { parseCursor } from '../../src/sync/state'
import { makeWorld, segmentEmails, smallShop, type World } from '../support/world'

const N = 1_234

/** A world whose segment has N clean members and whose list holds 20 strangers to remove. */
async function world(): Promise<World> {
  const w = await makeWorld({ shop: smallShop(N + 66, { size: N }, false) })
  await w.uni.seedContacts(
    w.account,
    Array.from({ length: 20 }, (_, i) => ({ email: `stranger${i}@example.org`, lists: [w.listId] }))
  )
  return w
}

async function storedSize(w: World) {
  const row = await env.DB.prepare('SELECT crm_customers_page AS p FROM tenants WHERE id = ?')
    .bind(w.tenant.id)
    .first<{ p: number | null }>()
  return row?.p ?? null
}

/** Runs the sync to its end; returns the run, its /customers calls and its cursor. */
async function fullRun(
  w: World,
  onStep?: (runId: number) => unknown,
  extra: Partial<EngineDeps> = {}
) {
  const s = await w.start()
  if (!s.started) throw new Error('not started')
  // One page a step, so a test can change the CRM between any two pages.
  await w.drain({ extra: { pagesPerStep: 1, ...extra }, onStep: () => onStep?.(s.runId) })
  const run = await w.run(s.runId)
  return {
    run,
    pages: parseApiCalls(run.apiCalls).detail['retailcrm:customers'],
    cursor: parseCursor(run.cursor),
  }
}

/** The run read every member once, made the list equal the segment and removed the strangers. */
async function expectExact(w: World, r: Awaited<ReturnType<typeof fullRun>>) {
  expect(r.run.status).toBe('done')
  expect(r.run.additionsOnly).toBe(false)
  expect(r.run.countsParsed.readFromCrm).toBe(N)
  expect(r.run.countsParsed.removed).toBe(20)
  expect(await w.listEmails()).toEqual(await segmentEmails(w))
}

describe('full read page size', { timeout: 60_000 }, () => {
  it('reads 250 a page where the CRM serves it, and stores nothing', async () => {
    const w = await world()
    w.crm.faults.set({ customers250: 'accept' })
    const r = await fullRun(w)
    await expectExact(w, r)
    expect(r.pages).toBe(Math.ceil(N / 250))
    expect(r.cursor.crmLimit).toBe(250)
    expect(await storedSize(w)).toBeNull()
  })

  it.each(['refuse', 'clamp'] as const)(
    'falls back to 100 after one call when the CRM answers 250 with %s, and remembers it',
    async (mode) => {
      const w = await world()
      w.crm.faults.set({ customers250: mode })
      const first = await fullRun(w)
      await expectExact(w, first)
      expect(first.pages).toBe(1 + Math.ceil(N / 100))
      expect(first.cursor.crmLimit).toBe(100)
      expect(await storedSize(w)).toBe(100)
      await w.crm.recalculate('seg', { add: 5, remove: 5 })
      const second = await fullRun(w)
      expect(second.run.status).toBe('done')
      expect(second.pages).toBe(Math.ceil(N / 100)) // no second try of 250
      expect(await w.listEmails()).toEqual(await segmentEmails(w))
    }
  )

  it.each([
    ['refuse', 1],
    ['clamp', 1],
    ['refuse', 2],
  ] as const)(
    'steps down mid-run (%s after %i pages of 250) without skipping or re-reading anyone',
    async (mode, afterPages) => {
      const w = await world()
      w.crm.faults.set({ customers250: 'accept' })
      let switched = false
      const r = await fullRun(w, async (runId) => {
        const c = parseCursor((await w.run(runId)).cursor)
        if (!switched && c.crmLimit === 250 && c.page > afterPages) {
          switched = true
          w.crm.faults.set({ customers250: mode })
        }
      })
      expect(switched).toBe(true)
      await expectExact(w, r)
      expect(r.cursor.crmLimit).toBe(100)
      // afterPages of 250, one refused or mismatched call, then the 100-pages from the one that
      // holds customer afterPages × 250 + 1 (its first 50 dropped when afterPages is odd).
      const firstSmall = Math.floor((afterPages * 250) / 100) + 1
      expect(r.pages).toBe(afterPages + 1 + Math.ceil(N / 100) - firstSmall + 1)
      expect(await storedSize(w)).toBe(100)
    }
  )

  it('resumes at its pinned size after failed attempts, then steps down', async () => {
    const w = await world()
    w.crm.faults.set({ customers250: 'accept' })
    let switched = false
    const r = await fullRun(w, async (runId) => {
      const c = parseCursor((await w.run(runId)).cursor)
      if (!switched && c.crmLimit === 250 && c.page > 1) {
        switched = true
        // Two 5xx answers (two queue retries of the step at 250), then 250 refused.
        w.crm.faults.set({ customers250: 'refuse', errors: 2 })
      }
    })
    await expectExact(w, r)
    expect(r.cursor.crmLimit).toBe(100)
    // One page of 250; the retried step asked 250 three times (5xx, 5xx, refused); then the
    // 100-pages from the one holding customer 251 (page 3, its first 50 dropped) to the end.
    expect(r.pages).toBe(1 + 3 + Math.ceil(N / 100) - 2)
  })

  it('only adds when a page at 100 does not line up (its page count is off its total)', async () => {
    const w = await world()
    const skewed: EngineDeps['fetch'] = async (input, init) => {
      const res = await fetch(input, init)
      const url = new URL(input instanceof Request ? input.url : String(input))
      const isPage3 =
        url.searchParams.get('page') === '3' && url.searchParams.get('limit') === '100'
      if (!url.pathname.endsWith('/api/v5/customers') || !res.ok || !isPage3) return res
      const body = (await res.json()) as { pagination: { totalPageCount: number } }
      body.pagination.totalPageCount += 1
      return Response.json(body)
    }
    const r = await fullRun(w, undefined, { fetch: skewed })
    expect(r.run.status).toBe('done')
    expect(r.run.additionsOnly).toBe(true)
    expect(r.cursor.incomplete).toBe(INCOMPLETE_PAGES)
    expect(r.run.countsParsed.removed).toBe(0)
    expect((await w.listEmails()).length).toBe((await segmentEmails(w)).length + 20)
  })
})
