import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/clients/errors'
import { createUnisenderClient } from '../../src/clients/unisender'
import { outbound } from '../support/outbound'

const API = 'https://api.unisender.test/ru/api'

/** Records requests and answers with the given JSON. */
function serve(answer: (form: URLSearchParams, url: URL) => unknown) {
  const seen: { url: URL; form: URLSearchParams }[] = []
  outbound.route(API, async (req) => {
    const form = new URLSearchParams(await req.text())
    const url = new URL(req.url)
    seen.push({ url, form })
    return Response.json(answer(form, url))
  })
  return seen
}

const client = () => createUnisenderClient({ apiUrl: API, apiKey: 'KEY-123' })

describe('unisender client', () => {
  it('sends every parameter in a form POST body, none in the URL', async () => {
    const seen = serve(() => ({ result: [{ id: 5, title: 'VIP' }] }))
    expect(await client().getLists()).toEqual([{ id: 5, title: 'VIP' }])
    expect(seen[0]?.url.pathname).toBe('/ru/api/getLists')
    expect(seen[0]?.url.search).toBe('')
    expect(seen[0]?.form.get('api_key')).toBe('KEY-123')
    expect(seen[0]?.form.get('format')).toBe('json')
  })

  it('encodes importContacts as field_names[i] / data[i][j] and never overwrites lists or tags', async () => {
    const seen = serve(() => ({
      result: { total: 2, inserted: 1, updated: 1, deleted: 0, new_emails: 1, invalid: 0, log: [] },
    }))
    const res = await client().importContacts(
      ['email', 'email_list_ids'],
      [
        ['a@x.ru', '7'],
        ['b@x.ru', '7'],
      ]
    )
    expect(res.inserted).toBe(1)
    const f = seen[0]!.form
    expect([f.get('field_names[0]'), f.get('field_names[1]')]).toEqual(['email', 'email_list_ids'])
    expect([f.get('data[0][0]'), f.get('data[1][1]')]).toEqual(['a@x.ru', '7'])
    expect(f.get('overwrite_lists')).toBe('0')
    expect(f.get('overwrite_tags')).toBe('0')
  })

  it('refuses more than 500 rows and the delete field before calling the API', () => {
    const rows = Array.from({ length: 501 }, (_, i) => [`u${i}@x.ru`])
    expect(() => client().importContacts(['email'], rows)).toThrow(RangeError)
    expect(() => client().importContacts(['email', 'delete'], [['a@x.ru', '1']])).toThrow(
      RangeError
    )
  })

  it.each([
    ['invalid_api_key', 'auth'],
    ['access_denied', 'auth'],
    ['retry_later', 'retryable'],
    ['api_call_limit_exceeded_for_api_key', 'retryable'],
    ['invalid_arg', 'fatal'],
    ['unspecified', 'fatal'],
  ])('classifies error code %s as %s', async (code, kind) => {
    serve(() => ({ error: `Error &quot;${code}&quot;`, code, result: '' }))
    const err = await client()
      .getUserInfo()
      .catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.kind).toBe(kind)
    expect(err.code).toBe(code)
    expect(err.message).toContain(`"${code}"`)
    expect(err.message).not.toContain('KEY-123')
  })

  it('treats HTTP 5xx as retryable', async () => {
    outbound.route(API, () => new Response('oops', { status: 502 }))
    const err = await client()
      .getLists()
      .catch((e) => e)
    expect(err).toMatchObject({ kind: 'retryable', code: '502' })
  })

  it('turns a hanging call into a retryable timeout', async () => {
    outbound.route(
      API,
      (req) =>
        new Promise((_, reject) =>
          req.signal.addEventListener('abort', () => reject(new Error('aborted')))
        )
    )
    const c = createUnisenderClient({ apiUrl: API, apiKey: 'k', timeoutMs: 20 })
    await expect(c.getLists()).rejects.toMatchObject({ kind: 'retryable', code: 'timeout' })
  })

  it('reads the plan limit fields of getUserInfo', async () => {
    serve(() => ({ result: { login: 'demo', subscribers_total: '1000', subscribers_used: 250 } }))
    expect(await client().getUserInfo()).toMatchObject({
      login: 'demo',
      subscribers_total: 1000,
      subscribers_used: 250,
    })
  })

  it('counts calls per method', async () => {
    serve(() => ({ result: { task_uuid: 't-1', status: 'new' } }))
    const calls: string[] = []
    const c = createUnisenderClient({ apiUrl: API, apiKey: 'k', onCall: (m) => calls.push(m) })
    expect(await c.exportContacts(7, ['email', 'email_status'])).toBe('t-1')
    expect(calls).toEqual(['async/exportContacts'])
  })
})
