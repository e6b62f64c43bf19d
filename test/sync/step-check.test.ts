/**
 * The `check` phase (step-check.ts) in whole runs: the removal guard (with confirm and cancel), the
 * plan limit, and dry runs.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { cancelRun, confirmRun } from '../../src/sync/control'
import { getRunSample } from '../../src/sync/sample'
import { makeWorld, smallShop } from '../support/world'

/** A list of 200 strangers and a segment of 10: exact mode would remove 200 of 200. */
async function bigRemovalWorld() {
  const w = await makeWorld({ shop: smallShop(20, { size: 10 }, false), mode: 'exact' })
  await w.uni.seedContacts(
    w.account,
    Array.from({ length: 200 }, (_, i) => ({ email: `old${i}@example.org`, lists: [w.listId] }))
  )
  return w
}

describe('removal guard', () => {
  it('holds a run that would remove too much, writes nothing, and resumes on confirmation', async () => {
    const w = await bigRemovalWorld()
    const runId = await w.startAndDrain()
    let run = await w.run(runId)
    expect(run.status).toBe('needs_confirmation')
    expect(run.countsParsed.plannedRemove).toBe(200)
    expect(run.countsParsed.listBefore).toBe(200)
    expect(w.uni.calls('importContacts')).toBe(0)
    expect((await w.listEmails()).length).toBe(200)
    // The held run blocks a new one.
    expect(await w.start()).toEqual({ started: false, activeRunId: runId })
    const deps = { db: w.db, queue: w.queue, now: () => 0 }
    expect(await confirmRun(deps, { tenantId: w.tenant.id + 999, runId })).toBe(false)
    expect(await confirmRun(deps, { tenantId: w.tenant.id, runId })).toBe(true)
    expect(await confirmRun(deps, { tenantId: w.tenant.id, runId })).toBe(false) // double click
    await w.drain()
    run = await w.run(runId)
    expect(run.status).toBe('done')
    expect(run.countsParsed.removed).toBe(200)
    expect(run.countsParsed.added).toBe(10)
    expect((await w.listEmails()).length).toBe(10)
  })

  it('respects the per-sync threshold', async () => {
    const w = await makeWorld({
      shop: smallShop(20, { size: 10 }, false),
      sync: { guardPercent: 100, guardMinCount: 100 },
    })
    await w.uni.seedContacts(
      w.account,
      Array.from({ length: 150 }, (_, i) => ({ email: `old${i}@example.org`, lists: [w.listId] }))
    )
    const run = await w.run(await w.startAndDrain())
    expect(run.status).toBe('done')
    expect(run.countsParsed.removed).toBe(150)
  })

  it('a cancelled held run ends without writing and frees the sync', async () => {
    const w = await bigRemovalWorld()
    const runId = await w.startAndDrain()
    const deps = { db: w.db, queue: w.queue, now: () => 5 }
    expect(await cancelRun(deps, { tenantId: w.tenant.id, runId })).toBe(true)
    expect((await w.run(runId)).status).toBe('cancelled')
    expect(w.uni.calls('importContacts')).toBe(0)
    expect((await w.start()).started).toBe(true)
  })
})

describe('plan limit', () => {
  it('fails before writing when the additions do not fit, saying how many are missing', async () => {
    const w = await makeWorld({
      shop: smallShop(50, { size: 40 }, false),
      account: { contactLimit: 25 },
    })
    const run = await w.run(await w.startAndDrain())
    expect(run.status).toBe('failed')
    expect(run.errorCode).toBe('plan_limit')
    expect(run.errorMessage).toMatch(/15 are missing/)
    expect(run.errorMessage).toMatch(/Nothing was written/)
    // Checked before every run that adds, even one that fits in a single import call.
    expect(w.uni.calls('importContacts')).toBe(0)
    expect(await w.listEmails()).toEqual([])
    expect(await w.uni.contactCount(w.account)).toBe(0)
  })

  it('reports an import refused for the plan limit the same way', async () => {
    // getUserInfo says there is room, but other contacts fill the plan before the import.
    const w = await makeWorld({
      shop: smallShop(50, { size: 40 }, false),
      account: { contactLimit: 45 },
    })
    const s = await w.start()
    if (!s.started) throw new Error()
    let filled = false
    await w.drain({
      onStep: async () => {
        if (filled || (await w.run(s.runId)).phase !== 'write') return
        filled = true
        await w.uni.seedContacts(
          w.account,
          Array.from({ length: 10 }, (_, i) => ({ email: `other${i}@example.org` }))
        )
      },
    })
    expect(filled).toBe(true)
    const run = await w.run(s.runId)
    expect(run.status).toBe('failed')
    expect(run.errorCode).toBe('plan_limit')
    expect(run.errorMessage).toMatch(/5 are missing/)
  })
})

