/**
 * Where personal data lives: every table and column of the database, and every kind of blob, classified.
 * Retention, erasure, export and backups work from this one declaration; a test compares it with the
 * migrated database's catalog, so a migration that adds a table or column fails CI until it is classified
 * here (`test/integration/personal-data-registry.test.ts`).
 */

/** What kind of personal data a column holds (GDPR art. 4(1)); `none` is an explicit "not personal". */
export const PERSONAL_DATA_CATEGORIES = {
  identifier: 'identifies a person directly: name, phone number, e-mail address, a provider user id',
  content: 'what a person wrote or sent, or what was written about them: messages, media, notes, payloads',
  profile: 'facts collected about a person: company, language, qualification answers, search text',
  network: 'IP addresses and user agents',
  credential: 'secrets and hashes that authenticate a person',
  reference: "the id of a person's row: pseudonymous on its own, personal when joined",
  none: 'not personal data',
} as const;

export type PersonalDataCategory = keyof typeof PERSONAL_DATA_CATEGORIES;

/** Whose data: the business's customers (contacts), its operators (users), or nobody's. */
export type DataSubject = 'contact' | 'user';

export interface TableClassification {
  /** Whose personal data the table can hold; empty when none of its columns is personal. */
  readonly subjects: readonly DataSubject[];
  readonly columns: Readonly<Record<string, PersonalDataCategory>>;
}

export interface BlobClassification {
  readonly subjects: readonly DataSubject[];
  readonly category: PersonalDataCategory;
  /** The column holding the blob's key, so erasure and export can find the blob from its row. */
  readonly keyColumn: { readonly table: string; readonly column: string };
  readonly description: string;
}

const none = 'none' as const;

/** Columns every tenant table shares: keep them out of each entry's noise, not out of the classification. */
const tenantScoped = { tenant_id: none } as const;

