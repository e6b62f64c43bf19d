import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import sandbox from '../../../src/sandbox/index'
import { issueKey } from '../../../src/sandbox/retailcrm/keys'
import { ensureSchema } from '../../../src/sandbox/retailcrm/schema'

const on = () => ({ SANDBOX_DB: env.SANDBOX_DB, SANDBOX_ENABLED: '1' })

describe('the sandbox Worker', () => {
  it('serves the CRM of each shop under /crm/:shop with systemUrl-relative API paths', async () => {
    await ensureSchema(env.SANDBOX_DB)
    const key = await issueKey(env.SANDBOX_DB, 'demo', ['customer_read'], 0)
    const res = await sandbox.fetch(
      new Request('http://localhost:8788/crm/demo/api/v5/segments?limit=50', {
        headers: { 'X-API-KEY': key },
      }),
      on()
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as { segments: { code: string }[] }
    expect(body.segments.map((s) => s.code)).toContain('podpischiki')
    const page = await sandbox.fetch(new Request('http://localhost:8788/crm/demo/sandbox'), on())
    expect(await page.text()).toContain('Пересчитать')
    const missing = await sandbox.fetch(
      new Request('http://localhost:8788/crm/nope/api/v5/segments'),
      on()
    )
    expect(missing.status).toBe(404)
    const home = await sandbox.fetch(new Request('http://localhost:8788/'), on())
    expect(await home.text()).toContain('http://localhost:8788/crm/demo')
  })

  it('has no CRM or marketplace routes unless SANDBOX_ENABLED=1', async () => {
    const off = { SANDBOX_DB: env.SANDBOX_DB, SANDBOX_ENABLED: '0' }
    for (const path of ['/', '/crm/demo/api/v5/segments', '/crm/demo/sandbox']) {
      const res = await sandbox.fetch(new Request(`http://localhost:8788${path}`), off)
      expect(res.status, path).toBe(404)
    }
    const post = await sandbox.fetch(
      new Request('http://localhost:8788/marketplace/shops/demo/connect', { method: 'POST' }),
      off
    )
    expect(post.status).toBe(404)
  })
})
