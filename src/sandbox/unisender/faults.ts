/**
 * Fault injection for tests and the benchmark: added latency, 5xx bursts, timeouts, `retry_later`
 * and rate-limit answers, and per-row import errors. Settings are in memory (by design: a restart clears them) and are
 * changed through the test handle or the sandbox control endpoint.
 */
import { z } from 'zod'

export const faultRuleSchema = z.object({
  kind: z.enum(['http5xx', 'timeout', 'retry_later', 'rate_limit']),
  /** How many calls the rule hits before it is spent; absent = unlimited. */
  count: z.number().int().positive().optional(),
  /** Chance that a matching call is hit (seeded, deterministic); default 1. */
  probability: z.number().min(0).max(1).optional(),
  /**
   * Method names (e.g. 'importContacts', 'async/exportContacts'); absent = every API method.
   * 'download' (the export file) is hit only when named, and only by http5xx and timeout.
   */
  methods: z.array(z.string()).optional(),
  /** http5xx only: the status, default 503. */
  status: z.number().int().min(500).max(599).optional(),
  /** timeout only: apply the call's effect first, then hang (the client cannot know it worked). */
  afterApply: z.boolean().optional(),
  /** timeout only: answer 504 after this long if the client has not given up; default 60 s. */
  timeoutMs: z.number().int().positive().optional(),
})

export const faultSettingsSchema = z.object({
  latencyMs: z.number().int().min(0).optional(),
  rules: z.array(faultRuleSchema).optional(),
  /** importContacts rows refused into `log` (not imported): by address or every n-th row. */
  rowErrors: z
    .object({
      emails: z.array(z.string()).optional(),
      every: z.number().int().positive().optional(),
    })
    .optional(),
  seed: z.number().int().optional(),
  /**
   * importContacts over the plan's contact limit first imports the rows that fit (new contacts up
   * to the limit, in row order), then refuses the call. UNCONFIRMED whether the real service does
   * this or refuses the whole call (the default here); the module must report either correctly.
   */
  partialPlanLimit: z.boolean().optional(),
})

export type FaultRule = z.infer<typeof faultRuleSchema>
export type FaultSettings = z.infer<typeof faultSettingsSchema>

/** mulberry32: a tiny seeded PRNG so probabilistic faults are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The live fault settings of one emulator instance. */
export class Faults {
  private settings: FaultSettings = {}
  private remaining: (number | undefined)[] = []
  private random = seeded(1)
  private rowEmails = new Set<string>()
  private rowCounter = 0

  /** Replaces all settings (counts start afresh). */
  set(settings: FaultSettings): void {
    this.settings = faultSettingsSchema.parse(settings)
    this.remaining = (this.settings.rules ?? []).map((r) => r.count)
    this.random = seeded(this.settings.seed ?? 1)
    this.rowEmails = new Set((this.settings.rowErrors?.emails ?? []).map((e) => e.toLowerCase()))
    this.rowCounter = 0
  }

  clear(): void {
    this.set({})
  }

  get(): FaultSettings {
    return this.settings
  }

  get latencyMs(): number {
    return this.settings.latencyMs ?? 0
  }

  /**
   * The first rule that hits this call of `method` (consuming one of its count), if any. With
   * `explicitOnly` (file downloads), only rules that name the method apply.
   */
  pick(method: string, explicitOnly = false): FaultRule | undefined {
    const rules = this.settings.rules ?? []
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!
      if (rule.methods ? !rule.methods.includes(method) : explicitOnly) continue
      const left = this.remaining[i]
      if (left === 0) continue
      if (rule.probability !== undefined && this.random() >= rule.probability) continue
      if (left !== undefined) this.remaining[i] = left - 1
      return rule
    }
    return undefined
  }

  /** Whether an import over the plan imports what fits before refusing. */
  partialPlanLimit(): boolean {
    return this.settings.partialPlanLimit === true
  }

  /** Whether an import row with this canonical address fails by injection. */
  rowFails(email: string): boolean {
    const rows = this.settings.rowErrors
    if (!rows) return false
    this.rowCounter++
    if (this.rowEmails.has(email)) return true
    return rows.every !== undefined && this.rowCounter % rows.every === 0
  }
}
