/** The first step (step-start.ts): a list created with the segment's name, once. */
import { describe, expect, it } from 'vitest'
import { makeWorld, smallShop } from '../support/world'

describe('create a list with the same name', () => {
  it('creates it once and stores it on the sync', async () => {
    const w = await makeWorld({
      shop: smallShop(10, { size: 5 }, false),
      sync: { createList: true },
    })
    await w.startAndDrain()
    const lists = await w.uni.lists(w.account)
    expect(lists.map((l) => l.title)).toEqual(['Seg'])
    expect((await w.syncRow()).listId).toBe(lists[0]!.id)
    expect((await w.listEmails(lists[0]!.id)).length).toBe(5)
    await w.startAndDrain()
    expect(w.uni.calls('createList')).toBe(1)
  })

  it('reuses a list that already has the title', async () => {
    const w = await makeWorld({
      shop: smallShop(10, { size: 5 }, false),
      sync: { createList: true },
    })
    const existing = await w.uni.createList(w.account, 'Seg')
    await w.startAndDrain()
    expect(w.uni.calls('createList')).toBe(0)
    expect((await w.syncRow()).listId).toBe(existing)
  })

  it('re-reads the lists when createList fails after creating (lost answer)', async () => {
    const w = await makeWorld({
      shop: smallShop(10, { size: 5 }, false),
      sync: { createList: true },
    })
    w.uni.faults.set({
      rules: [
        { kind: 'timeout', afterApply: true, count: 1, methods: ['createList'], timeoutMs: 1 },
      ],
    })
    const run = await w.run(await w.startAndDrain())
    expect(run.status).toBe('done')
    expect((await w.uni.lists(w.account)).length).toBe(1)
  })
})
