/** Pure parts of the engine: normalisation, CSV parsing, guard arithmetic, and the diff itself. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Customer } from '../../src/clients/retailcrm'
import { diffPartition } from '../../src/sync/diff'
import {
  completeRecordsEnd,
  detectHeader,
  listSide,
  parseCsv,
  toListRows,
} from '../../src/sync/export-csv'
import { guardTrips, mentionsPlanLimit, planShortfall } from '../../src/sync/guard'
import { classifyCustomer, isValidEmail, normaliseEmail } from '../../src/sync/normalize'
import { hash32, PartitionBuffer, pack, unpack } from '../../src/sync/partition'

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

describe('packing and partitions', () => {
  it('packs losslessly and partitions stably', () => {
    fc.assert(
      fc.property(fc.array(fc.emailAddress()), (emails) => {
        expect(unpack(pack(emails))).toEqual(emails)
        const buf = new PartitionBuffer(8)
        for (const e of emails) buf.add('S', e)
        expect(buf.size).toBe(emails.length)
        for (const g of buf.groups())
          for (const e of g.emails) expect(hash32(e) % 8).toBe(g.partition)
      })
    )
  })
})

describe('export file parser', () => {
  const file =
    '\uFEFF"email","email_status","email_unsubscribed_list_ids"\r\n"a@x.ru","active",""\r\n"b@x.ru","unsubscribed",""\r\n"c@x.ru","active","3,7"\r\n'

  it('reads the emulator format: BOM, quoted header and fields, CRLF, list ids with commas', () => {
    const text = file.replace(/^\uFEFF/, '')
    const first = text.slice(0, text.indexOf('\r\n'))
    const { header, isHeader } = detectHeader(first)
    expect(isHeader).toBe(true)
    const rows = toListRows(parseCsv(text.slice(first.length + 2), header.delimiter), header)
    expect(rows.map((r) => [r.email, listSide(r, 7)])).toEqual([
      ['a@x.ru', 'L'],
      ['b@x.ru', 'U'],
      ['c@x.ru', 'N'],
    ])
  })

  it('handles semicolons, LF, no quotes, no header, quoted newlines and empty emails', () => {
    const { header } = detectHeader('Email;email_status')
    expect(header.delimiter).toBe(';')
    expect(
      toListRows(parseCsv('a@x.ru;active\n;active\nb@x.ru;new\n', ';'), header).map((r) => r.email)
    ).toEqual(['a@x.ru', 'b@x.ru'])
    const noHeader = detectHeader('a@x.ru,active')
    expect(noHeader.isHeader).toBe(false)
    expect(parseCsv('"a\nb",x\nc,d', ',')).toEqual([
      ['a\nb', 'x'],
      ['c', 'd'],
    ])
  })

  it('finds the end of complete records in a byte slice (never inside quotes)', () => {
    const enc = new TextEncoder()
    const bytes = enc.encode('"a@x.ru","1"\n"b\n@x.ru","2"\n"c@x')
    expect(completeRecordsEnd(bytes, false)).toBe(
      enc.encode('"a@x.ru","1"\n"b\n@x.ru","2"\n').length
    )
    expect(completeRecordsEnd(bytes, true)).toBe(bytes.length)
  })

  it('slicing a file anywhere yields the same rows', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `"u${i}@x.ru","active",""\r\n`)
    const whole = new TextEncoder().encode(
      `"email","email_status","email_unsubscribed_list_ids"\r\n${lines.join('')}`
    )
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 300 }), (slice) => {
        const out: string[] = []
        let off = 0
        let header = null as ReturnType<typeof detectHeader>['header'] | null
        while (off < whole.length) {
          const part = whole.subarray(off, off + slice)
          const eof = off + part.length >= whole.length
          let end = completeRecordsEnd(part, eof)
          if (end === 0) end = part.length
          let text = new TextDecoder().decode(part.subarray(0, end))
          if (off === 0) {
            const first = text.slice(0, text.search(/\r?\n|$/))
            const d = detectHeader(first)
            header = d.header
            if (d.isHeader) text = text.slice(first.length).replace(/^\r?\n/, '')
          }
          for (const r of toListRows(parseCsv(text, header!.delimiter), header!)) out.push(r.email)
          off += end
        }
        // A header split across slices is the only loss we accept: slices are 4 MB in production.
        if (slice >= 60) expect(out).toEqual(lines.map((_, i) => `u${i}@x.ru`))
      })
    )
  })
})

describe('guard and plan arithmetic', () => {
  it('trips only above the share and at the minimum count', () => {
    expect(guardTrips(100, 400, 25, 100)).toBe(false) // exactly 25 %
    expect(guardTrips(101, 400, 25, 100)).toBe(true)
    expect(guardTrips(99, 100, 25, 100)).toBe(false) // below the minimum count
    expect(guardTrips(100, 0, 25, 100)).toBe(true)
    expect(guardTrips(0, 0, 25, 100)).toBe(false)
  })

  it('computes the missing contacts', () => {
    expect(planShortfall(40, { subscribers_total: 25, subscribers_used: 0 })).toBe(15)
    expect(planShortfall(10, { subscribers_total: 100, subscribers_used: 90 })).toBe(0)
    expect(planShortfall(10, {})).toBe(0)
    expect(mentionsPlanLimit('Contact limit of your tariff exceeded')).toBe(true)
    expect(mentionsPlanLimit('api_call_limit_exceeded_for_api_key')).toBe(false)
  })
})

describe('diff guarantees (property)', () => {
  const email = fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `u${i}@x.ru`))
  const sets = fc.record({
    S: fc.array(email, { maxLength: 25 }),
    O: fc.array(email, { maxLength: 5 }),
    K: fc.array(email, { maxLength: 3 }),
    L: fc.array(email, { maxLength: 25 }),
    U: fc.array(email, { maxLength: 5 }),
    N: fc.array(email, { maxLength: 5 }),
  })

  it('every mode keeps its promise and touches only what it should', () => {
    fc.assert(
      fc.property(
        sets,
        fc.constantFrom('exact', 'union', 'subtract') as fc.Arbitrary<
          'exact' | 'union' | 'subtract'
        >,
        fc.boolean(),
        (inp, mode, additionsOnly) => {
          const plan = diffPartition(mode, inp, { additionsOnly, rejectCap: 1000 })
          const N = new Set(inp.N)
          const members = new Set([...inp.L, ...inp.U].filter((e) => !N.has(e)))
          const O = new Set(inp.O)
          const K = new Set(inp.K)
          const U = new Set(inp.U)
          const addable = new Set(inp.S.filter((e) => !O.has(e) && !K.has(e)))
          const segment = new Set([...inp.S, ...inp.O, ...inp.K])
          // Never remove what is not a member; never add a member or anything not addable.
          for (const e of plan.removes) expect(members.has(e)).toBe(true)
          for (const e of plan.adds) {
            expect(addable.has(e) && !members.has(e) && !N.has(e)).toBe(true)
          }
          expect(new Set(plan.adds).size).toBe(plan.adds.length)
          expect(new Set(plan.removes).size).toBe(plan.removes.length)
          if (additionsOnly) expect(plan.removes).toEqual([])
          if (mode === 'union') expect(plan.removes).toEqual([])
          if (mode === 'subtract') expect(plan.adds).toEqual([])
          const after = new Set(members)
          for (const e of plan.removes) after.delete(e)
          for (const e of plan.adds) after.add(e)
          if (mode === 'exact' && !additionsOnly) {
            // L = S except what Unisender will not take (U, N) and CRM opt-outs; roles stay if present.
            for (const e of after) expect(addable.has(e) || (K.has(e) && !O.has(e))).toBe(true)
            for (const e of addable) if (!U.has(e) && !N.has(e)) expect(after.has(e)).toBe(true)
          }
          if (mode === 'union')
            for (const e of addable) if (!U.has(e) && !N.has(e)) expect(after.has(e)).toBe(true)
          if (mode === 'subtract' && !additionsOnly)
            for (const e of segment) expect(after.has(e)).toBe(false)
        }
      )
    )
  })
})
