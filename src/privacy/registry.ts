import { type RawBuilder, sql } from 'kysely';

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
      // The dashboard language the person chose.
      locale: none,
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
      stage_id: none,
      owner_user_id: 'reference',
      source: none,
      custom_fields: 'profile',
    },
  },
  // Contacts, pipeline and consent (ADR 0029).
  'public.pipeline_stages': {
    subjects: [],
    columns: {
      ...tenantScoped,
      id: none,
      name: none,
      position: none,
      outcome: none,
      auto_event: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.custom_field_definitions': {
    subjects: [],
    columns: {
      ...tenantScoped,
      id: none,
      key: none,
      label: none,
      type: none,
      options: none,
      position: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.contact_events': {
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      contact_id: 'reference',
      kind: none,
      detail: 'profile',
      actor_user_id: 'reference',
      created_at: none,
    },
  },
  'public.consent_entries': {
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      contact_id: 'reference',
      channel: none,
      state: 'profile',
      source: none,
      shown_text: 'content',
      evidence: 'content',
      actor_user_id: 'reference',
      recorded_at: none,
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
      snoozed_until: none,
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
  // Files operators uploaded to send (image and document messages); the bytes are a registered blob.
  'public.conversation_attachments': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      conversation_id: none,
      kind: none,
      mime_type: none,
      file_name: 'content',
      size_bytes: none,
      sha256: none,
      blob_key: 'reference',
      uploaded_by_user_id: 'reference',
      created_at: none,
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
  // A segment's filter names the workspace's labels, stages, fields and imports, not people.
  'public.segments': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      name: none,
      filter: none,
      created_by_user_id: 'reference',
      created_at: none,
      updated_at: none,
    },
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
      messaging_tier: none,
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
  // Twilio status callbacks waiting for their ledger row: provider ids and status words only.
  'public.sms_status_events': {
    subjects: [],
    columns: {
      ...tenantScoped,
      id: none,
      number_id: none,
      message_id: none,
      message_sid: none,
      status: none,
      error_code: none,
      idempotency_token: none,
      request_id: none,
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
  // CSV imports of contacts.
  'public.contact_imports': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      created_by: 'reference',
      file_name: 'content',
      blob_parts: 'reference',
      size_bytes: none,
      encoding: none,
      delimiter: none,
      headers: none,
      mapping: none,
      policy: none,
      default_country: none,
      status: none,
      cancel_requested: none,
      error: none,
      lines_done: none,
      bytes_done: none,
      rows_read: none,
      rows_created: none,
      rows_updated: none,
      rows_duplicate: none,
      rows_unchanged: none,
      rows_rejected: none,
      started_at: none,
      finished_at: none,
      undone_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.contact_import_changes': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      import_id: none,
      contact_id: 'reference',
      created: none,
      before: 'identifier',
    },
  },
  'public.contact_import_rejects': {
    subjects: ['contact'],
    columns: { ...tenantScoped, import_id: none, line: none, reason: none, cells: 'identifier' },
  },
  'public.contact_import_mappings': {
    subjects: [],
    columns: { ...tenantScoped, id: none, name: none, mapping: none, created_at: none, updated_at: none },
  },
  'public.contact_import_settings': {
    subjects: [],
    columns: { ...tenantScoped, default_country: none, updated_at: none },
  },
  // Lead sources (signed webhooks, Phantombuster) and company enrichment.
  'public.lead_sources': {
    subjects: [],
    columns: {
      ...tenantScoped,
      id: none,
      name: none,
      kind: none,
      secret_sealed: none,
      previous_secret_sealed: none,
      previous_secret_expires_at: none,
      phantombuster_agent_id: none,
      phantombuster_key_sealed: none,
      default_country: none,
      disabled_at: none,
      last_received_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.lead_deliveries': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      source_id: none,
      idempotency_key: none,
      body_sha256: none,
      payload: 'identifier',
      status: none,
      contact_id: 'reference',
      import_id: none,
      error: none,
      received_at: none,
      processed_at: none,
    },
  },
  'public.enrichment_settings': {
    subjects: [],
    columns: { ...tenantScoped, enabled: none, monthly_budget: none, updated_at: none },
  },
  'public.enrichment_usage': {
    subjects: [],
    columns: { ...tenantScoped, month: none, calls: none },
  },
  'public.contact_enrichments': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      contact_id: 'reference',
      provider: none,
      domain: 'profile',
      status: none,
      fields: 'profile',
      fetched_at: none,
    },
  },
  // HubSpot sync (ADR 0033).
  'public.hubspot_connections': {
    subjects: [],
    columns: {
      ...tenantScoped,
      token_sealed: none,
      portal_id: none,
      mapping: none,
      ownership: none,
      webhook_secret_sealed: none,
      verified_at: none,
      last_sync_at: none,
      synced_total: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.hubspot_outbox': {
    // A contact's id (or an accepted quote's) and HubSpot's error category: never field values.
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      kind: none,
      ref_id: 'reference',
      version: none,
      attempts: none,
      last_error: none,
      created_at: none,
      changed_at: none,
    },
  },
  'public.hubspot_records': {
    subjects: ['contact'],
    columns: { ...tenantScoped, kind: none, ref_id: 'reference', hubspot_id: 'reference', synced_at: none },
  },
  'public.hubspot_webhook_events': {
    subjects: ['contact'],
    columns: { ...tenantScoped, id: none, body: 'content', received_at: none, processed_at: none },
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
      whatsapp_template_name: none,
      whatsapp_template_language: none,
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
      reminder_mails: none,
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
      channel: none,
      channel_message_id: none,
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

  'public.retention_policies': {
    subjects: [],
    columns: {
      ...tenantScoped,
      messages_days: none,
      media_days: none,
      webhook_events_days: none,
      call_records_days: none,
      llm_calls_days: none,
      closed_conversations_days: none,
      audit_pseudonymise_days: none,
      keep_accepted_quotes: none,
      updated_at: none,
    },
  },
  // Campaigns: what was sent to whom, and what became of it (ADR 0039).
  'public.campaigns': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      name: none,
      channel_kind: none,
      channel_id: none,
      segment_id: none,
      status: none,
      paused_reason: none,
      scheduled_at: none,
      reply_handling: none,
      content: none,
      quiet_hours_start: none,
      quiet_hours_end: none,
      created_by_user_id: 'reference',
      launched_at: none,
      completed_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.campaign_recipients': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      campaign_id: none,
      contact_id: 'reference',
      variant: none,
      status: 'profile',
      skip_reason: 'profile',
      error_code: none,
      not_before: none,
      attempts: none,
      message_id: 'reference',
      conversation_id: 'reference',
      sent_at: 'profile',
      delivered_at: 'profile',
      read_at: 'profile',
      replied_at: 'profile',
      failed_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  // Workspace plans (set by the instance operator), usage counters and retention runs: counts, no people.
  'public.workspace_plans': {
    subjects: [],
    columns: {
      ...tenantScoped,
      state: none,
      trial_ends_at: none,
      suspended_reason: none,
      max_members: none,
      max_channels: none,
      max_conversations_per_month: none,
      max_llm_spend_micros_per_month: none,
      max_campaign_recipients_per_month: none,
      updated_at: none,
    },
  },
  'public.workspace_usage_months': {
    subjects: [],
    columns: { ...tenantScoped, month: none, campaign_recipients: none },
  },
  // The reports' rollup: ids and times of conversations and members, no personal data of its own.
  'public.report_conversation_facts': {
    subjects: [],
    columns: {
      ...tenantScoped,
      conversation_id: none,
      channel_kind: none,
      started_at: none,
      first_inbound_at: none,
      first_bot_reply_at: none,
      first_bot_reply_business_s: none,
      handed_over_at: none,
      first_human_reply_at: none,
      first_human_reply_user_id: none,
      first_human_reply_business_s: none,
      qualified_at: none,
      quoted_at: none,
      accepted_at: none,
      refreshed_at: none,
    },
  },
  'public.report_member_facts': {
    subjects: [],
    columns: {
      ...tenantScoped,
      conversation_id: none,
      user_id: none,
      first_message_at: none,
      messages: none,
      response_seconds: none,
    },
  },
  'public.report_rollup_state': {
    subjects: [],
    columns: { ...tenantScoped, watermark: none },
  },
  'public.retention_runs': {
    subjects: [],
    columns: { ...tenantScoped, ran_at: none, removed: none },
  },
  // The automation kill switch: who pulled it (a member's id) and the reason they gave.
  'public.automation_halts': {
    subjects: ['user'],
    columns: { ...tenantScoped, halted_at: none, halted_by_user_id: 'reference', reason: none },
  },
  // Automation rules (the workspace's configuration: names, texts it sends, member ids) and their runs (which
  // contact a rule acted on, and what each action did: ids only).
  'public.automation_rules': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      id: none,
      name: none,
      enabled: none,
      trigger: none,
      segment_id: none,
      actions: none,
      daily_cap: none,
      enabled_at: none,
      next_run_at: none,
      created_by_user_id: 'reference',
      created_at: none,
      updated_at: none,
    },
  },
  'public.automation_runs': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      rule_id: none,
      contact_id: 'reference',
      window_key: none,
      status: none,
      skip_reason: none,
      outcomes: none,
      error: none,
      created_at: none,
      finished_at: none,
    },
  },
  // E-mail events from Postmark and Lemlist (ADR 0041): the address they are about, and the contact once known.
  'public.email_event_settings': {
    subjects: [],
    columns: {
      ...tenantScoped,
      postmark_user: none,
      postmark_secret_sealed: none,
      lemlist_secret_sealed: none,
      lemlist_api_key_sealed: none,
      lemlist_connected_at: none,
      created_at: none,
      updated_at: none,
    },
  },
  'public.email_events': {
    subjects: ['contact'],
    columns: {
      ...tenantScoped,
      id: none,
      provider: none,
      event_key: none,
      event_type: none,
      email: 'identifier',
      provider_campaign_id: none,
      occurred_at: none,
      detail: 'profile',
      contact_id: 'reference',
      campaign_id: none,
      received_at: none,
      applied_at: none,
    },
  },
  'public.notifications': {
    // A title may name the contact it is about ("Maria Rossi asked for a person"); erased with the contact.
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      user_id: 'reference',
      kind: none,
      subject_type: none,
      subject_id: 'reference',
      title: 'content',
      dedupe_key: none,
      in_app: none,
      browser: none,
      read_at: none,
      created_at: none,
    },
  },
  'public.notification_preferences': {
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      user_id: 'reference',
      kind: none,
      in_app: none,
      browser: none,
      updated_at: none,
    },
  },
  'public.member_presence': {
    subjects: ['user'],
    columns: { ...tenantScoped, user_id: 'reference', online_until: none },
  },
  'public.inbox_settings': {
    subjects: ['user'],
    columns: { ...tenantScoped, auto_assign: none, last_assigned_user_id: 'reference', updated_at: none },
  },
  'public.privacy_erasures': {
    // The erased contact's id only: it points at nothing once the erasure is done.
    subjects: ['contact', 'user'],
    columns: {
      ...tenantScoped,
      id: none,
      contact_id: 'reference',
      status: none,
      progress: none,
      verified_clean: none,
      failure: none,
      requested_by_user_id: 'reference',
      created_at: none,
      started_at: none,
      finished_at: none,
    },
  },
  'public.privacy_suppressions': {
    // A keyed hash (HMAC) of an erased number or address: not reversible without the instance's secret.
    subjects: ['contact'],
    columns: { ...tenantScoped, kind: none, digest: 'reference', created_at: none },
  },

  // Infrastructure: schema versions, locks, worker liveness.
  'public.kysely_migration': { subjects: [], columns: { name: none, timestamp: none } },
  'public.kysely_migration_lock': { subjects: [], columns: { id: none, is_locked: none } },
  // Encryption at rest (ADR 0036): the workspace's data keys, wrapped by the master key ring; no one's data.
  'public.workspace_data_keys': {
    subjects: [],
    columns: { tenant_id: none, version: none, wrapped_key: none, created_at: none },
  },
  'public.data_key_reencryptions': {
    // Counts and positions of the latest re-encryption pass; the member who asked for the rotation.
    subjects: ['user'],
    columns: {
      ...tenantScoped,
      target_version: none,
      requested_by_user_id: 'reference',
      state: none,
      position: none,
      rows_rewritten: none,
      blobs_rewritten: none,
      retired_versions: none,
      started_at: none,
      updated_at: none,
      finished_at: none,
    },
  },

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
  'conversation-attachments': {
    subjects: ['contact'],
    category: 'content',
    keyColumn: { table: 'public.conversation_attachments', column: 'blob_key' },
    description:
      'images and documents operators uploaded to send in a conversation, stored as <tenant>/<sha256>; once sent, the message media row names the same blob',
  },
  'contact-import-files': {
    subjects: ['contact'],
    category: 'identifier',
    keyColumn: { table: 'public.contact_imports', column: 'blob_parts' },
    description:
      'uploaded CSV files of contacts, in 4 MB parts stored as <tenant>/<sha256>; deleted when the import ends',
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

/*
 * How each table holding a contact's data relates to that contact, what erasure does to its rows, whether an
 * export carries them, and which retention policy ages them out. Erasure, export and retention are driven by
 * these entries alone: a new table with `contact` among its subjects only needs one here (a test fails until
 * it has one). Entries run in order, children before parents, so each still finds its rows.
 */

/** What is known of the person before anything is changed (ids of their rows, their identifiers). */
export interface ContactKeys {
  readonly contactId: string;
  readonly conversationIds: readonly string[];
  readonly quoteIds: readonly string[];
  readonly callbackIds: readonly string[];
  /** Phone digits (no "+"), e-mail address, WhatsApp id: searched as text in raw payloads. */
  readonly identifiers: readonly string[];
}

export type RowFilter = (keys: ContactKeys) => RawBuilder<unknown>;

const ids = (column: string, values: readonly string[]) =>
  values.length === 0 ? sql`false` : sql`${sql.ref(column)} = any(${values}::uuid[])`;
const escapeLike = (term: string) => term.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Rows of the contact by a column naming them. */
export const byContact =
  (column = 'contact_id'): RowFilter =>
  (keys) =>
    sql`${sql.ref(column)} = ${keys.contactId}::uuid`;
/** Rows of the contact's conversations. */
export const byConversation =
  (column = 'conversation_id'): RowFilter =>
  (keys) =>
    ids(column, keys.conversationIds);
export const byQuote =
  (column = 'quote_id'): RowFilter =>
  (keys) =>
    ids(column, keys.quoteIds);
export const byQuoteVersion =
  (column = 'quote_version_id'): RowFilter =>
  (keys) =>
    keys.quoteIds.length === 0
      ? sql`false`
      : sql`${sql.ref(column)} in (select id from quote_versions where quote_id = any(${keys.quoteIds}::uuid[]))`;
export const byCallback =
  (column = 'callback_id'): RowFilter =>
  (keys) =>
    ids(column, keys.callbackIds);
/** Raw payloads and free text that contain one of the person's identifiers (phone digits, address, id). */
export const mentioning =
  (...columns: string[]): RowFilter =>
  (keys) => {
    const terms = keys.identifiers.filter((term) => term.length >= 5);
    if (terms.length === 0) return sql`false`;
    return sql`(${sql.join(
      columns.flatMap((column) =>
        terms.map((term) => sql`${sql.ref(column)}::text ilike ${`%${escapeLike(term)}%`}`),
      ),
      sql` or `,
    )})`;
  };
/** The same for raw bytes (a provider's payload as received): the identifiers as UTF-8. */
export const mentioningBytes =
  (column: string): RowFilter =>
  (keys) => {
    const terms = keys.identifiers.filter((term) => term.length >= 5);
    if (terms.length === 0) return sql`false`;
    return sql`(${sql.join(
      terms.map((term) => sql`position(convert_to(${term}, 'UTF8') in ${sql.ref(column)}) > 0`),
      sql` or `,
    )})`;
  };
export const anyOf =
  (...filters: RowFilter[]): RowFilter =>
  (keys) =>
    sql`(${sql.join(
      filters.map((filter) => filter(keys)),
      sql` or `,
    )})`;

/** The retention policies a workspace sets (days; none = kept until erased). */
export type RetentionKind =
  | 'messages'
  | 'media'
  | 'webhookEvents'
  | 'callRecords'
  | 'llmCalls'
  | 'closedConversations'
  | 'auditPseudonymise';

export type ErasureAction =
  /** Rows are deleted (their children go with them by foreign key). */
  | { readonly kind: 'delete' }
  /** Rows stay with these columns overwritten (null or a neutral value). */
  | { readonly kind: 'anonymise'; readonly set: Readonly<Record<string, RawBuilder<unknown>>> }
  /**
   * Deleted, except rows the legal hold keeps (an accepted quote's amounts when the workspace keeps them),
   * which are anonymised.
   */
  | {
      readonly kind: 'delete-or-hold';
      readonly held: RawBuilder<unknown>;
      readonly set: Readonly<Record<string, RawBuilder<unknown>>>;
    }
  /** A database function changes the rows (the append-only audit log); it gets the identifiers. */
  | { readonly kind: 'function'; readonly name: string }
  /** Nothing is changed; `reason` says why that is right. */
  | { readonly kind: 'kept'; readonly reason: string };

export interface ContactDataRule {
  readonly rows: RowFilter;
  /**
   * Encrypted columns (ADR 0036) whose sealed values SQL cannot read: an erasure opens them and also takes
   * the rows that mention the person there, as `mentioning` does for plaintext.
   */
  readonly sealedMentions?: readonly string[];
  readonly erase: ErasureAction;
  /** The file name in a contact's export; absent: not exported (with a reason in the erase entry). */
  readonly export?: string;
}

const NULL = sql`null`;
const acceptedVersion = sql`exists (select 1 from quote_versions v where v.quote_id = quotes.id and v.status = 'accepted')`;

export const contactDataRules: Readonly<Record<string, ContactDataRule>> = {
  'public.whatsapp_status_events': {
    rows: anyOf(mentioning('recipient_id')),
    erase: { kind: 'delete' },
    export: 'whatsapp-receipts',
  },
  'public.whatsapp_inbound': {
    rows: mentioning('conversation_key', 'message', 'profile'),
    sealedMentions: ['message'],
    erase: { kind: 'delete' },
  },
  'public.whatsapp_webhook_events': {
    // A delivery can carry other people's messages too; theirs were stored as messages already.
    rows: mentioningBytes('body'),
    sealedMentions: ['body'],
    erase: { kind: 'delete' },
    export: 'whatsapp-webhook-events',
  },
  'public.message_media': {
    rows: (keys) =>
      keys.conversationIds.length === 0
        ? sql`false`
        : sql`message_id in (select id from messages where conversation_id = any(${keys.conversationIds}::uuid[]))`,
    erase: { kind: 'delete' },
    export: 'media',
  },
  'public.conversation_attachments': {
    rows: byConversation(),
    erase: { kind: 'delete' },
    export: 'attachments',
  },
  'public.messages': { rows: byConversation(), erase: { kind: 'delete' }, export: 'messages' },
  'public.conversation_notes': { rows: byConversation(), erase: { kind: 'delete' }, export: 'notes' },
  'public.llm_calls': { rows: byConversation(), erase: { kind: 'delete' }, export: 'llm-calls' },
  'public.domain_events': {
    rows: anyOf(
      (keys) => ids('subject_id', [keys.contactId, ...keys.conversationIds]),
      mentioning('payload'),
    ),
    erase: { kind: 'delete' },
  },
  'public.dead_letters': {
    rows: anyOf(mentioning('payload', 'last_error'), (keys) =>
      mentioning('payload')({ ...keys, identifiers: [keys.contactId, ...keys.conversationIds] }),
    ),
    erase: { kind: 'delete' },
  },
  'public.callback_call_events': { rows: byCallback(), erase: { kind: 'delete' }, export: 'call-events' },
  'public.callbacks': {
    rows: (keys) => ids('id', keys.callbackIds),
    erase: { kind: 'delete' },
    export: 'call-records',
  },
  'public.quote_decisions': {
    rows: byQuoteVersion(),
    erase: { kind: 'anonymise', set: { customer_name: NULL, reason: NULL, ip: NULL, user_agent: NULL } },
    export: 'quote-decisions',
  },
  'public.quote_documents': { rows: byQuoteVersion(), erase: { kind: 'delete' } },
  'public.quote_lines': {
    rows: byQuoteVersion(),
    erase: { kind: 'anonymise', set: { note: sql`''`, source_message_id: NULL } },
    export: 'quote-lines',
  },
  'public.quote_versions': {
    rows: byQuote(),
    erase: { kind: 'anonymise', set: { notes: sql`''` } },
    export: 'quote-versions',
  },
  'public.quotes': {
    rows: (keys) => ids('id', keys.quoteIds),
    erase: {
      kind: 'delete-or-hold',
      held: acceptedVersion,
      set: { contact_id: NULL, conversation_id: NULL },
    },
    export: 'quotes',
  },
  'public.audit_log': {
    rows: mentioning('detail'),
    erase: { kind: 'function', name: 'audit_log_erase_mentions' },
  },
  'public.contact_events': { rows: byContact(), erase: { kind: 'delete' }, export: 'contact-events' },
  'public.consent_entries': {
    rows: byContact(),
    erase: {
      kind: 'kept',
      reason:
        'the ledger is append-only for the application; its rows go with the contact row (on delete cascade), and the suppression record keeps the opt-out',
    },
    export: 'consent',
  },
  // What automation rules did to a person (ids and outcomes): deleted with them.
  'public.automation_runs': { rows: byContact(), erase: { kind: 'delete' } },
  // A person's place in campaigns: deleted with them (the campaign's counts lose one recipient).
  'public.campaign_recipients': { rows: byContact(), erase: { kind: 'delete' }, export: 'campaigns' },
  // A person's e-mail events: applied ones name the contact, waiting ones only the address.
  'public.email_events': {
    rows: anyOf(byContact(), mentioning('email')),
    erase: { kind: 'delete' },
    export: 'email-events',
  },
  'public.contact_import_changes': { rows: byContact(), erase: { kind: 'delete' } },
  // A refused row is matched by the identifiers as written in the file (other spellings are not found).
  'public.contact_import_rejects': { rows: mentioning('cells'), erase: { kind: 'delete' } },
  // A delivery names its contact once processed; one not yet processed (or refused) by its identifiers.
  'public.lead_deliveries': {
    rows: anyOf(byContact(), mentioning('payload')),
    erase: { kind: 'delete' },
    export: 'lead-deliveries',
  },
  'public.contact_enrichments': {
    rows: byContact(),
    erase: { kind: 'delete' },
    export: 'company-enrichment',
  },
  'public.sms_inbound': {
    rows: mentioning('from_e164', 'conversation_key'),
    erase: { kind: 'delete' },
    export: 'sms-receipts',
  },
  'public.conversations': { rows: byContact(), erase: { kind: 'delete' }, export: 'conversations' },
  'public.notifications': {
    rows: (keys) =>
      ids('subject_id', [keys.contactId, ...keys.conversationIds, ...keys.quoteIds, ...keys.callbackIds]),
    erase: { kind: 'delete' },
  },
  'public.hubspot_outbox': {
    rows: anyOf(byContact('ref_id'), (keys) => ids('ref_id', keys.quoteIds)),
    erase: { kind: 'delete' },
  },
  'public.hubspot_records': {
    rows: anyOf(byContact('ref_id'), (keys) => ids('ref_id', keys.quoteIds)),
    erase: { kind: 'delete' },
  },
  'public.hubspot_webhook_events': { rows: mentioning('body'), erase: { kind: 'delete' } },
  'public.contacts': { rows: byContact('id'), erase: { kind: 'delete' }, export: 'contact' },
  'public.rate_limits': {
    rows: () => sql`false`,
    erase: { kind: 'kept', reason: 'keys are hashed or IP addresses, and expire within a day' },
  },
  'public.privacy_erasures': {
    rows: () => sql`false`,
    erase: { kind: 'kept', reason: 'the record that the erasure happened; it holds the erased id only' },
  },
  'public.privacy_suppressions': {
    rows: () => sql`false`,
    erase: { kind: 'kept', reason: 'the keyed hash that stops the person being imported or messaged again' },
  },
  'graphile_worker._private_jobs': {
    rows: () => sql`false`,
    erase: {
      kind: 'kept',
      reason: 'queued jobs carry ids; a job of an erased contact finds nothing and ends',
    },
  },
};

/** Which retention policy ages a table's rows out, by which timestamp (a daily job applies them). */
export interface RetentionRule {
  readonly table: string;
  readonly policy: RetentionKind;
  /** The column naming a row in a batch (removed by it). */
  readonly key: string;
  /** The row's age: a timestamp column or expression. */
  readonly age: RawBuilder<unknown>;
  /** Rows the age alone does not make removable. */
  readonly only?: RawBuilder<unknown>;
  /** The registered blobs a batch's rows lead to (removed with them unless another row still needs them). */
  readonly blobs?: (batch: readonly string[]) => RawBuilder<unknown>;
}

const mediaOfMessages = (messages: RawBuilder<unknown>) =>
  sql`select blob_key from message_media where blob_key is not null and message_id in (${messages})`;

export const retentionRules: readonly RetentionRule[] = [
  // Raw deliveries go once every message in them was processed (their receipts go with them).
  {
    table: 'whatsapp_webhook_events',
    policy: 'webhookEvents',
    key: 'id',
    age: sql`received_at`,
    only: sql`not exists (select 1 from whatsapp_inbound i where i.event_id = whatsapp_webhook_events.id and i.processed_at is null)`,
  },
  // Status callbacks that never matched a row (the sms.apply-statuses job also expires them after a week).
  { table: 'sms_status_events', policy: 'webhookEvents', key: 'id', age: sql`received_at` },
  { table: 'llm_calls', policy: 'llmCalls', key: 'id', age: sql`created_at` },
  {
    table: 'callbacks',
    policy: 'callRecords',
    key: 'id',
    age: sql`created_at`,
    only: sql`completed_at is not null`,
  },
  // Media by its message's age, so a message never outlives... its media by a few seconds the other way.
  {
    table: 'message_media',
    policy: 'media',
    key: 'message_id',
    age: sql`(select m.created_at from messages m where m.id = message_media.message_id)`,
    blobs: (batch) => mediaOfMessages(sql`select unnest(${batch}::uuid[])`),
  },
  // Operators' uploads with the media: a sent one's blob stays while its message's media row names it.
  {
    table: 'conversation_attachments',
    policy: 'media',
    key: 'id',
    age: sql`created_at`,
    blobs: (batch) => sql`select blob_key from conversation_attachments where id = any(${batch}::uuid[])`,
  },
  {
    table: 'messages',
    policy: 'messages',
    key: 'id',
    age: sql`created_at`,
    blobs: (batch) => mediaOfMessages(sql`select unnest(${batch}::uuid[])`),
  },
  {
    table: 'conversations',
    policy: 'closedConversations',
    key: 'id',
    age: sql`activity_at`,
    only: sql`status = 'closed'`,
    // A conversation's rows go with it (cascade), uploads included: their blobs too.
    blobs: (batch) =>
      sql`${mediaOfMessages(sql`select id from messages where conversation_id = any(${batch}::uuid[])`)}
        union select blob_key from conversation_attachments where conversation_id = any(${batch}::uuid[])`,
  },
];
