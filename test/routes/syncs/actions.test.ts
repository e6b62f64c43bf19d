/**
 * The buttons of the sync page (src/routes/syncs/actions.ts, and delete in index.tsx): run now, dry
 * run, pause and resume, activate a draft, delete, each CSRF-checked.
 */
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { getSync, listRuns } from '../../../src/db/queries/syncs'
import type { Sync } from '../../../src/db/schema'
import { makeSync } from '../../support/fixtures'
import { get, post } from '../../support/requests'
import type { TestSession } from '../../support/session'
import { makeSignedInSync } from '../../support/world'

const db = () => createDb(env.DB)

let tenantId: number
let s: TestSession
let sync: Sync

beforeEach(async () => {
  ;({ tenantId, session: s, sync } = await makeSignedInSync())
})

describe('actions', () => {
  it('"Запустить сейчас" starts a manual run, and says so when one is already running', async () => {
    const first = await post(s, `/syncs/${sync.id}/run`, {})
    expect(first.headers.get('location')).toBe(`/syncs/${sync.id}?done=started`)
    expect((await listRuns(db(), tenantId, sync.id))[0]).toMatchObject({
      trigger: 'manual',
      dryRun: false,
    })
    const second = await post(s, `/syncs/${sync.id}/run`, {})
    expect(second.headers.get('location')).toBe(`/syncs/${sync.id}?done=running`)
    expect(await (await get(s, `/syncs/${sync.id}?done=running`)).text()).toContain(
      'Запуск уже идёт'
    )
    expect(await listRuns(db(), tenantId, sync.id)).toHaveLength(1)
  })

  it('"Пробный запуск" starts a dry run', async () => {
    await post(s, `/syncs/${sync.id}/dry-run`, {})
    expect((await listRuns(db(), tenantId, sync.id))[0]).toMatchObject({ dryRun: true })
  })

  it('pauses and resumes', async () => {
    await post(s, `/syncs/${sync.id}/pause`, {})
    expect(await getSync(db(), tenantId, sync.id)).toMatchObject({
      state: 'paused',
      pausedReason: 'user',
    })
    expect(await (await get(s, '/syncs')).text()).toContain('Приостановлена')
    await post(s, `/syncs/${sync.id}/resume`, {})
    expect(await getSync(db(), tenantId, sync.id)).toMatchObject({
      state: 'active',
      pausedReason: null,
    })
  })

  it('does not resume a sync whose account was deleted; it says to choose another account', async () => {
    const paused = await makeSync(tenantId, sync.unisenderAccountId, {
      segmentId: 9,
      state: 'paused',
      pausedReason: 'account_deleted',
    })
    await post(s, `/syncs/${paused.id}/resume`, {})
    expect((await getSync(db(), tenantId, paused.id))!.state).toBe('paused')
    expect(await (await get(s, `/syncs/${paused.id}`)).text()).toContain('Выберите другой аккаунт')
  })

  it('activates a draft with "Сохранить и запустить"', async () => {
    const draft = await makeSync(tenantId, sync.unisenderAccountId, {
      segmentId: 8,
      state: 'paused',
      pausedReason: 'draft',
    })
    await post(s, `/syncs/${draft.id}/activate`, {})
    expect(await getSync(db(), tenantId, draft.id)).toMatchObject({
      state: 'active',
      pausedReason: null,
    })
    expect((await listRuns(db(), tenantId, draft.id))[0]).toMatchObject({
      trigger: 'create',
      dryRun: false,
    })
  })

  it('deletes after a confirmation that says the Unisender list stays', async () => {
    const page = await (await get(s, `/syncs/${sync.id}/delete`)).text()
    expect(page).toContain('Список «Клиенты» в Unisender и его подписчики останутся без изменений')
    const res = await post(s, `/syncs/${sync.id}/delete`, {})
    expect(res.headers.get('location')).toBe('/syncs?done=deleted')
    expect(await getSync(db(), tenantId, sync.id)).toBeNull()
  })

  it('rejects action posts without the CSRF token', async () => {
    for (const a of ['run', 'dry-run', 'pause', 'delete'])
      expect((await post(s, `/syncs/${sync.id}/${a}`, {}, { csrf: false })).status).toBe(403)
    expect(await getSync(db(), tenantId, sync.id)).toMatchObject({ state: 'active' })
    expect(await listRuns(db(), tenantId, sync.id)).toHaveLength(0)
  })

  it('answers 404 for ids that are not numbers', async () => {
    expect((await get(s, '/syncs/abc')).status).toBe(404)
    expect((await get(s, '/syncs/0')).status).toBe(404)
  })
})
