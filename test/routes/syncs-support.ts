/**
 * World for the sync route tests: a sandbox CRM shop with small segments (one named with markup),
 * a Unisender sandbox account with lists, a connected tenant signed in, and its Unisender account
 * added through the real "Новый аккаунт" form. The queue is captured (not consumed) so route tests
 * see which runs were started without the engine running in the background.
 */
import { env } from 'cloudflare:workers'
import { vi } from 'vitest'
import type { RunStep } from '../../src/sync/run-step-message'
import { installRetailCrm } from '../support/sandbox-retailcrm'
import { installUnisenderSandbox } from '../support/sandbox-unisender'
import { loginAs, makeConnectedTenant } from '../support/session'
import { post } from './ui-support'

let n = 0

export const MARKUP_NAME = '<script>alert(1)</script> VIP'

/** Builds the world; `contactLimit` sets the Unisender plan. */
export async function makeSyncWorld(opts: { contactLimit?: number; testMode?: boolean } = {}) {
  n++
  const crm = await installRetailCrm({
    origin: `https://ui${n}.retailcrm.ru`,
    shop: {
      code: `ui-${n}-${Math.floor(Math.random() * 1e6)}`,
      seed: 7,
      customers: 300,
      quirks: false,
      creationHistory: false,
      segments: [
        { code: 'regular', name: 'Постоянные', dynamic: true, offset: 1, stride: 3, size: 50 },
        { code: 'markup', name: MARKUP_NAME, dynamic: false, offset: 2, stride: 5, size: 20 },
        {
          code: 'old',
          name: 'Архив',
          dynamic: false,
          active: false,
          offset: 3,
          stride: 7,
          size: 5,
        },
      ],
    },
  })
  const crmKey = await crm.issueKey()
  const uni = await installUnisenderSandbox()
  const uniAccount = await uni.createAccount({
    contactLimit: opts.contactLimit,
    testMode: opts.testMode,
  })
  const listId = await uni.createList(uniAccount, 'Рассылка')
  const { tenant } = await makeConnectedTenant({ systemUrl: crm.systemUrl, apiKey: crmKey })
  const session = await loginAs(tenant.id)
  const sent: RunStep[] = []
  vi.spyOn(env.SYNC_QUEUE, 'send').mockImplementation(async (m) => {
    sent.push(m as RunStep)
    return {} as QueueSendResponse
  })
  const res = await post(session, '/accounts', {
    login: uniAccount.login,
    apiKey: uniAccount.apiKey,
    ...(opts.testMode ? { acceptTestMode: '1' } : {}),
  })
  if (res.status !== 303) throw new Error(`account form answered ${res.status}`)
  const segments = (await crm.shop()).segments
  const seg = (code: string) => segments.find((s) => s.code === code)!.id
  return { crm, uni, uniAccount, listId, tenant, session, sent, seg }
}
