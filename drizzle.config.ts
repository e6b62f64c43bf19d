/** drizzle-kit generates SQL migrations from the schema in code; wrangler applies them. */
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
})
