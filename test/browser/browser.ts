/**
 * Launches Debian's headless chromium through playwright-core (no bundled browser download) with a
 * fresh profile, and the sandbox look-ups the browser tests verify against: list members from the
 * Unisender emulator's inspection JSON and a segment's customers from the CRM emulator's API.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import type { Customer } from '../../src/clients/retailcrm'
import { classifyCustomer } from '../../src/sync/normalize'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Starts chromium headless with a throwaway profile (--user-data-dir); close() removes it. */
export async function launch(): Promise<{
  context: BrowserContext
  page: Page
  close: () => Promise<void>
}> {
  const profile = mkdtempSync(join(tmpdir(), 'usx-chromium-'))
  // playwright passes the profile as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // A window as narrow as the CRM's module frame.
    viewport: { width: 900, height: 1000 },
    locale: 'ru-RU',
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

interface InspectList {
  id: number
  title: string
}
interface InspectAccount {
  login: string
  lists: InspectList[]
}

/** The demo Unisender account's login and key, as the inspection page shows them to the user. */
export async function demoAccount(sandboxUrl: string): Promise<{ login: string; apiKey: string }> {
  const snap = (await (await fetch(`${sandboxUrl}/unisender/inspect.json`)).json()) as {
    demo: { login: string; apiKey: string } | null
  }
  if (!snap.demo) throw new Error('the sandbox has no demo Unisender account')
  return snap.demo
}

/** Id of the demo account's list with this exact title, or null. */
export async function listIdByTitle(sandboxUrl: string, title: string): Promise<number | null> {
  const snap = (await (await fetch(`${sandboxUrl}/unisender/inspect.json`)).json()) as {
    accounts: InspectAccount[]
  }
  const demo = snap.accounts.find((a) => a.login === 'demo')
  return demo?.lists.find((l) => l.title === title)?.id ?? null
}

/** Emails of a list's members by membership status. */
export async function listMembers(sandboxUrl: string, listId: number) {
  const active = new Set<string>()
  const all = new Map<string, string>()
  let after = 0
  for (;;) {
    const res = (await (
      await fetch(
        `${sandboxUrl}/unisender/inspect.json?list_id=${listId}&after=${after}&limit=10000`
      )
    ).json()) as {
      members: { email: string; status: string; listStatus: string }[]
      nextAfter: number | null
    }
    for (const m of res.members) {
      all.set(m.email.toLowerCase(), m.status)
      if (m.listStatus === 'active') active.add(m.email.toLowerCase())
    }
    if (res.nextAfter === null) break
    after = res.nextAfter
  }
  return { active, all }
}

/**
 * The emails a sync should send for a segment: its customers' emails the module accepts (valid,
 * not opted out, not role addresses), read through the CRM emulator's own API with a fresh key.
 */
export async function segmentEmails(sandboxUrl: string, shop: string, segmentCode: string) {
  const base = `${sandboxUrl}/crm/${shop}`
  const keyRes = await fetch(`${base}/sandbox/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  })
  const { apiKey } = (await keyRes.json()) as { apiKey: string }
  const emails = new Set<string>()
  for (let page = 1; ; page++) {
    const res = await fetch(
      `${base}/api/v5/customers?filter[segment]=${segmentCode}&limit=100&page=${page}`,
      { headers: { 'X-API-KEY': apiKey } }
    )
    const body = (await res.json()) as {
      customers: Customer[]
      pagination: { totalPageCount: number }
    }
    for (const c of body.customers) {
      const k = classifyCustomer(c)
      if (k.kind === 'valid') emails.add(k.email)
    }
    if (page >= body.pagination.totalPageCount) break
  }
  return emails
}
