import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

describe('sandbox database binding', () => {
  it('is a separate database from the module DB', async () => {
    await env.SANDBOX_DB.prepare('CREATE TABLE IF NOT EXISTS probe (x INTEGER)').run()
    const inModuleDb = await env.DB.prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE name = 'probe'"
    ).first<{ n: number }>()
    expect(inModuleDb?.n).toBe(0)
  })
})
