import { type ImportTargetProvider, parseYesNo } from '../import/import-targets.js';
import { CONSENT_CHANNELS, type ConsentChannel } from './consent.table.js';

const PREFIX = 'consent:';

const LABELS: Record<ConsentChannel, string> = {
  whatsapp: 'Consent: WhatsApp',
  sms: 'Consent: SMS',
  email_marketing: 'Consent: e-mail marketing',
};

const SYNONYMS: Record<ConsentChannel, string[]> = {
  whatsapp: [
    'whatsapp consent',
    'consent whatsapp',
    'whatsapp opt in',
    'consenso whatsapp',
    'consentimento whatsapp',
    'consentimiento whatsapp',
  ],
  sms: [
    'sms consent',
    'consent sms',
    'sms opt in',
    'consenso sms',
    'consentimento sms',
    'consentimiento sms',
  ],
  email_marketing: [
    'email consent',
    'marketing consent',
    'email marketing',
    'newsletter',
    'consenso marketing',
    'consenso newsletter',
    'consentimento marketing',
    'consentimiento marketing',
  ],
};

/**
 * Consent columns as import targets (`consent:<channel>`): a yes-like cell (yes, true, 1, sì, sim, ...)
 * records an opt-in, a no-like cell an opt-out, with source `import` and the import and line as evidence.
 * It is the set-based form of `recordImportedConsent`'s rule, one statement per chunk: the contact rows
 * are locked first (as `recordConsent` does), a repeat of the current state is not written again, and an
 * existing opt-out is never turned into an opt-in. With `fill`, only channels the contact has no entry
 * for are recorded; with `skip`, only new contacts get entries. The ledger is append-only: an undo removes
 * created contacts (and their entries with them) but entries on kept contacts stay, as history.
 */
export const consentImportProvider: ImportTargetProvider = {
  prefix: PREFIX,
  async targets() {
    return CONSENT_CHANNELS.map((channel) => ({
      key: `${PREFIX}${channel}`,
      label: LABELS[channel],
      synonyms: SYNONYMS[channel],
    }));
  },
  async prepare(_run, keys) {
    return (key, raw) => {
      const channel = key.slice(PREFIX.length) as ConsentChannel;
      if (!keys.includes(key) || !CONSENT_CHANNELS.includes(channel))
        return { reject: 'unknown consent channel' };
      const granted = parseYesNo(raw);
      if (granted === undefined) return { reject: `${LABELS[channel]}: expected yes or no` };
      return { value: granted ? 'opted_in' : 'opted_out' };
    };
  },
  async apply(run, importId, policy) {
    const cells = `
      select o.contact_id, o.line, substr(e.key, ${PREFIX.length + 1}) as channel, e.value #>> '{}' as state
      from import_outcome o join import_stage s on s.line = o.line
      cross join lateral jsonb_each(s.extra) e
      where o.action in ('create', 'update') and starts_with(e.key, '${PREFIX}')`;
    await run(
      `select c.id from contacts c where c.id in (select contact_id from (${cells}) x) order by c.id for update`,
    );
    await run(
      `insert into consent_entries (contact_id, channel, state, source, evidence)
       select x.contact_id, x.channel, x.state, 'import', jsonb_build_object('importId', $1::text, 'line', x.line)
       from (${cells}) x
       left join lateral (
         select ce.state from consent_entries ce
         where ce.contact_id = x.contact_id and ce.channel = x.channel
         order by ce.recorded_at desc, ce.id desc limit 1
       ) cur on true
       where cur.state is distinct from x.state
         and not (cur.state is not distinct from 'opted_out' and x.state = 'opted_in')
         and ($2 <> 'fill' or cur.state is null)`,
      [importId, policy],
    );
    return 0;
  },
};
