/** GET /healthz: D1 reachable, migrations applied, version. Used by uptime checks and deploys. */
import { Hono } from 'hono'
import pkg from '../../package.json'
import type { AppEnv } from '../env'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'

/** The newest migration file this build expects; kept in sync by test/routes/health.test.ts. */
export const EXPECTED_MIGRATIONS = 14

export const health = new Hono<AppEnv>().get('/', async (c) => {
  try {
    const row = await c.env.DB.prepare('SELECT count(*) AS n FROM d1_migrations').first<{
      n: number
    }>()
    const applied = row?.n ?? 0
    const ok = applied >= EXPECTED_MIGRATIONS
    return c.json(
      {
        ok,
        version: pkg.version,
        db: 'ok',
        migrations: { applied, expected: EXPECTED_MIGRATIONS },
      },
      ok ? 200 : 503
    )
  } catch (err) {
    log.error('healthz_db_failed', { phase: 'healthz', error: errorText(err) })
    return c.json({ ok: false, version: pkg.version, db: 'unreachable' }, 503)
  }
})
