/**
 * The module's tables. Every tenant-owned row carries `tenant_id` so that every query can be scoped
 * to the session's tenant. Timestamps are epoch milliseconds (integers) so they compare cheaply.
 * Migrations are generated from this file by `npm run db:generate` (drizzle-kit) into migrations/.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** A connected RetailCRM account (one shop). Created by the marketplace "simple connection". */
export const tenants = sqliteTable(
  'tenants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Normalised CRM origin (no trailing slash), the natural key of a connection. */
    systemUrl: text('system_url').notNull(),
    /** AES-GCM ciphertext of the CRM API key, bound to this row (see src/lib/crypto.ts). */
    crmApiKeyEnc: text('crm_api_key_enc').notNull(),
    /** SHA-256 (hex) of the clientId we gave the CRM; the clientId itself is a bearer secret. */
    clientIdHash: text('client_id_hash').notNull(),
    /** Marketplace activity: active && !freeze means live. */
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    frozen: integer('frozen', { mode: 'boolean' }).notNull().default(false),
    /** Set when the CRM answered 401/403 to our key: syncs pause until a reconnect. */
    brokenReason: text('broken_reason'),
    /** UI locale from the CRM settings callback when known ('ru' | 'en'). */
    locale: text('locale'),
    /**
     * The CRM's time zone (IANA name from GET /api/v5/settings), so times are shown as the shop
     * sees them; null until read (then Moscow, RetailCRM's usual zone, is shown and labelled).
     */
    timeZone: text('time_zone'),
    /** customers/history cursor: the last history id whose changes are recorded. */
    historySinceId: integer('history_since_id'),
    /** When the last full reconcile of all this tenant's syncs was scheduled. */
    lastReconcileAt: integer('last_reconcile_at'),
    /** History poller lease (epoch ms): while in the future, a queued poll owns this tenant's cursor. */
    historyPollUntil: integer('history_poll_until'),
    /**
     * RetailCRM pacing across invocations (epoch ms): a sync step reserves its window of calls by
     * moving this forward, so concurrent runs of one tenant stay within 10 requests/s together.
     */
    crmPacedUntil: integer('crm_paced_until'),
    /**
     * Page size RetailCRM serves this tenant on /customers and on /customers/history: null until it
     * refuses 250 (a 400, or an answer whose pagination.limit is not 250), then 100 for good
     * (src/credentials/page-sizes.ts; docs/retailcrm.md §3, UNCONFIRMED which endpoints take 250).
     */
    crmCustomersPage: integer('crm_customers_page'),
    crmHistoryPage: integer('crm_history_page'),
    /**
     * An account address the unsigned activity callback reported, kept aside: nothing is ever sent
     * there (the key goes only to system_url) until a signed registration from it confirms the move.
     */
    pendingSystemUrl: text('pending_system_url'),
    pendingSystemUrlAt: integer('pending_system_url_at'),
    /**
     * SHA-256 (hex) of the CRM API key: lets a signed registration from a new address with the same
     * key be recognised as this tenant moving (the key is 32+ random characters, so the hash cannot
     * be reversed by guessing). Null until the next registration of a tenant connected before it.
     */
    crmKeyHash: text('crm_key_hash'),
    /**
     * Alerts (src/alerts): who gets them — null means the CRM's administrators (userGroups
     * superadmins), else comma-separated CRM user ids — and which events (comma-separated keys of
     * ALERT_EVENTS; null means all).
     */
    notifyUserIds: text('notify_user_ids'),
    notifyEvents: text('notify_events'),
    /** The tenant-level alert state last notified ('ok' | 'crm_broken'), for one alert per change. */
    alertState: text('alert_state'),
    /** Why the CRM refused the last notification (shown in the module), null once one went through. */
    notifyError: text('notify_error'),
    notifyErrorAt: integer('notify_error_at'),
    /**
     * When the marketplace last switched the module off (active false); null while active. Stored
     * keys are deleted 30 days later (src/schedule/retention.ts), after which crmApiKeyEnc is ''.
     */
    deactivatedAt: integer('deactivated_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('tenants_system_url_uq').on(t.systemUrl),
    uniqueIndex('tenants_client_id_hash_uq').on(t.clientIdHash),
  ]
)

/**
 * Every signed (token-valid) registration request, for the per-address rate limit and the operator
 * view: a replayed register request rotates the clientId and ends sessions, so replays are bounded.
 */
