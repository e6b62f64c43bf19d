/**
 * API keys at rest: AES-256-GCM through WebCrypto with a fresh 12-byte IV per value. The additional
 * data binds a ciphertext to its row (e.g. `tenant:12:crm`), so a ciphertext copied to another row
 * does not decrypt. Format: `v1.<iv b64>.<ciphertext+tag b64>`; the version allows key rotation.
 */
const enc = new TextEncoder()
const dec = new TextDecoder()

function b64(u: Uint8Array): string {
  let s = ''
  for (const byte of u) s += String.fromCharCode(byte)
  return btoa(s)
}

function unb64(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
}

const keyCache = new Map<string, Promise<CryptoKey>>()

/** Imports the base64 master key (32 bytes) as a non-extractable AES-GCM key; cached per value. */
export function importKey(secretB64: string): Promise<CryptoKey> {
  let key = keyCache.get(secretB64)
  if (!key) {
    const raw = unb64(secretB64.trim())
    if (raw.byteLength !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes, base64')
    key = crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
    keyCache.set(secretB64, key)
  }
  return key
}

/** Encrypts `plaintext` for the row named by `aad`. */
export async function encryptSecret(
  key: CryptoKey,
  plaintext: string,
  aad: string
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: enc.encode(aad) },
      key,
      enc.encode(plaintext)
    )
  )
  return `v1.${b64(iv)}.${b64(ct)}`
}

/** Decrypts a value produced by encryptSecret for the same `aad`; throws if it was tampered with or moved. */
export async function decryptSecret(key: CryptoKey, blob: string, aad: string): Promise<string> {
  const [v, iv, ct] = blob.split('.')
  if (v !== 'v1' || !iv || !ct) throw new Error('unknown ciphertext format')
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: unb64(iv), additionalData: enc.encode(aad) },
    key,
    unb64(ct)
  )
  return dec.decode(plain)
}

/** The AAD naming where a secret is stored. */
export const secretAad = {
  crmKey: (tenantId: number) => `tenant:${tenantId}:crm`,
  unisenderKey: (tenantId: number, accountId: number) =>
    `tenant:${tenantId}:unisender:${accountId}`,
}

/** SHA-256 hex of a string, for looking up bearer tokens (clientId, session ids) without storing them. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(value)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A random token of `bytes` bytes, hex encoded (256 bits by default). */
export function randomToken(bytes = 32): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0')
  ).join('')
}

/** Shows only the last 4 characters of a key. */
export function maskKey(key: string): string {
  return key.length <= 4 ? '••••' : `••••${key.slice(-4)}`
}
