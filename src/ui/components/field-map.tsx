/**
 * The contact-field rows of the sync form (#15): for each row, the RetailCRM data (a select) and the
 * Unisender field (an input suggesting the account's fields; a new name creates the field). The
 * 50-field limit is stated and enforced on submit. Works without JavaScript; rows stack on phones.
 */
import { IMPORT_FIELDS_MAX } from '../../clients/unisender'
import type { T } from '../../i18n'
import type { FieldOptions } from '../../sync-settings/fields'
import type { FieldRow } from '../../sync-settings/values'
import { Alert } from './alert'

/** Blank rows offered below the filled ones (up to the limit). */
const BLANK_ROWS = 2

export function FieldMap(p: { t: T; rows: FieldRow[]; options: FieldOptions; error?: string }) {
  const { t } = p
  const count = Math.max(p.rows.length, Math.min(IMPORT_FIELDS_MAX, p.rows.length + BLANK_ROWS))
  const rows = Array.from({ length: count }, (_, i) => p.rows[i] ?? { source: '', target: '' })
  const targets = 'error' in p.options.targets ? [] : p.options.targets
  return (
    <fieldset
      class={p.error ? 'field-map has-error' : 'field-map'}
      aria-describedby={`fields-help fields-limit${p.error ? ' fields-error' : ''}`}
    >
      <legend>{t('form.fields')}</legend>
      <input type="hidden" name="fieldsShown" value="1" />
      <p class="hint" id="fields-help">
        {t('form.fieldsHelp')}
      </p>
      <p class="hint" id="fields-limit">
        <strong>{t('form.fieldsLimit', { max: IMPORT_FIELDS_MAX })}</strong>
      </p>
      {'error' in p.options.targets ? (
        <Alert kind="warning">
          {t('form.fieldsUnavailable', { message: p.options.targets.error })}
        </Alert>
      ) : null}
      {rows.map((r, i) => (
        <div class="field-row">
          <div class="field">
            <label for={`fieldSource-${i}`}>{t('form.fieldSource')}</label>
            <select id={`fieldSource-${i}`} name={`fieldSource.${i}`}>
              <option value="">{t('form.fieldNone')}</option>
              {p.options.sources.map((s) => (
                <option value={s.value} selected={s.value === r.source}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for={`fieldTarget-${i}`}>{t('form.fieldTarget')}</label>
            <input
              type="text"
              id={`fieldTarget-${i}`}
              name={`fieldTarget.${i}`}
              value={r.target}
              list="unisender-fields"
              maxlength={100}
              autocomplete="off"
              aria-describedby="fields-target-help"
            />
          </div>
        </div>
      ))}
      <p class="hint" id="fields-target-help">
        {t('form.fieldTargetHelp')}
      </p>
      <datalist id="unisender-fields">
        {targets.map((f) => (
          <option value={f.name} />
        ))}
      </datalist>
      {p.error ? (
        <p class="field-error" id="fields-error">
          {p.error}
        </p>
      ) : null}
    </fieldset>
  )
}
