/**
 * "Создать новую синхронизацию" / edit: RetailCRM segment or "Выгрузить всех покупателей", the
 * Unisender account and list or "Создать сегмент с одноименным названием", the three modes with the
 * {a,b,c}/{c,d,e} example, the contact fields (#15), "Сохранить" and the dry-run check. Pure: data
 * arrives as props.
 */
import { SYNC_MODES } from '../../db/schema'
import { formatNumber, type Locale, type T } from '../../i18n'
import type { FieldOptions } from '../../sync-settings/fields'
import {
  type FieldRow,
  LIST_TITLE_MAX,
  type SegmentOption,
  type SyncFormErrors,
  type SyncFormValues,
} from '../../sync-settings/values'
import { Alert } from '../components/alert'
import { FieldMap } from '../components/field-map'
import {
  Checkbox,
  Csrf,
  ErrorSummary,
  type Option,
  SelectField,
  SelectOrCheckbox,
  TextField,
} from '../components/fields'
import { PlanWarning, planNumbers } from '../components/run-details'

export interface SyncFormProps {
  t: T
  locale: Locale
  csrf: string
  /** Set when editing an existing sync. */
  syncId?: number
  segments: SegmentOption[] | { error: string }
  accounts: { id: number; login: string; testMode: boolean }[]
  lists: { id: number; title: string }[] | { error: string }
  values: SyncFormValues
  errors: SyncFormErrors
  /** The plan may be too small: ask to confirm. */
  plan?: { need: number; left: number; total: number }
  /** Other syncs (union/subtraction) already write the chosen list: ask to confirm. */
  sharedWith?: string[]
  sharedConfirmed?: boolean
  /** Contact fields (#15): the rows to show and what they can map. */
  fieldRows: FieldRow[]
  fieldOptions: FieldOptions
}

function segmentOptions(t: T, locale: Locale, segs: SegmentOption[]): Option[] {
  return segs.map((s) => ({
    value: String(s.id),
    label: t('form.segmentOption', {
      name: s.name,
      count: formatNumber(locale, s.customersCount),
      kind: s.isDynamic ? t('form.dynamic') : t('form.static'),
    }),
  }))
}

/** The form page. */
export function SyncFormPage(p: SyncFormProps) {
  const { t, values: v, errors: e } = p
  const editing = p.syncId != null
  const action = editing ? `/syncs/${p.syncId}` : '/syncs'
  const reload = editing ? `/syncs/${p.syncId}/edit` : '/syncs/new'
  const account = p.accounts.find((a) => String(a.id) === v.accountId)
  return (
    <>
      <h1>{editing ? t('form.editTitle') : t('form.newTitle')}</h1>
      <ErrorSummary
        title={t('common.errorsTitle')}
        errors={[
          { message: e.form },
          { field: 'segmentId', message: e.segment },
          { field: 'accountId', message: e.account },
          { field: 'listId', message: e.list },
          { field: 'listTitle', message: e.listTitle },
          { field: `mode-${SYNC_MODES[0]}`, message: e.mode },
          { field: 'fieldSource-0', message: e.fields },
        ]}
      />
      {p.plan ? <PlanWarning t={t} numbers={planNumbers(t, p.locale, p.plan)} /> : null}
      {p.sharedWith?.length ? (
        <Alert kind="warning" title={t('form.listShared.title')}>
          {t('form.listShared', { syncs: p.sharedWith.map((n) => `«${n}»`).join(', ') })}
        </Alert>
      ) : null}
      <form method="post" action={action} class="card" data-reload-url={reload}>
        <Csrf token={p.csrf} />
        {/* The default button (Enter in a field) saves; hidden from view and from screen readers. */}
        <button type="submit" name="intent" value="save" hidden tabindex={-1} />
        <SelectOrCheckbox
          unavailable={
            'error' in p.segments
              ? t('form.segmentsUnavailable', { message: p.segments.error })
              : null
          }
          select={{
            name: 'segmentId',
            label: t('form.segment'),
            placeholder: t('form.segmentChoose'),
            options: 'error' in p.segments ? [] : segmentOptions(t, p.locale, p.segments),
            value: v.segmentId,
            error: e.segment,
          }}
          checkbox={{
            name: 'allCustomers',
            label: t('form.allCustomers'),
            hint: t('form.allCustomersHelp'),
            checked: v.allCustomers,
          }}
        />
        <SelectField
          name="accountId"
          label={t('form.account')}
          placeholder={t('form.account')}
          options={p.accounts.map((a) => ({ value: String(a.id), label: a.login }))}
          value={v.accountId}
          error={e.account}
          reloads
        />
        <p data-noscript-only>
          <button type="submit" class="btn" name="intent" value="reload">
            {t('form.pickAccount')}
          </button>
        </p>
        {account?.testMode ? (
          <Alert kind="warning" title={t('accounts.testMode')}>
            {t('accounts.testModeText')}
          </Alert>
        ) : null}
        <SelectOrCheckbox
          unavailable={
            'error' in p.lists ? t('form.listsUnavailable', { message: p.lists.error }) : null
          }
          select={{
            name: 'listId',
            label: t('form.list'),
            placeholder: t('form.listChoose'),
            options:
              'error' in p.lists
                ? []
                : p.lists.map((l) => ({ value: String(l.id), label: l.title })),
            value: v.listId,
            error: e.list,
          }}
          checkbox={{
            name: 'createList',
            label: t('form.createList'),
            hint: t('form.createListHelp'),
            checked: v.createList,
          }}
        />
        <TextField
          name="listTitle"
          label={t('form.listTitle')}
          hint={t('form.listTitleHelp')}
          value={v.listTitle}
          maxlength={LIST_TITLE_MAX}
          error={e.listTitle}
          enabledBy="createList"
        />
        <fieldset aria-describedby={e.mode ? 'mode-error' : undefined}>
          <legend>{t('form.mode')}</legend>
          {SYNC_MODES.map((m) => (
            <div class="radio">
              <input
                type="radio"
                id={`mode-${m}`}
                name="mode"
                value={m}
                checked={v.mode === m}
                aria-describedby={`mode-${m}-help`}
              />
              <label for={`mode-${m}`}>{t(`mode.${m}`)}</label>
              <p class="hint" id={`mode-${m}-help`}>
                {t(`mode.${m}.help`)}
              </p>
            </div>
          ))}
          {e.mode ? (
            <p class="field-error" id="mode-error">
              {e.mode}
            </p>
          ) : null}
        </fieldset>
        <FieldMap t={t} rows={p.fieldRows} options={p.fieldOptions} error={e.fields} />
        {p.plan ? <Checkbox name="planConfirmed" label={t('form.planConfirm')} /> : null}
        {p.sharedWith?.length ? (
          <Checkbox name="listSharedConfirmed" label={t('form.listShared.confirm')} />
        ) : p.sharedConfirmed ? (
          <input type="hidden" name="listSharedConfirmed" value="1" />
        ) : null}
        <div class="toolbar">
          <button type="submit" name="intent" value="save" class="btn btn-primary">
            {t('form.save')}
          </button>
          <button type="submit" name="intent" value="dry" class="btn" aria-describedby="dry-help">
            {t('form.dryRun')}
          </button>
          <a class="btn" href={editing ? `/syncs/${p.syncId}` : '/syncs'}>
            {t('common.cancel')}
          </a>
        </div>
        <p class="hint" id="dry-help">
          {t('form.dryRunHelp')}
        </p>
      </form>
    </>
  )
}
