import { describe, expect, it } from 'vitest'
import { checkEmail } from '../../../src/sandbox/unisender/email'

describe('checkEmail', () => {
  it.each([
    ['Anna.Petrova@Example.RU', 'anna.petrova@example.ru'],
    ["o'brien+tag@mail.example.org", "o'brien+tag@mail.example.org"],
    ['ivan@пример.рф', 'ivan@пример.рф'],
  ])('accepts %s as %s', (raw, canonical) => {
    expect(checkEmail(raw)).toEqual({ ok: true, email: canonical })
  })

  it.each([
    '',
    'plainaddress',
    '@example.ru',
    'a@b',
    'a..b@example.ru',
    ' a@example.ru',
    'a@example.ru ',
    'a b@example.ru',
    'a@-example.ru',
  ])('rejects %j as invalid', (raw) => {
    expect(checkEmail(raw)).toMatchObject({ ok: false, code: 'invalid_email' })
  })

  it.each(['info@shop.ru', 'SALES@shop.ru', 'no-reply@shop.ru', 'all@shop.ru'])(
    'rejects the role address %s',
    (raw) => {
      expect(checkEmail(raw)).toMatchObject({ ok: false, code: 'role_address' })
    }
  )
})
