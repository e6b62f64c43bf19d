/**
 * Seeds the many-shops scenario (`--tenants N`) cheaply: N small sandbox CRM shops with an API key
 * each (over the sandbox's own HTTP routes), and in the module's local D1 — before the module
 * starts, through `wrangler d1 execute --local` — one connected tenant per shop, as a finished
 * setup would leave it: its CRM key encrypted for its row with the bench's ENCRYPTION_KEY (the
 * module's own format, src/lib/crypto.ts), a Unisender account, one union sync on the shop's
 * dynamic segment with a done first full run, the history cursor set and the segment count seen.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { json } from './http.mjs'

/** Customers per seeded shop and members of its dynamic segment `bench` (id 1). */
export const SEED_CUSTOMERS = 200
export const SEED_SEGMENT = 100

export const shopCode = (i) => `t-${i}`

/** `v1.<iv>.<ciphertext+tag>` with AES-256-GCM and the row's AAD, as src/lib/crypto.ts writes. */
function encrypt(keyB64, plaintext, aad) {
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', Buffer.from(keyB64, 'base64'), iv)
  c.setAAD(Buffer.from(aad))
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()])
  return `v1.${iv.toString('base64')}.${ct.toString('base64')}`
}

/** Runs `fn(i)` for i in [0, n) with `width` in flight. */
async function pool(n, width, fn) {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++)
    })
  )
}

/** Creates the N sandbox shops and one CRM API key each; returns the keys by index. */
export async function seedSandboxShops(sandboxUrl, n, onProgress = () => {}) {
  const keys = new Array(n)
  await pool(n, 16, async (i) => {
    const code = shopCode(i)
    await json(`${sandboxUrl}/marketplace/shops`, {
      method: 'POST',
      body: { code, customers: SEED_CUSTOMERS, size: SEED_SEGMENT },
    })
    const k = await json(`${sandboxUrl}/crm/${code}/sandbox/api-keys`, {
      method: 'POST',
      body: { scopes: ['integration_read', 'integration_write', 'customer_read'] },
    })
    keys[i] = k.apiKey
    if ((i + 1) % 1000 === 0) onProgress(i + 1)
  })
  return keys
}

/** Creates one list in the sandbox Unisender account; returns its id. */
export async function createSharedList(sandboxUrl, apiKey, title) {
  const q = new URLSearchParams({ format: 'json', api_key: apiKey, title })
  const res = await json(`${sandboxUrl}/unisender/ru/api/createList?${q}`, { method: 'POST' })
  if (!res?.result?.id) throw new Error(`createList: ${JSON.stringify(res).slice(0, 300)}`)
  return res.result.id
}

const q = (s) => `'${String(s).replace(/'/g, "''")}'`

/** Shops per SQL file: one `wrangler d1 execute` of 2,000 shops takes well under a minute here. */
const SHOPS_PER_FILE = 2000

/**
 * Writes the SQL that connects tenant ids 1..n to the shops (tenant i+1 ↔ shop t-i), in files of
 * SHOPS_PER_FILE shops, and returns their paths. Every sync writes the same list (`listId`) through
 * its tenant's own copy of the account, so no shop needs a Unisender account of its own.
 */
export function writeModuleSeed(path, o) {
  const { n, sandboxUrl, keys, encryptionKey, uniLogin, uniKey, listId, now } = o
  const lines = []
  for (let i = 0; i < n; i++) {
    const id = i + 1
    const systemUrl = `${sandboxUrl}/crm/${shopCode(i)}`
    const clientHash = createHash('sha256').update(randomBytes(24)).digest('hex')
    const keyHash = createHash('sha256').update(keys[i]).digest('hex')
    lines.push(
      `INSERT INTO tenants (id, system_url, crm_api_key_enc, client_id_hash, active, frozen, history_since_id, last_reconcile_at, crm_key_hash, created_at, updated_at) VALUES (${id}, ${q(systemUrl)}, ${q(encrypt(encryptionKey, keys[i], `tenant:${id}:crm`))}, ${q(clientHash)}, 1, 0, 0, ${now}, ${q(keyHash)}, ${now}, ${now});`,
      `INSERT INTO unisender_accounts (id, tenant_id, login, api_key_enc, api_key_hint, created_at, updated_at) VALUES (${id}, ${id}, ${q(uniLogin)}, ${q(encrypt(encryptionKey, uniKey, `tenant:${id}:unisender:${id}`))}, ${q(uniKey.slice(-4))}, ${now}, ${now});`,
      `INSERT INTO syncs (id, tenant_id, unisender_account_id, segment_id, segment_code, segment_name, segment_is_dynamic, list_id, list_title, mode, last_full_run_at, last_seen_customers_count, history_applied_id, created_at, updated_at) VALUES (${id}, ${id}, ${id}, 1, 'bench', 'Бенчмарк', 1, ${listId}, 'Магазины', 'union', ${now}, ${SEED_SEGMENT}, 0, ${now}, ${now});`,
      `INSERT INTO runs (tenant_id, sync_id, trigger, kind, status, phase, created_at, started_at, finished_at) VALUES (${id}, ${id}, 'create', 'full', 'done', 'done', ${now}, ${now}, ${now});`
    )
  }
  const paths = []
  const perFile = SHOPS_PER_FILE * 4 // four statements per shop
  for (let k = 0; k * perFile < lines.length; k++) {
    const file = `${path}.${k}.sql`
    writeFileSync(file, `${lines.slice(k * perFile, (k + 1) * perFile).join('\n')}\n`)
    paths.push(file)
  }
  return paths
}
