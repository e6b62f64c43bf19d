/**
 * Declarative sandbox shops: a seed, a number of customers and segment windows (see membership.ts).
 * The seeded "demo" shop is what a newcomer connects to; `benchShop()` builds the benchmark's bases
 * of up to 1,000,000 customers. Pure: turns a definition into the rows schema.ts writes.
 */
import { z } from 'zod'
import { capacity } from './membership'

export const segmentDefinitionSchema = z.object({
  code: z.string().regex(/^[a-z0-9_-]{1,64}$/i),
  name: z.string().min(1).max(255),
  dynamic: z.boolean(),
  active: z.boolean().default(true),
  /** First candidate customer id (1-based). */
  offset: z.number().int().min(1).default(1),
  /** Distance between candidate ids. */
  stride: z.number().int().min(1).default(1),
  /** Members at creation; defaults to every candidate. Leave room (size < cap) for recalculations. */
  size: z.number().int().min(0).optional(),
  /** Alternative to size: share of the shop's customers, e.g. 0.99. */
  share: z.number().min(0).max(1).optional(),
})

export const shopDefinitionSchema = z.object({
  code: z.string().regex(/^[a-z0-9-]{1,40}$/),
  name: z.string().min(1).max(255).optional(),
  seed: z.number().int().default(1),
  customers: z.number().int().min(1).max(5_000_000),
  site: z.string().min(1).max(64).optional(),
  /** Realistic data problems (bad, duplicate, role emails, opt-outs); off gives clean unique emails. */
  quirks: z.boolean().default(true),
  /** Epoch ms of the first customer's creation. */
  epoch: z
    .number()
    .int()
    .default(Date.UTC(2022, 0, 1)),
  /** Epoch ms the shop (and its creation history block) is dated; defaults to now. */
  createdAt: z.number().int().optional(),
  /** Whether customers/history starts with one `created` record per seeded customer. */
  creationHistory: z.boolean().default(true),
  segments: z.array(segmentDefinitionSchema).max(50).default([]),
})

export type SegmentDefinition = z.input<typeof segmentDefinitionSchema>
export type ShopDefinition = z.input<typeof shopDefinitionSchema>

export interface SegmentRow {
  id: number
  code: string
  name: string
  createdAt: number
  isDynamic: boolean
  active: boolean
  offset: number
  stride: number
  cap: number
  lo: number
  size: number
}

/** The demo shop: ~70,000 customers, segments of about 100, 5,000 and 60,000 (dynamic and static). */
export const DEMO_SHOP: ShopDefinition = {
  code: 'demo',
  name: 'Демо-магазин «Уютный дом»',
  seed: 20261126,
  customers: 70_000,
  site: 'uyutny-dom',
  quirks: true,
  createdAt: Date.UTC(2026, 10, 1, 9, 0, 0),
  segments: [
    {
      code: 'novye-pokupateli',
      name: 'Новые покупатели',
      dynamic: true,
      offset: 3,
      stride: 613,
      size: 100,
    },
    {
      code: 'postoyannye',
      name: 'Постоянные покупатели',
      dynamic: false,
      offset: 5,
      stride: 13,
      size: 5000,
    },
    {
      code: 'podpischiki',
      name: 'Подписчики рассылки',
      dynamic: true,
      offset: 1,
      stride: 1,
      size: 60_000,
    },
    { code: 'moskva', name: 'Москва и область', dynamic: true, offset: 4, stride: 12, size: 5000 },
    { code: 'vip', name: 'VIP-клиенты', dynamic: false, offset: 7, stride: 280 },
    {
      code: 'akciya-2023',
      name: 'Акция 2023 (архив)',
      dynamic: false,
      active: false,
      offset: 2,
      stride: 50,
      size: 1200,
    },
  ],
}

/**
 * A benchmark shop: `customers` clean customers (unique valid emails) and one dynamic segment
 * `bench` holding `share` of them (or exactly `size`), so the rest of the base is room for
 * recalculations: e.g. 1,010,000 customers with size 1,000,000 lets a recalculation swap 1 %.
 */
export function benchShop(
  code: string,
  customers: number,
  share = 0.99,
  size?: number
): ShopDefinition {
  return {
    code,
    name: `Бенчмарк: ${customers.toLocaleString('ru-RU')} покупателей`,
    seed: 7,
    customers,
    quirks: false,
    creationHistory: false,
    segments: [
      {
        code: 'bench',
        name: 'Бенчмарк',
        dynamic: true,
        ...(size === undefined ? { share } : { size }),
      },
    ],
  }
}

/** Validates a definition and computes its rows; throws on a segment larger than its candidates. */
export function shopRows(input: ShopDefinition, now: number) {
  const def = shopDefinitionSchema.parse(input)
  const createdAt = def.createdAt ?? now
  const segments: SegmentRow[] = def.segments.map((s, i) => {
    const cap = capacity(def.customers, s.offset, s.stride)
    const size = s.size ?? (s.share !== undefined ? Math.round(s.share * def.customers) : cap)
    if (size > cap) throw new Error(`segment ${s.code}: size ${size} exceeds its ${cap} candidates`)
    return {
      id: i + 1,
      code: s.code,
      name: s.name,
      createdAt: createdAt - 86_400_000 * (30 - i),
      isDynamic: s.dynamic,
      active: s.active,
      offset: s.offset,
      stride: s.stride,
      cap,
      lo: 0,
      size,
    }
  })
  const codes = new Set(segments.map((s) => s.code))
  if (codes.size !== segments.length) throw new Error('segment codes must be unique')
  return {
    shop: {
      code: def.code,
      name: def.name ?? def.code,
      seed: def.seed,
      customers: def.customers,
      site: def.site ?? def.code,
      quirks: def.quirks,
      epoch: def.epoch,
      createdAt,
    },
    segments,
    historyCount: def.creationHistory ? def.customers : 0,
  }
}