export const personalDataTables: Readonly<Record<string, TableClassification>> = {
  // Operators and their sign-in.
  'public.users': {
    subjects: ['user'],
    columns: {
      id: 'reference',
      email: 'identifier',
      display_name: 'identifier',
      password_hash: 'credential',
      email_verified_at: none,
      totp_secret: 'credential',
      totp_enabled_at: none,
      totp_last_step: none,
      password_changed_at: none,
      disabled_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.sessions': {
    subjects: ['user'],
    columns: {
      id: none,
      token_hash: 'credential',
      user_id: 'reference',
      active_tenant_id: none,
      mfa_pending: none,
      authenticated_at: none,
      last_seen_at: none,
      expires_at: none,
      revoked_at: none,
      ip: 'network',
      user_agent: 'network',
      created_at: none,
    },
  },
  'public.recovery_codes': {
    subjects: ['user'],
    columns: { id: none, user_id: 'reference', code_hash: 'credential', used_at: none, created_at: none },
  },
  'public.user_tokens': {
    subjects: ['user'],
    columns: {
      id: none,
      user_id: 'reference',
      purpose: none,
      token_hash: 'credential',
      expires_at: none,
      used_at: none,
      created_at: none,
      email: 'identifier',
    },
  },
  'public.mail_outbox': {
    subjects: ['user'],
    columns: { id: none, to_address: 'identifier', subject: none, text_body: 'content', created_at: none },
  },
  'public.rate_limits': {
    // Keys are hashed or carry an IP address (per-IP tiers).
    subjects: ['user', 'contact'],
    columns: { key: 'network', points: none, expire: none },
  },

  // Workspaces, members, credentials of the workspace.
  'public.tenants': {
    subjects: [],
    columns: { id: none, name: none, created_at: none, require_two_factor: none },
  },
  'public.memberships': {
    subjects: ['user'],
    columns: { ...tenantScoped, user_id: 'reference', role: none, created_at: none },
  },
  'public.invitations': {
    subjects: ['user'],
    columns: {
      first_owner_setup: none,
      ...tenantScoped,
      id: none,
      email: 'identifier',
      role: none,
      token_hash: 'credential',
      invited_by: 'reference',
      expires_at: none,
      accepted_at: none,
      revoked_at: none,
      created_at: none,
    },
  },
  'public.api_keys': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      name: none,
      public_id: none,
      secret_hash: none,
      scopes: none,
      expires_at: none,
      revoked_at: none,
      replaced_by: none,
      created_by: 'reference',
      last_used_at: none,
      last_used_ip: 'network',
      created_at: none,
    },
  },
  'public.audit_log': {
    // `detail` may name the contact or user an action was about; pseudonymised by retention.
    subjects: ['user', 'contact'],
    columns: {
      ...tenantScoped,
      id: none,
      action: none,
      actor_user_id: 'reference',
      actor_api_key_id: none,
      ip: 'network',
      user_agent: 'network',
      request_id: none,
      detail: 'content',
      created_at: none,
    },
  },

  // Contacts and conversations: the customers' data.
  'public.contacts': {
    subjects: ['contact'],
    columns: {
      profile_confirmed_at: none,
      company_none: 'profile',
      ...tenantScoped,
      id: 'reference',
      phone_e164: 'identifier',
      display_name: 'identifier',
      created_at: none,
      updated_at: none,
      wa_id: 'identifier',
      first_name: 'identifier',
      last_name: 'identifier',
      company: 'profile',
      email: 'identifier',
      profile_completed_at: none,
      search_text: 'profile',
      opted_out_channels: 'profile',
    },
  },
  'public.contact_channel_opt_outs': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      contact_id: 'reference',
      channel_kind: none,
      state: 'profile',
      source: none,
      keyword: 'content',
      message_id: none,
      created_at: none,
    },
  },
  'public.conversations': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      channel_id: none,
      channel_kind: none,
      whatsapp_channel_id: none,
      sms_number_id: none,
      contact_id: 'reference',
      ownership: none,
      paused_until: none,
      language: 'profile',
      agent_state: 'profile',
      last_inbound_at: none,
      last_message_at: none,
      created_at: none,
      updated_at: none,
      status: none,
      assignee_user_id: 'reference',
      activity_at: none,
      search_text: 'profile',
    },
  },
  'public.messages': {
    subjects: ['contact', 'user'],
    columns: {
      send_started_at: none,
      ...tenantScoped,
      id: none,
      conversation_id: none,
      channel_id: none,
      direction: none,
      author: none,
      author_user_id: 'reference',
      provider_message_id: none,
      type: none,
      text: 'content',
      content: 'content',
      sent_at: none,
      status: none,
      status_at: none,
      error_code: none,
      error_title: none,
      idempotency_key: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.message_media': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      message_id: none,
      provider_media_id: none,
      mime_type: none,
      sha256: none,
      file_name: 'content',
      size_bytes: none,
      blob_key: 'reference',
      state: none,
      failure: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.conversation_notes': {
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      conversation_id: none,
      author_user_id: 'reference',
      text: 'content',
      created_at: none,
    },
  },
  'public.conversation_labels': {
    subjects: [],
    columns: { ...tenantScoped, conversation_id: none, label_id: none, created_at: none },
  },
  'public.conversation_reads': {
    subjects: ['user'],
    columns: { ...tenantScoped, conversation_id: none, user_id: 'reference', read_at: none },
  },
  'public.conversation_ownership_events': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      conversation_id: none,
      from_ownership: none,
      to_ownership: none,
      paused_until: none,
      actor_type: none,
      actor_user_id: 'reference',
      reason: none,
      created_at: none,
    },
  },
  'public.domain_events': {
    // Payloads carry ids and, for some events, a contact's fields as they changed.
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      type: none,
      subject_id: 'reference',
      payload: 'content',
      occurred_at: none,
    },
  },
  'public.labels': {
    subjects: [],
    columns: { ...tenantScoped, id: none, name: none, color: none, created_at: none, updated_at: none },
  },
  'public.canned_responses': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      shortcut: none,
      text: none,
      created_by_user_id: 'reference',
      created_at: none,
      updated_at: none,
    },
  },

  // WhatsApp: channel configuration, and raw provider payloads (which carry numbers, names and text).
  'public.whatsapp_channels': {
    subjects: [],
    columns: {
      verification_error: none,
      verified_at: none,
      ...tenantScoped,
      id: none,
      name: none,
      phone_number_id: none,
      display_phone_number: none,
      waba_id: none,
      access_token_sealed: none,
      app_secret_sealed: none,
      previous_app_secret_sealed: none,
      previous_app_secret_expires_at: none,
      verify_token_hash: none,
      messages_per_second: none,
      mark_as_read: none,
      disabled_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.whatsapp_webhook_events': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      channel_id: none,
      request_id: none,
      body: 'content',
      received_at: none,
    },
  },
  'public.whatsapp_inbound': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      channel_id: none,
      provider_message_id: none,
      conversation_key: 'identifier',
      event_id: none,
      sent_at: none,
      message: 'content',
      profile: 'identifier',
      processed_at: none,
      received_at: none,
    },
  },
  'public.sms_inbound': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      number_id: none,
      message_sid: none,
      conversation_key: 'identifier',
      from_e164: 'identifier',
      body: 'content',
      params: 'content',
      idempotency_token: none,
      request_id: none,
      processed_at: none,
      received_at: none,
    },
  },
  'public.whatsapp_status_events': {
    subjects: ['contact'],
    columns: {
      callback_data: 'reference',
      ...tenantScoped,
      id: none,
      channel_id: none,
      provider_message_id: none,
      status: none,
      occurred_at: none,
      recipient_id: 'identifier',
      errors: none,
      event_id: none,
      applied_at: none,
    },
  },

  // The agent.
  'public.llm_settings': {
    subjects: [],
    columns: {
      ...tenantScoped,
      enabled: none,
      providers: none,
      persona: none,
      knowledge: none,
      requests_per_minute: none,
      requests_per_day: none,
      tokens_per_minute: none,
      tokens_per_day: none,
      monthly_spend_cap_micros: none,
      history_tokens: none,
      max_output_tokens: none,
      failures_before_handoff: none,
      updated_at: none,
    },
  },
  'public.llm_calls': {
    // Usage records only (no prompt or answer text): linked to a person through the conversation.
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      conversation_id: 'reference',
      provider_kind: none,
      model: none,
      input_tokens: none,
      output_tokens: none,
      cost_micros: none,
      latency_ms: none,
      outcome: none,
      fallback: none,
      created_at: none,
    },
  },
  'public.llm_budget_windows': {
    subjects: [],
    columns: {
      ...tenantScoped,
      kind: none,
      starts_at: none,
      requests: none,
      tokens: none,
      cost_micros: none,
      exhausted_notified_at: none,
    },
  },
  // Jobs that used up their attempts: the payload is the job's own (it may name a contact or hold a message).
  'public.dead_letters': {
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      job_id: none,
      task: none,
      request_id: none,
      payload: 'content',
      attempts: none,
      max_attempts: none,
      last_error: 'content',
      failed_at: none,
      status: none,
      replayed_at: none,
      replay_job_id: none,
      created_at: none,
    },
  },
  // Twilio, call-back widgets and business hours.
  'public.twilio_connections': {
    subjects: [],
    columns: {
      ...tenantScoped,
      account_sid: none,
      auth_token_sealed: none,
      api_key_sid: none,
      api_key_secret_sealed: none,
      friendly_name: none,
      verified_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.twilio_numbers': {
    subjects: [],
    // The business's own numbers, not a person's.
    columns: {
      ...tenantScoped,
      id: none,
      phone_e164: none,
      number_sid: none,
      sms: none,
      voice: none,
      created_at: none,
    },
  },
  'public.callback_settings': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      allowed_countries: none,
      retry_after_minutes: none,
      max_retries: none,
      machine_detection: none,
      per_number_per_day: none,
      per_widget_per_day: none,
      // Where the business is told about out-of-hours requests: an operator's address or number.
      notify_email: 'identifier',
      notify_sms_e164: 'identifier',
      updated_at: none,
    },
  },
  'public.callback_widgets': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      public_key: none,
      name: none,
      allowed_origins: none,
      default_country: none,
      texts: none,
      colors: none,
      // The salespeople's phones the widget rings.
      agent_numbers: 'identifier',
      ring_strategy: none,
      caller_number_id: none,
      disabled_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.business_hours': {
    subjects: [],
    columns: { ...tenantScoped, id: none, widget_id: none, calendar: none, updated_at: none },
  },
  'public.callbacks': {
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      widget_id: none,
      visitor_e164: 'identifier',
      visitor_name: 'identifier',
      language: 'profile',
      visitor_time_zone: 'profile',
      status: none,
      attempts: none,
      scheduled_for: none,
      business_call_sids: none,
      business_call_sid: none,
      agent_index: none,
      visitor_call_sid: none,
      answered_by_number: 'identifier',
      duration_seconds: none,
      outcome_detail: none,
      request_id: none,
      created_at: none,
      updated_at: none,
      completed_at: none,
    },
  },
  'public.callback_call_events': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      callback_id: 'reference',
      call_sid: none,
      leg: none,
      call_status: none,
      sequence_number: none,
      duration_seconds: none,
      received_at: none,
    },
  },
  'public.altcha_used_challenges': { subjects: [], columns: { signature_hash: none, expires_at: none } },
  // Quotes (catalog, quotes, versions, lines, documents and the customer's decisions).
  'public.quote_settings': {
    subjects: [],
    columns: {
      ...tenantScoped,
      currency: none,
      locale: none,
      approval_mode: none,
      auto_approve_below_minor: none,
      drafter_cannot_approve: none,
      reminder_after_minutes: none,
      validity_days: none,
      message_template: none,
      document_template: none,
      logo: none,
      logo_type: none,
      updated_at: none,
    },
  },
  'public.catalog_items': {
    subjects: [],
    columns: {
      ...tenantScoped,
      id: none,
      sku: none,
      name: none,
      description: none,
      unit: none,
      unit_price_minor: none,
      tax_rate_bp: none,
      active: none,
      category: none,
      options: none,
      search_text: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.quote_counters': { subjects: [], columns: { ...tenantScoped, year: none, last_number: none } },
  'public.quotes': {
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      number: none,
      contact_id: 'reference',
      conversation_id: 'reference',
      current_version: none,
      created_by_user_id: 'reference',
      created_at: none,
    },
  },
  'public.quote_versions': {
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      quote_id: none,
      version: none,
      status: none,
      status_changed_at: none,
      currency: none,
      locale: none,
      valid_until: none,
      // Written by an operator for this customer's quote.
      notes: 'content',
      discount_bp: none,
      subtotal_minor: none,
      discount_minor: none,
      tax_minor: none,
      total_minor: none,
      manual_price_change: none,
      drafted_by_user_id: 'reference',
      approved_by_user_id: 'reference',
      sent_at: none,
      created_at: none,
    },
  },
  'public.quote_lines': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      quote_version_id: none,
      position: none,
      catalog_item_id: none,
      sku: none,
      name: none,
      unit: none,
      unit_price_minor: none,
      catalog_price_minor: none,
      tax_rate_bp: none,
      quantity_milli: none,
      discount_bp: none,
      note: 'content',
      source_message_id: 'reference',
    },
  },
  'public.quote_documents': {
    subjects: ['contact'],
    // The rendered PDF names the customer.
    columns: { ...tenantScoped, quote_version_id: none, pdf: 'content', sha256: none, created_at: none },
  },
  'public.quote_decisions': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      quote_version_id: none,
      decision: none,
      customer_name: 'identifier',
      reason: 'content',
      ip: 'network',
      user_agent: 'network',
      pdf_sha256: none,
      decided_at: none,
    },
  },
  'public.qualifier_settings': {
    subjects: [],
    columns: {
      confirm_profile: none,
      ...tenantScoped,
      default_language: none,
      required_fields: none,
      prompts: none,
      updated_at: none,
    },
  },

  // Privacy and operations.
  'public.backup_verifications': {
    subjects: [],
    columns: {
      id: none,
      backup_name: none,
      verified_at: none,
      ok: none,
      tables: none,
      rows: none,
      failure: none,
    },
  },

  // Infrastructure: schema versions, locks, worker liveness.
  'public.kysely_migration': { subjects: [], columns: { name: none, timestamp: none } },
  'public.kysely_migration_lock': { subjects: [], columns: { id: none, is_locked: none } },
  'public.worker_heartbeats': {
    subjects: [],
    columns: { worker_id: none, hostname: none, pid: none, last_seen_at: none },
  },

  // graphile-worker's own schema. Job payloads carry ids, and account mail's payload is sealed.
  'graphile_worker._private_jobs': {
    subjects: ['user', 'contact'],
    columns: {
      id: none,
      job_queue_id: none,
      task_id: none,
      payload: 'content',
      priority: none,
      run_at: none,
      attempts: none,
      max_attempts: none,
      last_error: none,
      created_at: none,
      updated_at: none,
      key: none,
      locked_at: none,
      locked_by: none,
      revision: none,
      flags: none,
      is_available: none,
    },
  },
  'graphile_worker._private_job_queues': {
    subjects: [],
    columns: { id: none, queue_name: none, locked_at: none, locked_by: none, is_available: none },
  },
  'graphile_worker._private_known_crontabs': {
    subjects: [],
    columns: { identifier: none, known_since: none, last_execution: none },
  },
  'graphile_worker._private_tasks': { subjects: [], columns: { id: none, identifier: none } },
  'graphile_worker.migrations': { subjects: [], columns: { id: none, ts: none, breaking: none } },
};

