/** Email normalisation and classification of CRM customers (normalize.ts). */
import { describe, expect, it } from 'vitest'
import type { Customer } from '../../src/clients/retailcrm'
import { classifyCustomer, isValidEmail, normaliseEmail } from '../../src/sync/normalize'

const customer = (over: Partial<Customer>): Customer => ({ id: 1, ...over })

describe('normalisation', () => {
  it('trims and lower-cases the whole address', () => {
    expect(normaliseEmail('  Anna@Example.COM ')).toBe('anna@example.com')
    expect(normaliseEmail(null)).toBe('')
  })

  it('classifies customers', () => {
    expect(classifyCustomer(customer({ email: 'a@b.ru' }))).toEqual({
      kind: 'valid',
      email: 'a@b.ru',
    })
    expect(classifyCustomer(customer({ email: 'x' })).kind).toBe('invalid')
    expect(classifyCustomer(customer({})).kind).toBe('invalid')
    expect(
      classifyCustomer(
        customer({ email: 'a@b.ru', emailMarketingUnsubscribedAt: '2024-01-01 00:00:00' })
      ).kind
    ).toBe('opted_out')
    expect(
      classifyCustomer(
        customer({
          email: 'a@b.ru',
          customerSubscriptions: [{ subscription: { channel: 'email' }, subscribed: false }],
        })
      ).kind
    ).toBe('opted_out')
    expect(
      classifyCustomer(
        customer({
          email: 'a@b.ru',
          customerSubscriptions: [{ subscription: { channel: 'sms' }, subscribed: false }],
        })
      ).kind
    ).toBe('valid')
    expect(classifyCustomer(customer({ email: 'Info@Shop.ru' })).kind).toBe('role')
  })

  it('rejects malformed addresses', () => {
    for (const bad of ['', 'a', 'a@', '@b.ru', 'a b@c.ru', 'a@b', 'a@@b.ru', 'a@b..ru'])
      expect(isValidEmail(bad), bad).toBe(false)
    for (const good of ['a@b.ru', 'first.last+tag@mail.example.com', "o'neil@x.org"])
      expect(isValidEmail(good), good).toBe(true)
  })
})
