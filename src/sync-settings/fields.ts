/**
 * The contact-field part of the sync form (#15): the sources it offers (built-in customer data and
 * the shop's custom fields from the CRM), the account's Unisender fields it can target, and the
 * validation of the submitted rows into the mapping stored on the sync. At most 50 user fields per
 * import (Unisender's limit): more are refused. Domain code: takes its dependencies.
 */
import { accountClient } from '../accounts/unisender-key'
import { FIELD_TYPES, type FieldType, IMPORT_FIELDS_MAX } from '../clients/unisender'
import type { UnisenderAccount } from '../db/schema'
import type { T } from '../i18n'
import { errorText } from '../lib/error-text'
import { BUILTIN_SOURCES, CUSTOM_PREFIX, customFieldType, type FieldMapping } from '../sync'
import type { FormDeps } from './form'
import type { FieldRow, SyncFormErrors } from './values'

/** A source the form offers: its value (`firstName`, `cf:<code>`), label and new-field type. */
export interface SourceOption {
  value: string
  label: string
  type: FieldType
}

/** What the form's field rows need: sources, and the account's fields (or why they are missing). */
export interface FieldOptions {
  sources: SourceOption[]
  targets: { name: string; type: string }[] | { error: string }
}

/** Names a new Unisender field may have (UNCONFIRMED rule: latin letters, digits, `_`). */
export const NEW_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,49}$/

/** Custom-field pages read for the form (100 per page). */
const CUSTOM_FIELD_PAGES = 5

/** The built-in sources, labelled in the UI's language. */
function builtinOptions(t: T): SourceOption[] {
  return (Object.keys(BUILTIN_SOURCES) as (keyof typeof BUILTIN_SOURCES)[]).map((k) => ({
    value: k,
    label: t(`source.${k}`),
    type: BUILTIN_SOURCES[k],
  }))
}

/**
 * The shop's custom customer fields; none when the CRM refuses the dictionary (its scope is
 * UNCONFIRMED, docs/retailcrm.md §3) or cannot be read now.
 */
async function customOptions(d: FormDeps, crm: CustomFieldReader): Promise<SourceOption[]> {
  const out: SourceOption[] = []
  try {
    for (let page = 1; page <= CUSTOM_FIELD_PAGES; page++) {
      const res = await crm.listCustomerFields(page)
      for (const f of res.customFields)
        out.push({
          value: `${CUSTOM_PREFIX}${f.code}`,
          label: d.t('source.custom', { name: f.name }),
          type: customFieldType(f.type),
        })
      if (page >= (res.pagination?.totalPageCount ?? 1)) break
    }
  } catch {
    // The form still offers the built-in sources.
  }
  return out
}

/** The CRM call the form needs for custom fields. */
export interface CustomFieldReader {
  listCustomerFields: (page?: number) => Promise<{
    customFields: { code: string; name: string; type?: string }[]
    pagination?: { totalPageCount?: number }
  }>
}

/** Sources and targets for the form's field rows. */
export async function loadFieldOptions(
  d: FormDeps,
  crm: CustomFieldReader,
  account: UnisenderAccount | null
): Promise<FieldOptions> {
  const [custom, targets] = await Promise.all([
    customOptions(d, crm),
    (async (): Promise<FieldOptions['targets']> => {
      if (!account) return []
      try {
        const fields = await (await accountClient(d.settings, account)).getFields()
        return fields.map((f) => ({ name: f.name, type: f.type }))
      } catch (err) {
        return { error: errorText(err) }
      }
    })(),
  ])
  return { sources: [...builtinOptions(d.t), ...custom], targets }
}

const asType = (t: string): FieldType | null =>
  (FIELD_TYPES as readonly string[]).includes(t) ? (t as FieldType) : null

/**
 * The mapping of the submitted rows, or an error set on `e.fields`. A target that exists in
 * Unisender keeps its type; a new one gets the source's type and must be a valid name.
 */
export function validateFieldRows(
  t: T,
  rows: readonly FieldRow[],
  options: FieldOptions,
  e: SyncFormErrors
): FieldMapping[] {
  if (rows.length > IMPORT_FIELDS_MAX) {
    e.fields = t('form.err.fieldsTooMany', { max: IMPORT_FIELDS_MAX })
    return []
  }
  const existing = 'error' in options.targets ? [] : options.targets
  const out: FieldMapping[] = []
  for (const row of rows) {
    const source = options.sources.find((s) => s.value === row.source)
    if (!source) {
      e.fields = t('form.err.fieldSource', { field: row.target })
      return []
    }
    if (!row.target) {
      e.fields = t('form.err.fieldTarget', { source: source.label })
      return []
    }
    const have = existing.find((f) => f.name === row.target)
    if (!have && !NEW_FIELD_NAME.test(row.target)) {
      e.fields = t('form.err.fieldName', { field: row.target })
      return []
    }
    if (out.some((m) => m.target === row.target)) {
      e.fields = t('form.err.fieldDuplicate', { field: row.target })
      return []
    }
    out.push({
      source: source.value,
      target: row.target,
      type: (have && asType(have.type)) || source.type,
    })
  }
  return out
}