/** Binary content kept outside the database (filesystem or S3-compatible blob store). */
export const personalDataBlobs: Readonly<Record<string, BlobClassification>> = {
  'whatsapp-media': {
    subjects: ['contact'],
    category: 'content',
    keyColumn: { table: 'public.message_media', column: 'blob_key' },
    description: 'images, documents, audio and video received on WhatsApp, stored as <tenant>/<sha256>',
  },
};

/** The database schemas the registry covers (every base table in them must be classified). */
export const REGISTERED_SCHEMAS = ['public', 'graphile_worker'] as const;

export interface ClassifiedColumn {
  readonly table: string;
  readonly column: string;
  readonly category: PersonalDataCategory;
  readonly subjects: readonly DataSubject[];
}

/** Every column that holds personal data (anything but `none`), for erasure, export and retention. */
export function personalColumns(
  filter: { subject?: DataSubject; categories?: readonly PersonalDataCategory[] } = {},
): ClassifiedColumn[] {
  const found: ClassifiedColumn[] = [];
  for (const [table, entry] of Object.entries(personalDataTables)) {
    if (filter.subject && !entry.subjects.includes(filter.subject)) continue;
    for (const [column, category] of Object.entries(entry.columns)) {
      if (category === 'none') continue;
      if (filter.categories && !filter.categories.includes(category)) continue;
      found.push({ table, column, category, subjects: entry.subjects });
    }
  }
  return found;
}
