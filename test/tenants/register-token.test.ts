import { describe, expect, it } from 'vitest'
import { signRegisterToken, verifyRegisterToken } from '../../src/tenants/register-token'

// RFC-style public vector: HMAC-SHA256(key = "key", msg = "The quick brown fox jumps over the lazy dog").
const MSG = 'The quick brown fox jumps over the lazy dog'
const HEX = 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'

describe('register token', () => {
  it('is hex(HMAC-SHA256(secret, apiKey)), as PHP hash_hmac computes it', async () => {
    expect(await signRegisterToken('key', MSG)).toBe(HEX)
    expect(await verifyRegisterToken('key', MSG, HEX)).toBe(true)
    expect(await verifyRegisterToken('key', MSG, HEX.toUpperCase())).toBe(true)
  })

  it.each([
    ['one flipped digit', `${HEX.slice(0, -1)}9`],
    ['a truncated token', HEX.slice(0, 62)],
    ['a non-hex token', 'g'.repeat(64)],
    ['an empty token', ''],
  ])('refuses %s', async (_n, token) => {
    expect(await verifyRegisterToken('key', MSG, token)).toBe(false)
  })

  it('refuses the right token under another secret or for another key', async () => {
    expect(await verifyRegisterToken('other', MSG, HEX)).toBe(false)
    expect(await verifyRegisterToken('key', `${MSG}.`, HEX)).toBe(false)
  })
})
