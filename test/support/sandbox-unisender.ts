/**
 * Installs the Unisender emulator for a test at https://api.unisender.test (the module's
 * UNISENDER_API_URL in tests is https://api.unisender.test/ru/api) and returns a handle to set up
 * accounts, lists and contacts, read list members, inject faults, drive the clock and count calls.
 * Call it in each test (or beforeEach): the offline guard resets routes before every test. The
 * database persists within a test file, so every created account gets a fresh login and key.
 */
import { env } from 'cloudflare:workers'
import {
  createAccount,
  createListRow,
  listMembers,
  type Member,
  type SeedContact,
  seedContacts,
  updateAccount,
} from '../../src/sandbox/unisender/accounts'
import { createUnisenderEmulator } from '../../src/sandbox/unisender/app'
import { DEMO_API_KEY, DEMO_LOGIN } from '../../src/sandbox/unisender/demo'
import type { FaultSettings } from '../../src/sandbox/unisender/faults'
import { ensureSchema } from '../../src/sandbox/unisender/schema'
import {
  findAccountByLogin,
  findContacts,
  getLists,
  type Membership,
  membershipsOf,
} from '../../src/sandbox/unisender/store'
import { outbound } from './outbound'

export const UNISENDER_ORIGIN = 'https://api.unisender.test'
export const UNISENDER_API_URL = `${UNISENDER_ORIGIN}/ru/api`

export interface SandboxAccount {
  id: number
  login: string
  apiKey: string
}

export interface AccountOptions {
  login?: string
  apiKey?: string
  testMode?: boolean
  apiEnabled?: boolean
  /** The plan's contact limit (default 100,000). */
  contactLimit?: number
}

let seq = 0

/** Installs the emulator and returns its handle. `now` starts the injected clock (ms). */
export async function installUnisenderSandbox(
  opts: {
    now?: number
    exportReadyAfterMs?: number
    exportReadyAfterPolls?: number
    exportPagesPerPoll?: number
  } = {}
) {
  let clock = opts.now ?? Date.UTC(2026, 10, 26, 12, 0, 0)
  const sleeps: number[] = []
  const emulator = createUnisenderEmulator({
    now: () => clock,
    // No timed tests: injected latency and timeouts are recorded, not waited for.
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    exportReadyAfterMs: opts.exportReadyAfterMs,
    exportReadyAfterPolls: opts.exportReadyAfterPolls,
    exportPagesPerPoll: opts.exportPagesPerPoll,
  })
  const db = env.SANDBOX_DB
  const bindings = { SANDBOX_DB: db, SANDBOX_ENABLED: '1' }
  // Like a real fetch, a client's abort rejects the call at once, whatever the emulator is doing.
  const fetchHandler = (req: Request): Promise<Response> =>
    Promise.race([
      Promise.resolve(emulator.app.fetch(req, bindings)),
      new Promise<never>((_, reject) => {
        const abort = () => reject(req.signal.reason ?? new DOMException('Aborted', 'AbortError'))
        if (req.signal.aborted) abort()
        else req.signal.addEventListener('abort', abort)
      }),
    ])
  outbound.route(UNISENDER_ORIGIN, fetchHandler)
  await ensureSchema(db, clock)

  const contactOf = async (account: SandboxAccount, email: string) => {
    const row = (await findContacts(db, account.id, [email.toLowerCase()])).get(email.toLowerCase())
    if (!row) return null
    const lists: Membership[] = (await membershipsOf(db, [row.id])).get(row.id) ?? []
    return { ...row, lists: lists.sort((a, b) => a.listId - b.listId) }
  }

  return {
    apiUrl: UNISENDER_API_URL,
    origin: UNISENDER_ORIGIN,
    demo: { login: DEMO_LOGIN, apiKey: DEMO_API_KEY },
    state: emulator.state,
    /** The emulator's fetch handler (already routed for UNISENDER_ORIGIN). */
    fetch: fetchHandler,

    /** Creates an account with a fresh login and API key unless given. */
    async createAccount(o: AccountOptions = {}): Promise<SandboxAccount> {
      seq++
      const login = o.login ?? `shop${seq}`
      const apiKey = o.apiKey ?? `test-key-${seq}-${login}-0123456789abcdef`
      const a = await createAccount(db, { ...o, login, apiKey }, clock)
      return { id: a.id, login, apiKey }
    },
    async updateAccount(account: SandboxAccount, patch: Omit<AccountOptions, 'login' | 'apiKey'>) {
      await updateAccount(db, account.login, patch)
    },
    async createList(account: SandboxAccount, title: string): Promise<number> {
      return createListRow(db, account.id, title, clock)
    },
    async lists(account: SandboxAccount) {
      return getLists(db, account.id)
    },
    /** Seeds contacts with any status and list memberships (as after any history). */
    async seedContacts(account: SandboxAccount, contacts: SeedContact[]) {
      await seedContacts(db, account.id, contacts, clock)
    },
    /** All members of a list, with the contact's status and the membership's. */
    async members(listId: number): Promise<Member[]> {
      return listMembers(db, listId)
    },
    /** Emails of the list's active members, sorted. */
    async activeEmails(listId: number): Promise<string[]> {
      return (await listMembers(db, listId))
        .filter((m) => m.listStatus === 'active')
        .map((m) => m.email)
        .sort()
    },
    /** A contact with its memberships, or null. */
    contact: contactOf,
    async contactCount(account: SandboxAccount): Promise<number> {
      return (await findAccountByLogin(db, account.login))!.contactCount
    },
    faults: {
      set: (s: FaultSettings) => emulator.state.faults.set(s),
      clear: () => emulator.state.faults.clear(),
    },
    clock: {
      now: () => clock,
      set: (ms: number) => {
        clock = ms
      },
      advance: (ms: number) => {
        clock += ms
      },
    },
    /** Injected waits (latency, timeouts) that were recorded instead of slept. */
    sleeps,
    /** Calls of one method so far (any outcome), or all counts. */
    calls(method: string): number {
      return emulator.state.callCounts()[method] ?? 0
    },
    callCounts: () => emulator.state.callCounts(),
    /** Forgets call counts, rate-limit windows and faults (not the data). */
    resetState: () => emulator.state.reset(),
  }
}

export type UnisenderSandbox = Awaited<ReturnType<typeof installUnisenderSandbox>>

/**
 * Form-encodes parameters the way the real API expects (`format=json` in the URL, everything else
 * in the body) and POSTs one method. For the emulator's own tests and quick probes.
 */
export async function callUnisender(
  method: string,
  params: Record<string, string | number> | [string, string][],
  opts: { query?: string } = {}
): Promise<{ status: number; body: unknown }> {
  const pairs = Array.isArray(params)
    ? params
    : Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string])
  const res = await fetch(`${UNISENDER_API_URL}/${method}?${opts.query ?? 'format=json'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(pairs).toString(),
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, body }
}

/** importContacts form pairs: field_names[i] and data[r][i]. */
export function importPairs(
  apiKey: string,
  fields: string[],
  rows: string[][],
  extra: Record<string, string> = {}
): [string, string][] {
  const pairs: [string, string][] = [['api_key', apiKey]]
  for (const [k, v] of Object.entries(extra)) pairs.push([k, v])
  for (const [i, f] of fields.entries()) pairs.push([`field_names[${i}]`, f])
  for (const [r, row] of rows.entries()) {
    for (const [i, v] of row.entries()) pairs.push([`data[${r}][${i}]`, v])
  }
  return pairs
}