export const registrations = sqliteTable(
  'registrations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The normalised address the request named (or the raw value, cut, when unusable). */
    systemUrl: text('system_url').notNull(),
    /** connected | reconnected | moved | refused | rate_limited */
    outcome: text('outcome').notNull(),
    tenantId: integer('tenant_id'),
    at: integer('at').notNull(),
  },
  (t) => [index('registrations_url_at_idx').on(t.systemUrl, t.at)]
)

/** Browser sessions: the CRM's clientId is exchanged for one of these on the accountUrl visit. */
export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 (hex) of the session cookie value. */
    idHash: text('id_hash').primaryKey(),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('sessions_tenant_idx').on(t.tenantId)]
)

/** A Unisender account (login + API key) added under "Мои аккаунты". */
export const unisenderAccounts = sqliteTable(
  'unisender_accounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    login: text('login').notNull(),
    apiKeyEnc: text('api_key_enc').notNull(),
    /** Last characters of the key, for the masked display; the key itself never leaves the server. */
    apiKeyHint: text('api_key_hint').notNull(),
    /** Whether Unisender reported the account in API test mode when last checked. */
    testMode: integer('test_mode', { mode: 'boolean' }).notNull().default(false),
    /**
     * Soft delete: syncs keep referencing a deleted account (they are paused, pausedReason
     * 'account_deleted'); the key ciphertext is wiped at deletion.
     */
    deletedAt: integer('deleted_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('unisender_accounts_tenant_idx').on(t.tenantId)]
)

/** The three sync modes of the help article. */
export const SYNC_MODES = ['exact', 'union', 'subtract'] as const
export type SyncMode = (typeof SYNC_MODES)[number]

/** A sync: RetailCRM segment (or all customers) -> Unisender list, in one mode. */
export const syncs = sqliteTable(
  'syncs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    unisenderAccountId: integer('unisender_account_id')
      .notNull()
      .references(() => unisenderAccounts.id),
    /** "Выгрузить всех покупателей": no segment, every customer. */
    allCustomers: integer('all_customers', { mode: 'boolean' }).notNull().default(false),
    segmentId: integer('segment_id'),
    segmentCode: text('segment_code'),
    segmentName: text('segment_name'),
    segmentIsDynamic: integer('segment_is_dynamic', { mode: 'boolean' }),
    /** Unisender list id; null until a "create a list with the same name" sync has created it. */
    listId: integer('list_id'),
    listTitle: text('list_title').notNull(),
    /** "Создать сегмент с одноименным названием". */
    createList: integer('create_list', { mode: 'boolean' }).notNull().default(false),
    mode: text('mode', { enum: SYNC_MODES }).notNull(),
    /** 'active' | 'paused' (by the user, or by a deleted account: see pausedReason). */
    state: text('state', { enum: ['active', 'paused'] })
      .notNull()
      .default('active'),
    pausedReason: text('paused_reason'),
    /** Removal guard: hold a run that removes more than this share of the list ... */
    guardPercent: integer('guard_percent').notNull().default(25),
    /** ... and at least this many contacts. */
    guardMinCount: integer('guard_min_count').notNull().default(100),
    /** When the scheduler should next start a run (epoch ms), null when nothing is due. */
    nextRunAt: integer('next_run_at'),
    /** When the last full (non-incremental) run finished successfully. */
    lastFullRunAt: integer('last_full_run_at'),
    /** Segment customersCount seen by the last poll, to notice recalculations. */
    lastSeenCustomersCount: integer('last_seen_customers_count'),
    /**
     * What the scheduled run at next_run_at must be (src/schedule): 'incremental' (recorded history
     * changes can be applied alone), 'full' (a change an incremental run cannot apply safely) or
     * 'reconcile' (the periodic full backstop). Only ever upgraded until the run starts.
     */
    nextRunKind: text('next_run_kind', { enum: ['incremental', 'full', 'reconcile'] }),
    /** History id up to which change_pages are reflected in (or covered by a run of) this sync. */
    historyAppliedId: integer('history_applied_id'),
    /**
     * The exact-mode run whose holder index (run_chunks side 'H', src/sync/holders.ts) proves what
     * the incremental runs may remove; null whenever no complete full run covers the watermark.
     */
    holderRunId: integer('holder_run_id'),
    /** The alert state last notified for this sync (src/alerts/state.ts), for one alert per change. */
    alertState: text('alert_state'),
    /** No CRM notifications for this sync (the banner still shows). */
    alertMuted: integer('alert_muted', { mode: 'boolean' }).notNull().default(false),
    /** Alert when a run's rejects exceed this share (%) of the customers it read. */
    rejectAlertPercent: integer('reject_alert_percent').notNull().default(20),
    /**
     * Contact fields (#15): JSON array of {source, target, type}, CRM customer data written to
     * Unisender fields (src/sync/field-map.ts). '[]' (syncs saved before fields existed) writes
     * none; the form proposes first name → Name for a new sync.
     */
    fieldMap: text('field_map').notNull().default('[]'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('syncs_tenant_idx').on(t.tenantId), index('syncs_due_idx').on(t.state, t.nextRunAt)]
)

export const RUN_STATUSES = [
  'queued',
  'running',
  'needs_confirmation',
  'done',
  'failed',
  'cancelled',
] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

/** One execution of a sync (or a dry run). `phase` + `cursor` checkpoint the state machine. */
export const runs = sqliteTable(
  'runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    syncId: integer('sync_id')
      .notNull()
      .references(() => syncs.id, { onDelete: 'cascade' }),
    /** What started it: 'create' | 'schedule' | 'manual' | 'change' | 'reconcile' | 'edit'. */
    trigger: text('trigger').notNull(),
    dryRun: integer('dry_run', { mode: 'boolean' }).notNull().default(false),
    /** 'full' reads the whole segment and list; 'incremental' applies recorded changes. */
    kind: text('kind', { enum: ['full', 'incremental'] })
      .notNull()
      .default('full'),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('queued'),
    /** State-machine phase name, owned by src/sync. */
    phase: text('phase').notNull().default('planned'),
    /** Phase cursor (JSON), owned by src/sync. */
    cursor: text('cursor').notNull().default('{}'),
    /** Step sequence number: a queue message carrying an older seq is a duplicate and is acked. */
    stepSeq: integer('step_seq').notNull().default(0),
    /** Counts shown to the user (JSON object of named integers). */
    counts: text('counts').notNull().default('{}'),
    /** API calls per service (JSON). */
    apiCalls: text('api_calls').notNull().default('{}'),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total').notNull().default(0),
    /** True when the read was incomplete and removals were skipped. */
    additionsOnly: integer('additions_only', { mode: 'boolean' }).notNull().default(false),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    /** When a step last committed (or the watchdog re-sent the step), for src/schedule/watchdog.ts. */
    steppedAt: integer('stepped_at'),
  },
  (t) => [
    index('runs_sync_idx').on(t.syncId, t.id),
    index('runs_tenant_idx').on(t.tenantId),
    index('runs_status_idx').on(t.status),
  ]
)

