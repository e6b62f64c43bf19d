/**
 * Form controls with bound labels, hints and per-field errors (aria-invalid + aria-describedby),
 * so every input is reachable and explained for keyboard and screen-reader users.
 */
import type { Child } from 'hono/jsx'
import { Alert } from './alert'

interface Base {
  name: string
  label: string
  hint?: Child
  error?: string
}

function describedBy(p: Base): string | undefined {
  const ids = [p.hint ? `${p.name}-hint` : '', p.error ? `${p.name}-error` : ''].filter(Boolean)
  return ids.length ? ids.join(' ') : undefined
}

function Help(p: Base) {
  return (
    <>
      {p.hint ? (
        <p class="hint" id={`${p.name}-hint`}>
          {p.hint}
        </p>
      ) : null}
      {p.error ? (
        <p class="field-error" id={`${p.name}-error`}>
          {p.error}
        </p>
      ) : null}
    </>
  )
}

/** A labelled text input. */
export function TextField(
  p: Base & {
    value?: string
    type?: string
    required?: boolean
    maxlength?: number
    autocomplete?: string
    /** app.js enables the input only while the checkbox with this id is ticked. */
    enabledBy?: string
  }
) {
  return (
    <div class={p.error ? 'field has-error' : 'field'}>
      <label for={p.name}>{p.label}</label>
      <input
        id={p.name}
        name={p.name}
        type={p.type ?? 'text'}
        value={p.value ?? ''}
        required={p.required}
        maxlength={p.maxlength}
        autocomplete={p.autocomplete ?? 'off'}
        data-enabled-by={p.enabledBy}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(p)}
      />
      <Help {...p} />
    </div>
  )
}

/** A labelled checkbox (value "1"). */
export function Checkbox(p: Base & { checked?: boolean; disables?: string }) {
  return (
    <div class={p.error ? 'field check has-error' : 'field check'}>
      <input
        id={p.name}
        name={p.name}
        type="checkbox"
        value="1"
        checked={p.checked}
        data-disables={p.disables}
        aria-describedby={describedBy(p)}
      />
      <label for={p.name}>{p.label}</label>
      <Help {...p} />
    </div>
  )
}

export interface Option {
  value: string
  label: string
}

/** A labelled select with a leading empty choice. */
export function SelectField(
  p: Base & {
    options: Option[]
    value?: string
    placeholder: string
    disabled?: boolean
    /** app.js reloads the form with this field's new value (e.g. the account's lists). */
    reloads?: boolean
  }
) {
  return (
    <div class={p.error ? 'field has-error' : 'field'}>
      <label for={p.name}>{p.label}</label>
      <select
        id={p.name}
        name={p.name}
        disabled={p.disabled}
        data-reload-param={p.reloads ? p.name : undefined}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(p)}
      >
        <option value="">{p.placeholder}</option>
        {p.options.map((o) => (
          <option value={o.value} selected={o.value === p.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Help {...p} />
    </div>
  )
}

/**
 * A select and the checkbox that replaces it ("Выгрузить всех покупателей", "Создать сегмент с
 * одноименным названием"): the checkbox disables the select; when the choices could not be
 * loaded, an error takes the select's place and the checkbox still works.
 */
export function SelectOrCheckbox(p: {
  unavailable: string | null
  select: Omit<Parameters<typeof SelectField>[0], 'disabled'>
  checkbox: Omit<Parameters<typeof Checkbox>[0], 'disables'>
}) {
  return (
    <>
      {p.unavailable !== null ? (
        <Alert kind="error">{p.unavailable}</Alert>
      ) : (
        <SelectField {...p.select} disabled={p.checkbox.checked} />
      )}
      <Checkbox {...p.checkbox} disables={p.select.name} />
    </>
  )
}

/**
 * The summary above a form with errors: every error, each a link to its field (a form-wide error
 * has no field), so none is hidden behind the first.
 */
export function ErrorSummary(p: {
  title: string
  errors: { field?: string; message: string | undefined }[]
  id?: string
}) {
  const shown = p.errors.filter((e): e is { field?: string; message: string } => !!e.message)
  if (shown.length === 0) return null
  return (
    <Alert kind="error" title={p.title} id={p.id}>
      <ul class="error-list">
        {shown.map((e) => (
          <li>{e.field ? <a href={`#${e.field}`}>{e.message}</a> : e.message}</li>
        ))}
      </ul>
    </Alert>
  )
}

/** The hidden CSRF field every POST form carries. */
export function Csrf(p: { token: string }) {
  return <input type="hidden" name="_csrf" value={p.token} />
}

/** A one-button POST form (actions such as pause, run now). */
export function PostButton(p: {
  action: string
  csrf: string
  label: string
  kind?: 'primary' | 'secondary' | 'danger'
  fields?: Record<string, string>
}) {
  return (
    <form method="post" action={p.action} class="inline">
      <Csrf token={p.csrf} />
      {Object.entries(p.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={`btn btn-${p.kind ?? 'secondary'}`}>
        {p.label}
      </button>
    </form>
  )
}
