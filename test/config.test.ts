import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getConfig } from '../src/config'
import { AppError } from '../src/errors'

function configError(overrides: Record<string, string | undefined>): AppError {
  try {
    getConfig({ ...env, ...overrides })
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a configuration error')
}

describe('getConfig', () => {
  it('parses the test configuration with defaults applied', () => {
    const cfg = getConfig(env)
    expect(cfg.PUBLIC_URL).toBe('https://module.test')
    expect(cfg.RETAILCRM_MODULE_CODE).toBe('unisender-segments')
    expect(cfg.ALLOW_INSECURE_LOCALHOST).toBe(false)
  })

  it('defaults UNISENDER_API_URL to the real service', () => {
    expect(getConfig({ ...env, UNISENDER_API_URL: undefined }).UNISENDER_API_URL).toBe(
      'https://api.unisender.com/ru/api'
    )
  })

  it('names a missing secret', () => {
    const err = configError({ ENCRYPTION_KEY: undefined })
    expect(err.code).toBe('bad_environment')
    expect(err.message).toContain('ENCRYPTION_KEY is missing')
  })

  it('names a malformed encryption key and says how to make one', () => {
    expect(configError({ ENCRYPTION_KEY: 'c2hvcnQ=' }).message).toMatch(
      /ENCRYPTION_KEY must be 32 random bytes/
    )
  })

  it('names every bad variable at once', () => {
    const msg = configError({ PUBLIC_URL: 'not a url', RETAILCRM_MODULE_SECRET: undefined }).message
    expect(msg).toContain('PUBLIC_URL')
    expect(msg).toContain('RETAILCRM_MODULE_SECRET')
  })
})