/**
 * Staged data of a run, packed: one row holds many emails of one hash bucket, so a 1,000,000-email
 * run writes thousands of rows, not millions (D1 bills per row written).
 * side: 'S' (segment), 'L' (list), 'A' (to add), 'R' (to remove), or engine-specific tags.
 */
export const runChunks = sqliteTable(
  'run_chunks',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    side: text('side').notNull(),
    bucket: integer('bucket').notNull(),
    seq: integer('seq').notNull(),
    itemCount: integer('item_count').notNull(),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.side, t.bucket, t.seq] })]
)

/** Per-contact rejects of a run (bounded per run), with a reason code for the UI and CSV. */
export const runRejects = sqliteTable(
  'run_rejects',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    reason: text('reason').notNull(),
    detail: text('detail'),
  },
  (t) => [index('run_rejects_run_idx').on(t.runId)]
)

/**
 * The input of incremental runs, packed: one row per recorded history page of a tenant, covering
 * history ids (from_id, up_to], holding the poller's re-read of every customer the page touched
 * (src/sync/incremental-records.ts: address class and segment codes, JSON). Every affected sync of
 * the shop plans from these rows, so a change is read from the CRM once, and a 10,000-customer
 * change writes about a hundred rows instead of ten thousand (D1 bills per row written). Written
 * in the same batch as the cursor move; pruned once every following sync's watermark passes it.
 */
export const changePages = sqliteTable(
  'change_pages',
  {
    tenantId: integer('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** The highest history id of the page (the tenant cursor after it). */
    upTo: integer('up_to').notNull(),
    /** The tenant cursor before the page. */
    fromId: integer('from_id').notNull(),
    /** Customers recorded in `data`. */
    itemCount: integer('item_count').notNull(),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.upTo] })]
)

export type Tenant = typeof tenants.$inferSelect
export type Session = typeof sessions.$inferSelect
export type UnisenderAccount = typeof unisenderAccounts.$inferSelect
export type Sync = typeof syncs.$inferSelect
export type Run = typeof runs.$inferSelect
