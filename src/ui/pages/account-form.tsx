/** The "Новый аккаунт" / edit form: "Логин", "API-ключ", "Сохранить", with the key-location hint. */
import type { T } from '../../i18n'
import { Alert } from '../components/alert'
import { Checkbox, Csrf, ErrorSummary, TextField } from '../components/fields'

export const LOGIN_MAX = 100
export const KEY_MAX = 100

export interface AccountFormProps {
  t: T
  csrf: string
  /** Set when editing. */
  accountId?: number
  maskedKey?: string
  values: { login?: string }
  errors: { login?: string; apiKey?: string; form?: string }
  /** Unisender reported API test mode: ask for explicit confirmation. */
  testModeWarning?: boolean
}

/** The account form page. */
export function AccountFormPage(p: AccountFormProps) {
  const { t } = p
  const editing = p.accountId != null
  const hasErrors = Boolean(p.errors.login || p.errors.apiKey || p.errors.form)
  return (
    <>
      <h1>{editing ? t('accounts.formEdit') : t('accounts.formNew')}</h1>
      {hasErrors ? (
        <ErrorSummary
          title={t('common.errorsTitle')}
          id="form-errors"
          errors={[
            { message: p.errors.form },
            { field: 'login', message: p.errors.login },
            { field: 'apiKey', message: p.errors.apiKey },
          ]}
        />
      ) : null}
      {p.testModeWarning ? (
        <Alert kind="warning" title={t('accounts.testMode')}>
          {t('accounts.err.testMode')}
        </Alert>
      ) : null}
      <form method="post" action={editing ? `/accounts/${p.accountId}` : '/accounts'} class="card">
        <Csrf token={p.csrf} />
        <TextField
          name="login"
          label={t('accounts.login')}
          value={p.values.login}
          required
          maxlength={LOGIN_MAX}
          autocomplete="username"
          error={p.errors.login}
        />
        <TextField
          name="apiKey"
          type="password"
          label={t('accounts.apiKey')}
          required={!editing}
          maxlength={KEY_MAX}
          autocomplete="off"
          error={p.errors.apiKey}
          hint={
            <>
              {t('accounts.keyHint')}
              {editing && p.maskedKey ? ` ${t('accounts.keyKeep', { masked: p.maskedKey })}` : ''}
            </>
          }
        />
        {p.testModeWarning ? (
          <Checkbox name="acceptTestMode" label={t('accounts.testModeConfirm')} />
        ) : null}
        <div class="toolbar">
          <button type="submit" class="btn btn-primary">
            {t('common.save')}
          </button>
          <a class="btn" href="/accounts">
            {t('common.cancel')}
          </a>
        </div>
      </form>
    </>
  )
}

/** Confirmation before deleting an account, saying which syncs will pause. */
export function AccountDeletePage(p: {
  t: T
  csrf: string
  id: number
  login: string
  /** The syncs this account's deletion stops (or moves), named. */
  syncs: { id: number; label: string }[]
  /** Other live accounts the syncs can move to. */
  targets: { id: number; login: string }[]
}) {
  const { t } = p
  const used = p.syncs.length
  return (
    <>
      <h1>{t('accounts.deleteTitle', { login: p.login })}</h1>
      <Alert kind={used ? 'warning' : 'info'}>
        {used ? t('accounts.deleteUsed', { count: used }) : t('accounts.deleteUnused')}
      </Alert>
      {used ? (
        <ul class="delete-syncs">
          {p.syncs.map((s) => (
            <li>
              <a href={`/syncs/${s.id}`}>{s.label}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <form method="post" action={`/accounts/${p.id}/delete`}>
        <Csrf token={p.csrf} />
        {used && p.targets.length ? (
          <div class="field">
            <label for="moveTo">{t('accounts.moveTo')}</label>
            <select id="moveTo" name="moveTo" aria-describedby="moveTo-hint">
              <option value="">{t('accounts.moveNone')}</option>
              {p.targets.map((a) => (
                <option value={String(a.id)}>{a.login}</option>
              ))}
            </select>
            <p class="hint" id="moveTo-hint">
              {t('accounts.moveHint')}
            </p>
          </div>
        ) : null}
        <div class="toolbar">
          <button type="submit" class="btn btn-danger">
            {t('accounts.deleteConfirm')}
          </button>
          <a class="btn" href="/accounts">
            {t('common.cancel')}
          </a>
        </div>
      </form>
    </>
  )
}
