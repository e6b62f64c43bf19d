/** GET/POST /notifications: the alert settings page (who, which events, mute and threshold per sync). */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { syncs, tenants } from '../../src/db/schema'
import { makeAccount, makeSync } from '../support/fixtures'
import { get, post } from '../support/requests'
import { makeSignedInSync } from '../support/world'

const db = createDb(env.DB)

describe('/notifications', () => {
  it('shows the defaults: administrators, every event, each sync unmuted at 20%', async () => {
    const w = await makeSignedInSync()
    const res = await get(w.session, '/notifications')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Всем администраторам RetailCRM')
    expect(html).toMatch(/id="rcp-admins"[^>]*checked/)
    expect(html).toMatch(/name="event_recovered"[^>]*checked/)
    expect(html).toContain(`name="reject_${w.sync.id}"`)
    expect(html).toContain('value="20"')
    expect(html).toContain('aria-current="page"')
  })

  it('saves chosen users, events, mute and threshold, only for the tenant’s own syncs', async () => {
    const w = await makeSignedInSync()
    const other = await makeSignedInSync()
    const res = await post(w.session, '/notifications', {
      recipients: 'users',
      userIds: '7, 12',
      event_failed: '1',
      event_recovered: '1',
      [`shown_${w.sync.id}`]: '1',
      [`mute_${w.sync.id}`]: '1',
      [`reject_${w.sync.id}`]: '35',
      [`shown_${other.sync.id}`]: '1',
      [`mute_${other.sync.id}`]: '1',
      [`reject_${other.sync.id}`]: '5',
    })
    expect(res.status).toBe(303)
    const [t] = await db.select().from(tenants).where(eq(tenants.id, w.tenantId))
    expect(t).toMatchObject({ notifyUserIds: '7,12', notifyEvents: 'failed,recovered' })
    const [s] = await db.select().from(syncs).where(eq(syncs.id, w.sync.id))
    expect(s).toMatchObject({ alertMuted: true, rejectAlertPercent: 35 })
    const [o] = await db.select().from(syncs).where(eq(syncs.id, other.sync.id))
    expect(o).toMatchObject({ alertMuted: false, rejectAlertPercent: 20 })
    const page = await (await get(w.session, '/notifications?done=saved')).text()
    expect(page).toContain('Настройки уведомлений сохранены')
    expect(page).toContain('value="7, 12"')
  })

  it('refuses user ids that are not numbers, and a missing CSRF token', async () => {
    const w = await makeSignedInSync()
    const bad = await post(w.session, '/notifications', { recipients: 'users', userIds: 'admin' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('Укажите ID пользователей числами')
    const noCsrf = await post(
      w.session,
      '/notifications',
      { recipients: 'admins' },
      { csrf: false }
    )
    expect(noCsrf.status).toBe(403)
  })

  it('the banner lists every sync that needs attention on every page, with a link to each', async () => {
    const w = await makeSignedInSync()
    const account = await makeAccount(w.tenantId)
    const second = await makeSync(w.tenantId, account.id, {
      segmentName: 'Архив',
      listTitle: 'Старые',
      state: 'paused',
      pausedReason: 'segment_missing',
    })
    for (const path of ['/syncs', '/accounts', '/faq', '/notifications']) {
      const html = await (await get(w.session, path)).text()
      expect(html).toContain('Синхронизации требуют внимания')
      expect(html).toContain(`href="/syncs/${second.id}"`)
      expect(html).toContain('сегмент удалён в RetailCRM')
    }
  })
})
