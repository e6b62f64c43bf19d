/** The export file parser (export-csv.ts), also on a file cut into arbitrary byte slices. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  completeRecordsEnd,
  detectHeader,
  listSide,
  parseCsv,
  toListRows,
} from '../../src/sync/export-csv'

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
