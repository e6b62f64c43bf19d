/**
 * Contact fields in incremental runs (#15, src/sync/field-reread.ts): the customers an incremental
 * run adds are re-read by id and added with their values, in union and exact mode; a sync without
 * fields still reads nothing from the CRM.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { SyncMode } from '../../src/db/schema'
import { settle } from '../support/incremental'
import { tickAndPoll } from '../support/schedule-queue'
import {
  lastRun,
  makeWorld,
  schedulerFor,
  segmentEmails,
  smallShop,
  type World,
} from '../support/world'

const MAP = JSON.stringify([{ source: 'city', target: 'city', type: 'string' }])

/** Active members of the list with their `city` value. */
async function cities(w: World): Promise<Map<string, string | undefined>> {
  const res = await env.SANDBOX_DB.prepare(
    `SELECT c.email, v.value FROM uni_members m JOIN uni_contacts c ON c.id = m.contact_id
       LEFT JOIN uni_field_values v ON v.contact_id = c.id AND v.name = 'city'
      WHERE m.list_id = ? AND m.status = 'active'`
  )
    .bind(w.listId)
    .all<{ email: string; value: string | null }>()
  return new Map(res.results.map((r) => [r.email, r.value ?? undefined]))
}

describe('incremental runs with contact fields', { timeout: 20_000 }, () => {
  for (const mode of ['union', 'exact'] as SyncMode[])
    it(`${mode}: joining members are added with their values, re-read by id`, async () => {
      const w = await makeWorld({
        shop: smallShop(300, { size: 100 }, false),
        mode,
        sync: { fieldMap: MAP },
      })
      const deps = await schedulerFor(w)
      await settle(w, deps)
      expect((await lastRun(w)).status).toBe('done')
      await w.crm.recalculate('seg', { add: 5, remove: 0 })
      const tick = await tickAndPoll(deps)
      expect(tick.dispatch.started.map((s) => s.kind)).toEqual(['incremental'])
      await w.drain()
      const run = await lastRun(w)
      expect([run.kind, run.status]).toEqual(['incremental', 'done'])
      expect(JSON.parse(run.counts)).toMatchObject({ added: 5 })
      // One CRM call re-read the 5 joining customers for their values.
      expect(JSON.parse(run.apiCalls).retailcrm).toBe(1)
      const members = await cities(w)
      expect([...members.keys()].sort()).toEqual(await segmentEmails(w))
      for (const [email, city] of members) expect(city, email).toBeTruthy()
    })
})
