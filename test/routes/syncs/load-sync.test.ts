/**
 * Every `/syncs/:id…` route answers 404 for another tenant's sync (loadSync,
 * src/routes/syncs/load-sync.ts), and a run is only reachable through its own sync.
 */
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { getSync, listRuns, listSyncs } from '../../../src/db/queries/syncs'
import { makeAccount, makeRun, makeSync } from '../../support/fixtures'
import { get, post } from '../../support/requests'
import { loginAs } from '../../support/session'
import {
  makeConnectedTenant,
  makeSyncPagesWorld,
  type SyncPagesWorld,
  syncFormFields,
} from '../../support/world'

const db = () => createDb(env.DB)
let w: SyncPagesWorld

beforeEach(async () => {
  w = await makeSyncPagesWorld()
})

async function accountId(world: SyncPagesWorld) {
  const [s] = await listSyncs(db(), world.tenant.id)
  return s?.unisenderAccountId
}

describe('another tenant', () => {
  it('gets 404 for every id-bearing sync route', async () => {
    const other = (await makeConnectedTenant()).tenant.id
    const acc = await makeAccount(other)
    const sync = await makeSync(other, acc.id)
    const run = await makeRun(other, sync.id, { status: 'needs_confirmation' })
    const s = await loginAs(w.tenant.id)
    for (const path of [
      `/syncs/${sync.id}`,
      `/syncs/${sync.id}/edit`,
      `/syncs/${sync.id}/delete`,
      `/syncs/${sync.id}/progress`,
      `/syncs/${sync.id}/runs/${run.id}/rejects.csv`,
    ])
      expect((await get(s, path)).status, path).toBe(404)
    for (const path of [
      `/syncs/${sync.id}`,
      `/syncs/${sync.id}/delete`,
      `/syncs/${sync.id}/run`,
      `/syncs/${sync.id}/dry-run`,
      `/syncs/${sync.id}/pause`,
      `/syncs/${sync.id}/resume`,
      `/syncs/${sync.id}/activate`,
      `/syncs/${sync.id}/runs/${run.id}/confirm`,
      `/syncs/${sync.id}/runs/${run.id}/cancel`,
    ])
      expect((await post(s, path, {})).status, path).toBe(404)
    expect(await getSync(db(), other, sync.id)).toMatchObject({ state: 'active' })
    expect((await listRuns(db(), other, sync.id))[0]).toMatchObject({
      status: 'needs_confirmation',
    })
    expect(w.sent).toHaveLength(0)
  })

  it('cannot read a run of its own sync through another sync id', async () => {
    await post(w.session, '/syncs', await syncFormFields(w))
    const [mine] = await listSyncs(db(), w.tenant.id)
    const acc = await accountId(w)
    const second = await makeSync(w.tenant.id, acc!, { segmentId: 5, listId: 77 })
    const [run] = await listRuns(db(), w.tenant.id, mine!.id)
    expect((await get(w.session, `/syncs/${second.id}/runs/${run!.id}/rejects.csv`)).status).toBe(
      404
    )
  })
})
