/** The `export_wait` and `read_list` phases (step-export.ts) against export file servers. */
import { describe, expect, it } from 'vitest'
import { makeWorld, smallShop } from '../support/world'

describe('export file servers', () => {
  it('reads the file in slices also from a server that ignores Range (200, whole body)', async () => {
    const w = await makeWorld({ shop: smallShop(40, { size: 30 }, false) })
    await w.uni.seedContacts(
      w.account,
      Array.from({ length: 60 }, (_, i) => ({ email: `old${i}@example.org`, lists: [w.listId] }))
    )
    let ignored = 0
    const s = await w.start()
    if (!s.started) throw new Error()
    await w.drain({
      extra: {
        sliceBytes: 512,
        fetch: (input, init) => {
          const headers = new Headers(init?.headers)
          if (headers.has('range')) {
            ignored++
            headers.delete('range')
          }
          return fetch(input, { ...init, headers })
        },
      },
    })
    const run = await w.run(s.runId)
    expect(ignored).toBeGreaterThan(3) // several slices were asked for
    expect(run.status).toBe('done')
    expect(run.countsParsed.listBefore).toBe(60)
    expect(run.countsParsed.removed).toBe(60)
    expect(run.countsParsed.added).toBe(30)
    expect((await w.listEmails()).length).toBe(30)
  })
})
