/**
 * Deterministic customer generator for the sandbox CRM: customer `id` of a shop with `seed` is a pure
 * function of (seed, id), so a base of 1,000,000 customers costs no memory and no rows, and every
 * run of a test, a demo or the benchmark sees the same people. It deliberately produces the data a
 * real shop has: Cyrillic and Latin names, emails with mixed case and surrounding spaces, the same
 * email on several customers, invalid and empty emails, role addresses, and opt-outs.
 */

/** A 32-bit avalanche hash of two integers (murmur3 finaliser); the only source of "randomness". */
export function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Uniform integer in [0, n) for (seed, id, salt). */
export function pick(seed: number, id: number, salt: number, n: number): number {
  return mix(mix(seed, id), salt) % n
}

const RU_MALE = ['Иван', 'Алексей', 'Дмитрий', 'Сергей', 'Андрей', 'Михаил', 'Николай', 'Павел']
const RU_FEMALE = ['Анна', 'Мария', 'Елена', 'Ольга', 'Наталья', 'Татьяна', 'Ирина', 'Светлана']
const RU_LAST = ['Иванов', 'Петров', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов', 'Волков', 'Морозов']
const LAT_FIRST = ['John', 'Emma', 'Oliver', 'Sophie', 'Lucas', 'Mia', 'Noah', 'Laura', 'Anna']
const LAT_LAST = ['Smith', 'Müller', 'Garcia', 'Brown', 'Rossi', 'Novak', 'Dubois', 'Jensen']
const DOMAINS = ['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru', 'inbox.ru', 'list.ru', 'outlook.com']
const ROLES = ['info', 'admin', 'sales', 'support', 'office']

const TRANSLIT: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'h',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sch',
  ы: 'y',
  ь: '',
  ъ: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  ü: 'u',
}

/** ASCII local-part fragment for a (possibly Cyrillic) name. */
export function translit(name: string): string {
  return [...name.toLowerCase()].map((ch) => TRANSLIT[ch] ?? ch).join('')
}

/** The generated, never-mutated part of a customer. Overrides (src/sandbox/retailcrm) apply on top. */
export interface BaseCustomer {
  id: number
  externalId?: string
  firstName: string
  lastName: string
  /** Exactly as stored in the CRM: may be '', invalid, padded with spaces or mixed-case. */
  email: string
  phone: string
  createdAt: number
  emailMarketingUnsubscribedAt?: number
  /** The email channel's subscription flag (customerSubscriptions[channel=email].subscribed). */
  emailSubscribed: boolean
}

/** Shape of the seeded base; `quirks: false` gives clean unique emails (benchmark bases). */
export interface GeneratorOptions {
  seed: number
  quirks: boolean
  /** Epoch ms of the first customer's creation. */
  epoch: number
}

const NAME = 1
const LAST = 2
const LATIN = 3
const DOMAIN = 4
const QUIRK = 5
const CASE = 6
const SPACE = 7
const UNSUB = 8
const SUBOFF = 9
const PHONE = 10
const EXT = 11
const DUP = 12
const ROLE = 13
const SEX = 14

function names(seed: number, id: number): { first: string; last: string; latin: boolean } {
  if (pick(seed, id, LATIN, 10) < 3) {
    const first = LAT_FIRST[pick(seed, id, NAME, LAT_FIRST.length)]!
    return { first, last: LAT_LAST[pick(seed, id, LAST, LAT_LAST.length)]!, latin: true }
  }
  const female = pick(seed, id, SEX, 2) === 1
  const first = (female ? RU_FEMALE : RU_MALE)[pick(seed, id, NAME, 8)]!
  const last = RU_LAST[pick(seed, id, LAST, RU_LAST.length)]! + (female ? 'а' : '')
  return { first, last, latin: false }
}

/** The clean, unique address customer `id` would have without quirks. */
export function cleanEmail(seed: number, id: number): string {
  const n = names(seed, id)
  const domain = DOMAINS[pick(seed, id, DOMAIN, DOMAINS.length)]!
  return `${translit(n.first)}.${translit(n.last)}${id}@${domain}`
}

function quirkyEmail(seed: number, id: number): string {
  const q = pick(seed, id, QUIRK, 1000)
  const clean = cleanEmail(seed, id)
  const [local, domain] = clean.split('@') as [string, string]
  let email = clean
  if (q < 20) return '' // 2 %: no email at all
  if (q < 35) {
    // 1.5 %: addresses no mail service accepts
    const bad = [`${local}@`, `${local}.${domain}`, `${local}@@${domain}`, `${local}@mail`, 'нет']
    return bad[q % bad.length]!
  }
  if (q < 45)
    email = `${ROLES[pick(seed, id, ROLE, ROLES.length)]}@${domain}` // 1 %: role address
  else if (q < 75 && id > 1)
    email = cleanEmail(seed, id - 1 - pick(seed, id, DUP, Math.min(id - 1, 5000))) // 3 %: shared
  const style = pick(seed, id, CASE, 100)
  if (style < 8)
    email = email.replace(/^./, (c) => c.toUpperCase()).replace(/@.*$/, (d) => d.toUpperCase())
  else if (style < 10) email = email.toUpperCase()
  if (pick(seed, id, SPACE, 100) < 5) email = `  ${email} `
  return email
}

/** Customer `id` (1-based) of a seeded base. Pure and O(1). */
export function generateCustomer(opts: GeneratorOptions, id: number): BaseCustomer {
  const { seed } = opts
  const n = names(seed, id)
  const phoneDigits = String(mix(seed, id * 7 + PHONE) % 10_000_000).padStart(7, '0')
  const createdAt = opts.epoch + id * 61_000 + pick(seed, id, PHONE, 60) * 1000
  const customer: BaseCustomer = {
    id,
    firstName: n.first,
    lastName: n.last,
    email: opts.quirks ? quirkyEmail(seed, id) : cleanEmail(seed, id),
    phone: `+7 9${pick(seed, id, PHONE, 100).toString().padStart(2, '0')} ${phoneDigits}`,
    createdAt,
    emailSubscribed: !(opts.quirks && pick(seed, id, SUBOFF, 100) < 3),
  }
  if (pick(seed, id, EXT, 10) < 6) customer.externalId = `ext-${id}`
  if (opts.quirks && pick(seed, id, UNSUB, 100) < 4) {
    customer.emailMarketingUnsubscribedAt =
      createdAt + 86_400_000 * (1 + pick(seed, id, UNSUB, 300))
  }
  return customer
}