describe('an import refused partway for the plan limit', () => {
  it('reports exactly what was written (Unisender may import up to the limit, UNCONFIRMED)', async () => {
    // getUserInfo says there is room; other contacts fill the plan before the import, which then
    // imports 35 of the 40 new contacts and refuses (the emulator's partialPlanLimit).
    const w = await makeWorld({
      shop: smallShop(50, { size: 40 }, false),
      account: { contactLimit: 45 },
    })
    w.uni.faults.set({ partialPlanLimit: true })
    const s = await w.start()
    if (!s.started) throw new Error()
    let filled = false
    await w.drain({
      onStep: async () => {
        if (filled || (await w.run(s.runId)).phase !== 'write') return
        filled = true
        await w.uni.seedContacts(
          w.account,
          Array.from({ length: 10 }, (_, i) => ({ email: `other${i}@example.org` }))
        )
      },
    })
    const run = await w.run(s.runId)
    expect(run.status).toBe('failed')
    expect(run.errorCode).toBe('plan_limit')
    expect((await w.listEmails()).length).toBe(35)
    expect(run.countsParsed.added).toBe(35)
    expect(run.errorMessage).toMatch(/35 contacts were added before the limit was reached/)
    expect(run.errorMessage).toMatch(/5 are missing/)
    expect(run.errorMessage).not.toMatch(/Nothing was written/)
  })
})

describe('plan limit with several import calls', () => {
  it('is checked before the first import', async () => {
    const w = await makeWorld({
      shop: smallShop(1_300, { size: 1_200 }, false),
      account: { contactLimit: 1_000 },
    })
    const s = await w.start()
    if (!s.started) throw new Error()
    await w.drain()
    const run = await w.run(s.runId)
    expect(run.errorCode).toBe('plan_limit')
    expect(run.errorMessage).toMatch(/200 are missing/)
    expect(w.uni.calls('importContacts')).toBe(0)
  })
})

describe('dry run', () => {
  it('plans without writing and keeps a sample of each change', async () => {
    const w = await makeWorld({ shop: smallShop(30, { size: 20 }, false) })
    await w.uni.seedContacts(w.account, [{ email: 'stranger@example.org', lists: [w.listId] }])
    const runId = await w.startAndDrain({ dryRun: true })
    const run = await w.run(runId)
    expect(run.status).toBe('done')
    expect(run.dryRun).toBe(true)
    expect(run.countsParsed.plannedAdd).toBe(20)
    expect(run.countsParsed.plannedRemove).toBe(1)
    expect(run.countsParsed.added).toBe(0)
    expect(w.uni.calls('importContacts')).toBe(0)
    expect(run.errorMessage).toBeNull()
    const sample = await getRunSample(createDb(env.DB), w.tenant.id, runId)
    expect(sample.adds.length).toBe(20)
    expect(sample.removes).toEqual(['stranger@example.org'])
    expect(await getRunSample(createDb(env.DB), w.tenant.id + 1, runId)).toEqual({
      adds: [],
      removes: [],
      updates: [],
    })
  })

  it('warns when a real run would not fit the plan', async () => {
    const w = await makeWorld({
      shop: smallShop(30, { size: 20 }, false),
      account: { contactLimit: 12 },
    })
    const run = await w.run(await w.startAndDrain({ dryRun: true }))
    expect(run.status).toBe('done')
    expect(run.errorMessage).toMatch(/A real run would fail.*8 are missing/)
    expect(w.uni.calls('importContacts')).toBe(0)
  })

  it('does not create a list', async () => {
    const w = await makeWorld({
      shop: smallShop(10, { size: 5 }, false),
      sync: { createList: true },
    })
    const run = await w.run(await w.startAndDrain({ dryRun: true }))
    expect(run.status).toBe('done')
    expect(run.countsParsed.plannedAdd).toBe(5)
    expect(await w.uni.lists(w.account)).toEqual([])
  })
})
