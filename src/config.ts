/**
 * Validated configuration. Secrets and vars are checked with zod the first time a request or job
 * needs them; a missing or malformed one raises an AppError('bad_environment') that names the
 * variable and says how to fix it, never a stack trace.
 */
import { z } from 'zod'
import type { Env } from './env'
import { AppError } from './errors'

const base64Key32 = z.string({ error: 'is missing' }).refine((v) => {
  try {
    return atob(v.trim()).length === 32
  } catch {
    return false
  }
}, 'must be 32 random bytes in base64 (generate: openssl rand -base64 32)')

const origin = z
  .url({ error: 'must be an absolute URL such as https://module.example.com' })
  .transform((v) => v.replace(/\/+$/, ''))

const ConfigSchema = z.object({
  ENCRYPTION_KEY: base64Key32,
  RETAILCRM_MODULE_SECRET: z
    .string({ error: 'is missing' })
    .min(8, 'must be the partner secret from the RetailCRM marketplace card'),
  RETAILCRM_MODULE_CODE: z
    .string({ error: 'is missing' })
    .regex(
      /^[a-zA-Z0-9_-]{2,64}$/,
      'must be the module code from the partner card (letters, digits, - and _)'
    ),
  PUBLIC_URL: origin,
  UNISENDER_API_URL: origin.default('https://api.unisender.com/ru/api'),
  APP_ENV: z.enum(['production', 'development', 'test']).default('production'),
  OPERATOR_TOKEN: z
    .string()
    .min(24, 'must be at least 24 random characters (generate: openssl rand -base64 32)')
    .optional(),
  ALLOW_INSECURE_LOCALHOST: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
})

export type Config = z.infer<typeof ConfigSchema>

const cache = new WeakMap<object, Config>()

/** Parses the Worker's env once per env object; throws an AppError naming every bad variable. */
export function getConfig(env: Env): Config {
  const hit = cache.get(env)
  if (hit) return hit
  const parsed = ConfigSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0] ?? '?')} ${i.message}`)
    throw new AppError('bad_environment', `Configuration error: ${problems.join('; ')}`)
  }
  cache.set(env, parsed.data)
  return parsed.data
}
