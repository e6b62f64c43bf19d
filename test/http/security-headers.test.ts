import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy, MAX_BODY_BYTES } from '../../src/http/security-headers'
import { loginAs } from '../support/session'
import { makeConnectedTenant } from '../support/world'

describe('security headers', () => {
  it('sends CSP without inline scripts, CRM frame-ancestors, nosniff and a referrer policy', async () => {
    const res = await exports.default.fetch('https://module.test/', {
      headers: { accept: 'text/html' },
    })
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
    expect(csp).toMatch(/frame-ancestors 'self' [^;]*https:\/\/\*\.retailcrm\.ru/)
    expect(csp).toContain('https://*.simla.com')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it("lets the signed-in tenant's own CRM origin frame the page", async () => {
    const { tenant } = await makeConnectedTenant({ systemUrl: 'https://crm.example.org' })
    const s = await loginAs(tenant.id)
    const res = await exports.default.fetch('https://module.test/nothing-here', {
      headers: { cookie: s.cookie },
    })
    expect(res.headers.get('content-security-policy')).toMatch(
      /frame-ancestors [^;]*https:\/\/crm\.example\.org/
    )
  })

  it('builds frame-ancestors from the CRM domains plus extras', () => {
    expect(contentSecurityPolicy(['http://localhost:*'])).toMatch(
      /frame-ancestors 'self' .*https:\/\/\*\.retailcrm\.pro.* http:\/\/localhost:\*$/
    )
  })
})

describe('request body limit', () => {
  it('answers 413 to an oversized body before any route parses it', async () => {
    const body = `register=${'x'.repeat(MAX_BODY_BYTES + 1)}`
    const res = await exports.default.fetch('https://module.test/retailcrm/register', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ success: false, error: { code: 'payload_too_large' } })
  })
})
