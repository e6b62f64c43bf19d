import { describe, expect, it } from 'vitest'
import { makeWorld, smallShop } from '../support/world'

describe('sync engine: exact mode end to end', () => {
  it('copies a segment into an empty list', async () => {
    const w = await makeWorld({ shop: smallShop(60, { size: 40 }, false) })
    const started = await w.start()
    expect(started.started).toBe(true)
    if (!started.started) return
    await w.drain()
    const run = await w.run(started.runId)
    expect(run.status).toBe('done')
    expect(run.errorMessage).toBeNull()
    expect(run.countsParsed.readFromCrm).toBe(40)
    expect(run.countsParsed.added).toBe(40)
    expect((await w.listEmails()).length).toBe(40)
  })
})
