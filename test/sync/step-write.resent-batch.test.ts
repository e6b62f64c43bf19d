/**
 * A reject must be true (issue #16, point 7). An import call can apply and still lose its answer
 * (a timeout, a killed process); the batch is then sent again, and the answer to that second call
 * may refuse a row the first call already added. Such a row is in the list, so it must not be
 * reported as "not imported": a refusal of a re-sent batch is checked against the list before it
 * becomes a reject. Reproduced with the Unisender emulator's faults: a timeout after applying, then
 * a per-row error on the re-sent call (its row counter moves on with every row it sees).
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { EngineDeps } from '../../src/sync/context'
import { processRunStep } from '../../src/sync/process'
import { get } from '../support/requests'
import { loginAs } from '../support/session'
import { makeWorld, smallShop, type World } from '../support/world'

/** Segment of 30 among 40 customers; the list holds one stranger (removed by an exact run). */
async function world() {
  const w = await makeWorld({ shop: smallShop(40, { size: 30 }, false) })
  await w.uni.seedContacts(w.account, [{ email: 'stranger@example.org', lists: [w.listId] }])
  return w
}

/** The one import batch of this world: 30 additions and 1 removal (31 rows). */
const BATCH_ROWS = 31

async function finish(w: World) {
  const s = await w.start()
  if (!s.started) throw new Error('not started')
  await w.drain()
  return w.run(s.runId)
}

/** Every reject of the run whose address is in the list after all (none may be). */
async function falseRejects(w: World, runId: number) {
  const list = new Set(await w.listEmails())
  return (await w.rejects(runId)).filter((r) => list.has(r.email)).map((r) => r.email)
}

/** The run's rejects CSV as the person downloads it. */
async function rejectsCsv(w: World, runId: number) {
  const s = await loginAs(w.tenant.id)
  const res = await get(s, `/syncs/${w.sync.id}/runs/${runId}/rejects.csv`)
  expect(res.status).toBe(200)
  return res.text()
}

describe('rejects of a batch sent again', () => {
  it('an import that applied and timed out: a refusal on the re-sent call is not a reject', async () => {
    const w = await world()
    w.uni.faults.set({
      rules: [
        { kind: 'timeout', afterApply: true, count: 1, timeoutMs: 1, methods: ['importContacts'] },
      ],
      // The first call sees rows 1..31 (none fails, all applied); the re-sent call's first row is
      // the 32nd row seen, and fails: "Temporary error, contact not imported".
      rowErrors: { every: BATCH_ROWS + 1 },
    })
    const run = await finish(w)
    expect(run.status).toBe('done')
    expect(w.uni.calls('importContacts')).toBe(2)
    expect(await w.listEmails()).toHaveLength(30)
    expect(await falseRejects(w, run.id)).toEqual([])
    expect(await w.rejects(run.id)).toEqual([])
    expect(run.countsParsed.added).toBe(30)
    expect(run.countsParsed.invalid).toBe(0)
    expect(w.uni.calls('getContact')).toBe(1) // the one refusal was checked in the list
    expect((await rejectsCsv(w, run.id)).replace(/^\uFEFF/, '')).toBe(
      '"email","reason","reason_text","detail"\r\n' // the header alone: nothing was refused
    )
  })

  it('the same after a process killed between the applied call and its commit', async () => {
    const w = await world()
    w.uni.faults.set({ rowErrors: { every: BATCH_ROWS + 1 } })
    const s = await w.start()
    if (!s.started) throw new Error('not started')
    // The first import call applies and answers; then the isolate dies before anything more is
    // committed (its next D1 batch never happens), and the queue delivers the message again.
    let applied = false
    let killed = false
    const extra: Partial<EngineDeps> = {
      fetch: async (input, init) => {
        const res = await fetch(input, init)
        if (String(input).endsWith('/importContacts')) applied = true
        return res
      },
      d1: new Proxy(env.DB, {
        get(target, prop) {
          if (prop === 'batch' && applied && !killed) {
            return async () => {
              killed = true
              throw new Error('isolate died')
            }
          }
          const v = Reflect.get(target, prop)
          return typeof v === 'function' ? v.bind(target) : v
        },
      }),
    }
    while (w.sent.length > 0) {
      const { msg } = w.sent.shift()!
      for (let attempts = 1; attempts < 5; attempts++) {
        try {
          const v = await processRunStep(env, msg, { attempts }, w.overrides(extra))
          if (v.kind === 'ack') break
        } catch (err) {
          if (!killed) throw err
        }
      }
    }
    expect(killed).toBe(true)
    expect(w.uni.calls('importContacts')).toBe(2)
    const run = await w.run(s.runId)
    expect(run.status).toBe('done')
    expect(await w.listEmails()).toHaveLength(30)
    expect(await falseRejects(w, run.id)).toEqual([])
    expect(run.countsParsed.added).toBe(30)
  })

  it('a row refused by every attempt stays a reject (it is not in the list)', async () => {
    const w = await world()
    await w.crm.changeEmail(1, 'refused@example.org') // customer 1 is in the segment
    w.uni.faults.set({
      rules: [
        { kind: 'timeout', afterApply: true, count: 1, timeoutMs: 1, methods: ['importContacts'] },
      ],
      rowErrors: { emails: ['refused@example.org'] },
    })
    const run = await finish(w)
    expect(run.status).toBe('done')
    expect(await w.listEmails()).not.toContain('refused@example.org')
    expect(await w.rejects(run.id)).toEqual([
      expect.objectContaining({ email: 'refused@example.org', reason: 'rejected_by_unisender' }),
    ])
    expect(run.countsParsed.added).toBe(29)
    expect(run.countsParsed.invalid).toBe(1)
    expect(w.uni.calls('getContact')).toBe(1)
    expect(await rejectsCsv(w, run.id)).toContain('"refused@example.org"')
  })

  it('rejects of a batch answered the first time are taken as they are (no extra calls)', async () => {
    const w = await world()
    w.uni.faults.set({ rowErrors: { every: 7 } })
    const run = await finish(w)
    expect((await w.rejects(run.id)).length).toBe(4)
    expect(w.uni.calls('getContact')).toBe(0)
    expect(await falseRejects(w, run.id)).toEqual([])
  })
})
