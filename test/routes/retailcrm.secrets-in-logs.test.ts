import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { fakeCrm } from '../support/fake-crm'
import { handoff, postForm, register } from '../support/marketplace'

const methods = ['log', 'info', 'warn', 'error', 'debug'] as const
let lines: string[] = []

beforeEach(() => {
  lines = []
  for (const m of methods) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      lines.push(
        args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' ')
      )
    })
  }
})
afterEach(() => vi.restoreAllMocks())

describe('secrets never reach the logs or final URLs', () => {
  it('through connect, reconnect, failures, login, activity and settings', async () => {
    const shop = 'https://logs-shop.retailcrm.ru'
    const apiKey = 'LOGSECRET-crm-key-0001'
    const crm = fakeCrm(shop)
    expect(await (await register({ systemUrl: shop, apiKey })).json()).toMatchObject({
      success: true,
    })
    const clientId = crm.calls[1]!.module!.clientId as string

    // failures that log: forged token, refused /edit, unusable systemUrl in activity
    await register({ systemUrl: shop, apiKey: 'LOGSECRET-forged', token: 'b'.repeat(64) })
    fakeCrm(shop, { editError: { status: 500, body: { success: false, errorMsg: 'boom' } } })
    await register({ systemUrl: shop, apiKey: 'LOGSECRET-crm-key-0002' })
    await postForm('/retailcrm/activity', {
      clientId,
      systemUrl: 'https://evil.example.com',
      activity: '{"active":true,"freeze":false}',
    })
    await postForm('/retailcrm/settings', { clientId, settings: '{"system_language":"en"}' })

    const finalUrls: string[] = []
    for (const path of [`/retailcrm/login?clientId=${clientId}`, `/retailcrm/login/${clientId}`]) {
      const res = await createApp().request(
        `https://module.test${path}`,
        { redirect: 'manual', headers: { referer: `${shop}/admin/integration` } },
        env
      )
      finalUrls.push(res.headers.get('location') ?? '')
    }
    const posted = await handoff(clientId, shop)
    finalUrls.push(posted.headers.get('location') ?? '')
    // a config error logs too: it must not echo the request either
    await register({ systemUrl: shop, apiKey }, { ENCRYPTION_KEY: undefined })

    expect(finalUrls).toEqual(['/', '/', '/'])
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) {
      expect(line).not.toContain(clientId)
      expect(line).not.toContain('LOGSECRET')
    }
  })
})
