/** Fault injection: latency, 5xx bursts, timeouts, retry_later, rate-limit answers, row errors. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import sandbox from '../../../src/sandbox/index'
import {
  callUnisender,
  importPairs,
  installUnisenderSandbox,
  UNISENDER_API_URL,
} from '../../support/sandbox-unisender'

describe('fault injection (test handle)', () => {
  it('adds latency to every call', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    uni.faults.set({ latencyMs: 250 })
    await callUnisender('getLists', { api_key: acc.apiKey })
    await callUnisender('getLists', { api_key: acc.apiKey })
    expect(uni.sleeps).toEqual([250, 250])
  })

  it('answers a burst of 5xx, then recovers', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    uni.faults.set({ rules: [{ kind: 'http5xx', count: 2, status: 502 }] })
    const statuses = []
    for (let i = 0; i < 3; i++)
      statuses.push((await callUnisender('getLists', { api_key: acc.apiKey })).status)
    expect(statuses).toEqual([502, 502, 200])
  })

  it('answers retry_later and the rate-limit error on chosen methods only', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    uni.faults.set({
      rules: [
        { kind: 'retry_later', count: 1, methods: ['importContacts'] },
        { kind: 'rate_limit', count: 1, methods: ['getUserInfo'] },
      ],
    })
    expect((await callUnisender('getLists', { api_key: acc.apiKey })).body).toEqual({ result: [] })
    const imp = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email'], [['a@example.ru']])
    )
    expect(imp.body).toMatchObject({ code: 'retry_later' })
    expect(await uni.contactCount(acc)).toBe(0)
    const info = await callUnisender('getUserInfo', { api_key: acc.apiKey })
    expect(info.body).toMatchObject({ code: 'api_call_limit_exceeded_for_api_key' })
    expect((await callUnisender('getUserInfo', { api_key: acc.apiKey })).body).toMatchObject({
      result: { login: acc.login },
    })
  })

  it('times out: hangs until the client aborts, without applying the call', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    uni.faults.set({ rules: [{ kind: 'timeout', count: 1, timeoutMs: 30_000 }] })
    // The recorded sleep resolves at once, so the hang ends with a gateway timeout.
    const res = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email'], [['a@example.ru']])
    )
    expect(res.status).toBe(504)
    expect(uni.sleeps).toEqual([30_000])
    expect(await uni.contactCount(acc)).toBe(0)
  })

  it('rejects the pending call when the client aborts', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    let release = () => {}
    uni.state.faults.set({ rules: [{ kind: 'timeout', count: 1 }] })
    // Replace the recorded sleep by one that never ends for this test.
    ;(uni.state as { sleep: (ms: number) => Promise<void> }).sleep = () =>
      new Promise((r) => {
        release = r
      })
    const ctrl = new AbortController()
    const pending = fetch(`${UNISENDER_API_URL}/getLists?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `api_key=${acc.apiKey}`,
      signal: ctrl.signal,
    })
    ctrl.abort(new Error('client timeout'))
    await expect(pending).rejects.toThrow(/client timeout|abort/i)
    release()
  })

  it('can time out after applying the call (the client cannot know it worked)', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    uni.faults.set({ rules: [{ kind: 'timeout', count: 1, afterApply: true }] })
    const res = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email'], [['a@example.ru']])
    )
    expect(res.status).toBe(504)
    expect(await uni.contactCount(acc)).toBe(1)
  })

  it('fails chosen import rows into log without importing them', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    uni.faults.set({ rowErrors: { emails: ['B@example.ru'] } })
    const res = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email'], [['a@example.ru'], ['b@example.ru'], ['c@example.ru']])
    )
    expect(res.body).toMatchObject({
      result: { total: 3, inserted: 2, log: [{ index: 1, code: 'unspecified' }] },
    })
    expect(await uni.contact(acc, 'b@example.ru')).toBeNull()
  })

  it('applies probabilistic faults reproducibly from a seed', async () => {
    const run = async () => {
      const uni = await installUnisenderSandbox()
      const acc = await uni.createAccount()
      uni.faults.set({ seed: 42, rules: [{ kind: 'retry_later', probability: 0.5 }] })
      const out: string[] = []
      for (let i = 0; i < 20; i++) {
        const b = (await callUnisender('getLists', { api_key: acc.apiKey })).body as {
          code?: string
        }
        out.push(b.code ?? 'ok')
      }
      return out
    }
    const a = await run()
    expect(a).toEqual(await run())
    expect(a).toContain('ok')
    expect(a).toContain('retry_later')
  })
})

describe('control endpoint (sandbox Worker at /unisender)', () => {
  const bindings = { SANDBOX_DB: env.SANDBOX_DB, SANDBOX_ENABLED: '1' }
  const at = (path: string, init?: RequestInit) =>
    sandbox.fetch(new Request(`http://localhost:8788/unisender${path}`, init), bindings)

  it('sets faults, creates accounts, seeds contacts and reports call counts', async () => {
    const put = await at('/control/faults', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ kind: 'http5xx', count: 1 }] }),
    })
    expect(put.status).toBe(200)
    const created = await at('/control/accounts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'bench', apiKey: 'bench-key-0001', contactLimit: 2_000_000 }),
    })
    expect(created.status).toBe(201)
    const seeded = await at('/control/seed', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'bench', listTitle: 'Big', count: 300 }),
    })
    expect(await seeded.json()).toMatchObject({ ok: true, seeded: 300 })
    const form = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'api_key=bench-key-0001',
    }
    expect(
      (
        await at('/ru/api/getTotalContactsCount?format=json', {
          ...form,
          body: 'api_key=bench-key-0001&login=bench',
        })
      ).status
    ).toBe(503)
    const total = await at('/ru/api/getTotalContactsCount?format=json', {
      ...form,
      body: 'api_key=bench-key-0001&login=bench',
    })
    expect(await total.json()).toEqual({ result: { total: 300 } })
    const state = await (await at('/control/state')).json()
    expect(state).toMatchObject({ calls: { getTotalContactsCount: 2 } })
    expect((await at('/control/faults', { method: 'DELETE' })).status).toBe(200)
  })

  it('refuses invalid fault settings', async () => {
    const res = await at('/control/faults', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ kind: 'explode' }] }),
    })
    expect(res.status).toBe(400)
  })
})
