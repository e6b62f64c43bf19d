/** /static/* is served through the app, so it carries the same security headers as every page. */
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

describe('GET /static/*', () => {
  it.each([
    ['/static/app.css', 'text/css'],
    ['/static/app.js', 'javascript'],
    ['/static/logo.svg', 'image/svg'],
  ])('%s comes with CSP, nosniff, Referrer-Policy and HSTS', async (path, type) => {
    const res = await exports.default.fetch(`https://module.test${path}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain(type)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
    expect((await res.text()).length).toBeGreaterThan(0)
  })

  it('answers 404 for a file that does not exist, with the headers too', async () => {
    const res = await exports.default.fetch('https://module.test/static/nope.css')
    expect(res.status).toBe(404)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('needs no session', async () => {
    const res = await exports.default.fetch('https://module.test/static/app.css', {
      headers: { accept: 'text/html' },
    })
    expect(res.status).toBe(200)
  })
})
