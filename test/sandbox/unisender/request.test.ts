/** Request encoding and protocol errors, as the real service answers them. */
import { describe, expect, it } from 'vitest'
import {
  callUnisender,
  installUnisenderSandbox,
  UNISENDER_API_URL,
} from '../../support/sandbox-unisender'

describe('Unisender emulator: requests', () => {
  it('answers a form-encoded POST with {result}', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    await uni.createList(acc, 'Клиенты')
    const res = await callUnisender('getLists', { api_key: acc.apiKey })
    expect(res).toEqual({
      status: 200,
      body: { result: [{ id: expect.any(Number), title: 'Клиенты' }] },
    })
  })

  it('accepts all parameters in a GET query', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const res = await fetch(`${UNISENDER_API_URL}/getLists?format=json&api_key=${acc.apiKey}`)
    expect(await res.json()).toEqual({ result: [] })
  })

  it('refuses parameters split between the query and the body (the documented mix error)', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const res = await callUnisender(
      'getLists',
      { platform: 'x' },
      {
        query: `format=json&api_key=${acc.apiKey}`,
      }
    )
    expect(res).toEqual({
      status: 200,
      body: {
        error: 'Call to a member function getMessage() on boolean',
        code: 'unspecified',
        result: '',
      },
    })
  })

  it('requires format=json', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const res = await callUnisender('getLists', { api_key: acc.apiKey }, { query: '' })
    expect(res.body).toMatchObject({ code: 'invalid_arg' })
  })

  it('also takes format=json from the body', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const res = await callUnisender(
      'getLists',
      { api_key: acc.apiKey, format: 'json' },
      { query: '' }
    )
    expect(res.body).toEqual({ result: [] })
  })

  it('decodes UTF-8 and refuses bytes that are not UTF-8', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const ok = await callUnisender('createList', { api_key: acc.apiKey, title: 'Постоянные «VIP»' })
    expect(ok.body).toEqual({ result: { id: expect.any(Number) } })
    expect((await uni.lists(acc)).map((l) => l.title)).toEqual(['Постоянные «VIP»'])
    // "Привет" in windows-1251, percent-encoded
    const res = await fetch(`${UNISENDER_API_URL}/createList?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `api_key=${acc.apiKey}&title=%CF%F0%E8%E2%E5%F2`,
    })
    expect(await res.json()).toMatchObject({ code: 'invalid_arg' })
    expect(await uni.lists(acc)).toHaveLength(1)
  })

  it('ignores a JSON body, as PHP does ($_POST stays empty)', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const res = await fetch(`${UNISENDER_API_URL}/getLists?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: acc.apiKey }),
    })
    expect(await res.json()).toMatchObject({ code: 'invalid_api_key' })
  })

  it('accepts multipart form data', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const form = new FormData()
    form.set('api_key', acc.apiKey)
    const res = await fetch(`${UNISENDER_API_URL}/getLists?format=json`, {
      method: 'POST',
      body: form,
    })
    expect(await res.json()).toEqual({ result: [] })
  })

  it('answers unknown_method for a method that does not exist', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const res = await callUnisender('getCurrentUserInfo', { api_key: acc.apiKey })
    expect(res).toMatchObject({ status: 200, body: { code: 'unknown_method' } })
  })

  it('answers invalid_api_key for a missing or wrong key (HTTP 200)', async () => {
    await installUnisenderSandbox()
    expect((await callUnisender('getLists', {})).body).toMatchObject({ code: 'invalid_api_key' })
    const res = await callUnisender('getLists', { api_key: 'nope-nope-nope' })
    expect(res).toMatchObject({ status: 200, body: { code: 'invalid_api_key', result: '' } })
    expect(typeof (res.body as { error: unknown }).error).toBe('string')
  })

  it('answers access_denied when the account has the API disabled', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount({ apiEnabled: false })
    expect((await callUnisender('getLists', { api_key: acc.apiKey })).body).toMatchObject({
      code: 'access_denied',
    })
  })

  it('serves the other documented languages and nothing else', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const en = await fetch(`${uni.origin}/en/api/getLists?format=json&api_key=${acc.apiKey}`)
    expect(await en.json()).toEqual({ result: [] })
    const xx = await fetch(`${uni.origin}/xx/api/getLists?format=json&api_key=${acc.apiKey}`)
    expect(xx.status).toBe(404)
  })

  it('counts calls per method', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    await callUnisender('getLists', { api_key: acc.apiKey })
    await callUnisender('getLists', { api_key: acc.apiKey })
    await callUnisender('unsubscribe', { api_key: 'bad-key-bad-key' })
    expect(uni.calls('getLists')).toBe(2)
    expect(uni.calls('unsubscribe')).toBe(1)
    expect(uni.calls('exclude')).toBe(0)
  })
})
