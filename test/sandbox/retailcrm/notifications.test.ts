/** The emulator's notifications/send: the real request shape, checked, stored, shown on the page. */
import { beforeEach, describe, expect, it } from 'vitest'
import { createRetailCrmClient } from '../../../src/clients/retailcrm'
import { MESSAGE_MAX } from '../../../src/sandbox/retailcrm/notifications'
import { installRetailCrm, type RetailCrmSandbox } from '../../support/sandbox-retailcrm'

let crm: RetailCrmSandbox
let key: string

beforeEach(async () => {
  crm = await installRetailCrm()
  key = await crm.issueKey()
})

function send(notification: unknown) {
  return fetch(`${crm.origin}/api/v5/notifications/send`, {
    method: 'POST',
    headers: { 'X-API-KEY': key, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ notification: JSON.stringify(notification) }).toString(),
  })
}

describe('POST /api/v5/notifications/send', () => {
  it('records what the module client sends and shows it on the shop page and state', async () => {
    const client = createRetailCrmClient({ systemUrl: crm.origin, apiKey: key })
    await client.sendNotification({
      type: 'error',
      message: 'Синхронизация «VIP» остановилась',
      userGroups: ['superadmins'],
    })
    await client.sendNotification({ type: 'info', message: 'Снова работает', userIds: [3, 5] })
    const state = (await (await crm.fetch('/sandbox/state')).json()) as {
      notifications: { type: string; message: string }[]
    }
    expect(state.notifications.map((n) => [n.type, n.message])).toEqual([
      ['info', 'Снова работает'],
      ['error', 'Синхронизация «VIP» остановилась'],
    ])
    const page = await (await crm.fetch('/sandbox')).text()
    expect(page).toContain('Синхронизация «VIP» остановилась')
    expect(page).toContain('superadmins')
  })

  it.each([
    [{ type: 'error', message: 'x' }, 'userGroups'],
    [{ type: 'error', message: 'x', userGroups: ['a'], userIds: [1] }, 'userGroups'],
    [{ type: 'alert', message: 'x', userGroups: ['a'] }, 'type'],
    [{ type: 'info', message: '', userGroups: ['a'] }, 'message'],
    [{ type: 'info', message: 'x'.repeat(MESSAGE_MAX + 1), userGroups: ['a'] }, 'message'],
  ])('refuses a malformed notification %j with 400 naming %s', async (n, field) => {
    const res = await send(n)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { success: boolean; errors: Record<string, string> }
    expect(body.success).toBe(false)
    expect(Object.keys(body.errors)).toContain(field)
  })

  it('refuses a missing notification field and a wrong key', async () => {
    const missing = await fetch(`${crm.origin}/api/v5/notifications/send`, {
      method: 'POST',
      headers: { 'X-API-KEY': key },
    })
    expect(missing.status).toBe(400)
    const wrong = await fetch(`${crm.origin}/api/v5/notifications/send`, {
      method: 'POST',
      headers: { 'X-API-KEY': 'nope' },
    })
    expect(wrong.status).toBe(403)
  })
})
