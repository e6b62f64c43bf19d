import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  decryptSecret,
  encryptSecret,
  importKey,
  maskKey,
  randomToken,
  secretAad,
  sha256Hex,
} from '../../src/lib/crypto'

const key = () => importKey(env.ENCRYPTION_KEY!)

describe('secrets at rest', () => {
  it('round-trips a key for its row', async () => {
    const blob = await encryptSecret(await key(), 'secret-api-key-1234', secretAad.crmKey(1))
    expect(await decryptSecret(await key(), blob, secretAad.crmKey(1))).toBe('secret-api-key-1234')
  })

  it('stores no trace of the plaintext and uses a fresh IV each time', async () => {
    const a = await encryptSecret(await key(), 'secret-api-key-1234', 'x')
    const b = await encryptSecret(await key(), 'secret-api-key-1234', 'x')
    expect(a).not.toBe(b)
    expect(a).not.toContain('secret-api-key')
    expect(atob(a.split('.')[2]!)).not.toContain('secret-api-key')
  })

  it('refuses a ciphertext moved to another row', async () => {
    const blob = await encryptSecret(await key(), 'k', secretAad.unisenderKey(1, 2))
    await expect(decryptSecret(await key(), blob, secretAad.unisenderKey(2, 2))).rejects.toThrow()
  })

  it('refuses a tampered ciphertext', async () => {
    const blob = await encryptSecret(await key(), 'k', 'x')
    const [v, iv, ct] = blob.split('.')
    const bytes = Uint8Array.from(atob(ct!), (c) => c.charCodeAt(0))
    bytes[0] = bytes[0]! ^ 1
    const tampered = `${v}.${iv}.${btoa(String.fromCharCode(...bytes))}`
    await expect(decryptSecret(await key(), tampered, 'x')).rejects.toThrow()
  })

  it('rejects a master key of the wrong size', () => {
    expect(() => importKey(btoa('short'))).toThrow(/32 bytes/)
  })

  it('hashes, generates 256-bit tokens and masks keys', async () => {
    expect(await sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    )
    expect(randomToken()).toMatch(/^[0-9a-f]{64}$/)
    expect(maskKey('abcdefgh1234')).toBe('••••1234')
  })
})
