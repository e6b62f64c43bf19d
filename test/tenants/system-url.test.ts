import { describe, expect, it } from 'vitest'
import { normalizeSystemUrl } from '../../src/tenants/system-url'

const strict = { allowInsecureLocalhost: false }
const dev = { allowInsecureLocalhost: true }

describe('normalizeSystemUrl', () => {
  it.each([
    ['https://shop.retailcrm.ru', 'https://shop.retailcrm.ru'],
    ['https://Shop.RetailCRM.pro/', 'https://shop.retailcrm.pro'],
    [' https://a.b.retailcrm.es ', 'https://a.b.retailcrm.es'],
    ['https://demo.simla.com', 'https://demo.simla.com'],
    ['https://demo.simla.io', 'https://demo.simla.io'],
  ])('accepts %s as %s', (raw, url) => {
    expect(normalizeSystemUrl(raw, strict)).toEqual({ ok: true, url })
  })

  it.each([
    'not a url',
    'http://shop.retailcrm.ru',
    'https://retailcrm.ru',
    'https://shop.retailcrm.ru.evil.com',
    'https://evilretailcrm.ru',
    'https://shop.retailcrm.ru:8443',
    'https://shop.retailcrm.ru/some/path',
    'https://user:pw@shop.retailcrm.ru',
    'https://shop.retailcrm.ru/?x=1',
    'http://localhost:8788/crm/shop',
    'http://127.0.0.1:8788',
    'ftp://localhost/x',
  ])('refuses %s in production with a reason', (raw) => {
    const r = normalizeSystemUrl(raw, strict)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(10)
  })

  it('accepts localhost (with the sandbox path) only when allowed', () => {
    expect(normalizeSystemUrl('http://localhost:8788/crm/shop/', dev)).toEqual({
      ok: true,
      url: 'http://localhost:8788/crm/shop',
    })
    expect(normalizeSystemUrl('http://127.0.0.1:8788', dev)).toEqual({
      ok: true,
      url: 'http://127.0.0.1:8788',
    })
    expect(normalizeSystemUrl('ftp://localhost/x', dev).ok).toBe(false)
  })
})
