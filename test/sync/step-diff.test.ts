/**
 * The diff taken in slices of large partitions (diff-slice.ts) plans exactly what it plans in
 * whole partitions: the same list afterwards, the same counts, the same import calls, the same
 * holder index, and refusals carried to the next run all the same.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ShopDefinition } from '../../src/sandbox/retailcrm/shops'
import { SIDES } from '../../src/sync/state'
import { makeWorld, segmentEmails, smallShop } from '../support/world'

/** A 300-member segment and a list with members, strangers, unsubscribed and other-list contacts. */
async function world(shop: ShopDefinition, diffEmailsPerStep: number) {
  const w = await makeWorld({
    shop,
    mode: 'exact',
    sync: { guardPercent: 100, guardMinCount: 1e6 },
  })
  const other = await w.uni.createList(w.account, 'Other')
  // The shop's own (clean, unique) addresses of the 300 members: no per-customer CRM writes.
  const seg = await segmentEmails(w)
  expect(seg).toHaveLength(300)
  await w.uni.seedContacts(w.account, [
    ...seg.slice(0, 120).map((email) => ({ email, lists: [w.listId] })),
    ...seg
      .slice(120, 130)
      .map((email) => ({ email, status: 'unsubscribed' as const, lists: [other] })),
    ...Array.from({ length: 90 }, (_, i) => ({
      email: `stranger${i}@example.org`,
      lists: i % 3 === 0 ? [w.listId, other] : [w.listId],
    })),
  ])
  const run = async () => {
    const started = await w.start()
    if (!started.started) throw new Error('not started')
    // The list file is read in one slice: only the diff's own steps differ between the budgets.
    const steps = await w.drain({ extra: { diffEmailsPerStep, sliceBytes: 64_000 } })
    return { ...(await w.run(started.runId)), steps }
  }
  const holderIndex = async (runId: number) => {
    const res = await env.DB.prepare('SELECT data FROM run_chunks WHERE run_id = ? AND side = ?')
      .bind(runId, SIDES.holders)
      .all<{ data: string }>()
    return res.results.flatMap((r) => r.data.split('\n')).sort()
  }
  return { w, run, holderIndex }
}

describe('diff in slices', () => {
  // Four whole runs, two of them with ~3 slices of every partition (~100 engine steps in all):
  // inherently the heaviest engine test, hence its own timeout.
  it('plans the same as whole partitions, and carries refusals the same', async () => {
    const outcomes = []
    // One world at a time: the Unisender emulator's call counter belongs to the latest install.
    for (const budget of [1_000_000, 12]) {
      const x = await world(smallShop(340, { size: 300 }, false), budget)
      const first = await x.run()
      const importsAfterFirst = x.w.uni.calls('importContacts')
      const second = await x.run()
      outcomes.push({
        steps: first.steps,
        status: [first.status, second.status],
        counts: [first.countsParsed, second.countsParsed],
        imports: [importsAfterFirst, x.w.uni.calls('importContacts') - importsAfterFirst],
        list: await x.w.listEmails(),
        index: await x.holderIndex(first.id),
      })
    }
    const [a, b] = outcomes
    expect(b!.steps).toBeGreaterThan(a!.steps + 16) // the small budget really sliced partitions
    expect(a!.status).toEqual(['done', 'done'])
    expect(b!.status).toEqual(a!.status)
    expect(b!.counts).toEqual(a!.counts)
    expect(b!.imports).toEqual(a!.imports)
    expect(a!.imports[1]).toBe(0) // the refused (unsubscribed) members are not re-sent
    expect(b!.list).toEqual(a!.list)
    expect(a!.list).toHaveLength(290) // the segment minus the 10 unsubscribed in Unisender
    expect(b!.index).toEqual(a!.index)
    expect(a!.index.length).toBe(300)
  }, 30_000)
})
