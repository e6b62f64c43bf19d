import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import pkg from '../../package.json'
import { EXPECTED_MIGRATIONS } from '../../src/routes/health'

describe('GET /healthz', () => {
  it('reports the database reachable, migrations applied and the version', async () => {
    const res = await exports.default.fetch('https://module.test/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      ok: true,
      version: pkg.version,
      db: 'ok',
      migrations: { applied: EXPECTED_MIGRATIONS, expected: EXPECTED_MIGRATIONS },
    })
  })

  it('expects exactly the migrations that ship in migrations/', () => {
    expect(EXPECTED_MIGRATIONS).toBe(env.TEST_MIGRATIONS.length)
  })

  it('answers 503 when migrations are missing', async () => {
    await env.DB.prepare('DELETE FROM d1_migrations').run()
    const res = await exports.default.fetch('https://module.test/healthz')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ ok: false, migrations: { applied: 0 } })
  })
})
