/**
 * The register request's proof of origin (docs/retailcrm.md §1a): token = hex(HMAC-SHA256(key = partner
 * secret, msg = apiKey)). Checked with WebCrypto's HMAC verify, which compares in constant time, so
 * the answer time does not reveal how much of a forged token was right.
 */
const enc = new TextEncoder()

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    enc.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    [usage]
  )
}

/** True when `token` is the HMAC of `apiKey` under the partner secret. */
export async function verifyRegisterToken(
  secret: string,
  apiKey: string,
  token: string
): Promise<boolean> {
  const signature = hexToBytes(token.trim())
  if (!signature) return false
  return crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret, 'verify'),
    signature,
    enc.encode(apiKey)
  )
}

/** Computes the token the CRM sends (used by tests and the sandbox marketplace simulator). */
export async function signRegisterToken(secret: string, apiKey: string): Promise<string> {
  const sig = new Uint8Array(
    await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), enc.encode(apiKey))
  )
  return Array.from(sig, (b) => b.toString(16).padStart(2, '0')).join('')
}
