/**
 * Tests run inside workerd through @cloudflare/vitest-plugin (the renamed, maintained successor of
 * @cloudflare/vitest-pool-workers). Storage is isolated per test file; migrations are read here in
 * Node and applied by test/setup/apply-migrations.ts.
 */
import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

/** Fixed test secrets: 32 zero-free bytes, base64. Never used outside tests. */
export const TEST_BINDINGS = {
  ENCRYPTION_KEY: 'dGVzdC1rZXktMzItYnl0ZXMtZm9yLWFlcy1nY20tMSE=',
  RETAILCRM_MODULE_SECRET: 'test-partner-secret',
  RETAILCRM_MODULE_CODE: 'unisender-segments',
  PUBLIC_URL: 'https://module.test',
  UNISENDER_API_URL: 'https://api.unisender.test/ru/api',
  APP_ENV: 'test',
  ALLOW_INSECURE_LOCALHOST: '0',
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'))
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations, SANDBOX_ENABLED: '1' },
          // The sandbox emulators' own database (they create their tables on first use).
          d1Databases: ['SANDBOX_DB'],
          // exports.default.scheduled()/queue() in integration tests need this test-only flag.
          compatibilityFlags: ['service_binding_extra_handlers'],
          // Deliver queued messages fast in integration tests (production batches for up to 1 s).
          queueConsumers: { 'sync-jobs': { maxBatchTimeout: 0.05 } },
        },
      }),
    ],
    test: {
      setupFiles: ['./test/setup/apply-migrations.ts', './test/setup/outbound-guard.ts'],
      include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
      exclude: ['test/browser/**'],
    },
  }
})
