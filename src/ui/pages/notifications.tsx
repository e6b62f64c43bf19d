/**
 * "Уведомления": who gets the module's alerts in RetailCRM, which events, and per sync a mute switch
 * and the reject threshold; also why the CRM refused the last alert, when it did. Pure: data in props.
 */
import type { MessageKey, T } from '../../i18n'
import { Alert } from '../components/alert'
import { Checkbox, Csrf, TextField } from '../components/fields'

export interface NotificationsPageProps {
  t: T
  csrf: string
  userIds: number[] | null
  events: ReadonlySet<string>
  eventKeys: readonly string[]
  syncs: {
    id: number
    name: string
    muted: boolean
    rejectPercent: number
  }[]
  lastError: { reason: string; at: string } | null
  /** A field error after a refused save. */
  userIdsError?: string
}

/** The page. */
export function NotificationsPage(p: NotificationsPageProps) {
  const { t } = p
  const users = p.userIds !== null || Boolean(p.userIdsError)
  return (
    <>
      <h1>{t('notify.title')}</h1>
      <p>{t('notify.intro')}</p>
      {p.lastError ? <Alert kind="warning">{t('notify.lastError', p.lastError)}</Alert> : null}
      <form method="post" action="/notifications" class="notify-form">
        <Csrf token={p.csrf} />
        <fieldset>
          <legend>{t('notify.recipients')}</legend>
          <div class="field check">
            <input type="radio" id="rcp-admins" name="recipients" value="admins" checked={!users} />
            <label for="rcp-admins">{t('notify.recipients.admins')}</label>
          </div>
          <div class="field check">
            <input type="radio" id="rcp-users" name="recipients" value="users" checked={users} />
            <label for="rcp-users">{t('notify.recipients.users')}</label>
          </div>
          <TextField
            name="userIds"
            label={t('notify.userIds')}
            hint={t('notify.userIds.hint')}
            value={p.userIds?.join(', ') ?? ''}
            error={p.userIdsError}
            maxlength={500}
          />
        </fieldset>
        <fieldset>
          <legend>{t('notify.events')}</legend>
          {p.eventKeys.map((e) => (
            <Checkbox
              name={`event_${e}`}
              label={t(`notify.event.${e}` as MessageKey)}
              checked={p.events.has(e)}
            />
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('notify.syncs')}</legend>
          {p.syncs.length === 0 ? <p class="muted">{t('notify.noSyncs')}</p> : null}
          {p.syncs.map((s) => (
            <div class="notify-sync">
              <p>
                <a href={`/syncs/${s.id}`}>{s.name}</a>
              </p>
              <Checkbox name={`mute_${s.id}`} label={t('notify.mute')} checked={s.muted} />
              <div class="field">
                <label for={`reject_${s.id}`}>{t('notify.rejectPercent')}</label>
                <input
                  id={`reject_${s.id}`}
                  name={`reject_${s.id}`}
                  type="number"
                  min={1}
                  max={100}
                  value={String(s.rejectPercent)}
                  required
                />
              </div>
              <input type="hidden" name={`shown_${s.id}`} value="1" />
            </div>
          ))}
        </fieldset>
        <p class="hint">{t('notify.link')}</p>
        <button type="submit" class="btn btn-primary">
          {t('notify.save')}
        </button>
      </form>
    </>
  )
}
