/**
 * Browser tests (test/browser): Node, not workerd. Each file starts the module and the sandbox with
 * `wrangler dev` on free ports and drives Debian's headless chromium through playwright-core, so
 * they are slow by nature; tests inside a file run in order (they follow the help article).
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
})
