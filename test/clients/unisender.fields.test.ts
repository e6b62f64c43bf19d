/** The client's user-field calls and ensureField (once, safe under retries) against the emulator. */
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/clients/errors'
import { createUnisenderClient, ensureField } from '../../src/clients/unisender'
import { installUnisenderSandbox } from '../support/sandbox-unisender'

async function setup() {
  const uni = await installUnisenderSandbox()
  const acc = await uni.createAccount()
  const client = createUnisenderClient({ apiUrl: uni.apiUrl, apiKey: acc.apiKey, timeoutMs: 1_000 })
  return { uni, client }
}

describe('unisender client: user fields', () => {
  it('finds an existing field by name without creating it', async () => {
    const { uni, client } = await setup()
    const name = await ensureField(client, 'Name', 'string')
    expect(name).toMatchObject({ name: 'Name', type: 'string' })
    expect(uni.calls('createField')).toBe(0)
  })

  it('creates a missing field once; a second ensure finds it', async () => {
    const { uni, client } = await setup()
    const made = await ensureField(client, 'birthday', 'date')
    const again = await ensureField(client, 'birthday', 'date')
    expect(again.id).toBe(made.id)
    expect(uni.calls('createField')).toBe(1)
  })

  it('uses the field an unanswered createField made (looks again after the failure)', async () => {
    const { uni, client } = await setup()
    uni.faults.set({
      rules: [{ kind: 'timeout', afterApply: true, count: 1, methods: ['createField'] }],
    })
    const got = await ensureField(client, 'city', 'string')
    expect(got).toMatchObject({ name: 'city' })
    expect(uni.calls('createField')).toBe(1)
    expect((await client.getFields()).filter((f) => f.name === 'city')).toHaveLength(1)
  })

  it('lets a createField failure stand when the field is still missing', async () => {
    const { uni, client } = await setup()
    uni.faults.set({ rules: [{ kind: 'retry_later', count: 1, methods: ['createField'] }] })
    await expect(ensureField(client, 'city', 'string')).rejects.toBeInstanceOf(ApiError)
  })

  it('refuses an import with more than 50 user fields or an email_status column before sending', async () => {
    const { uni, client } = await setup()
    const cols = ['email', ...Array.from({ length: 51 }, (_, i) => `f${i}`)]
    expect(() => client.importContacts(cols, [])).toThrow(RangeError)
    expect(() => client.importContacts(['email', 'email_status'], [])).toThrow(RangeError)
    expect(uni.calls('importContacts')).toBe(0)
  })
})
