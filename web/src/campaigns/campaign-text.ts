import { formatNumber } from '../common/format';
import { t } from '../i18n/i18n';
import type { CampaignStatus, ChannelKind, RecipientStatus } from './campaign-api';

export function statusText(status: CampaignStatus): string {
  const text: Record<CampaignStatus, string> = {
    draft: t('campaigns.status.draft'),
    scheduled: t('campaigns.status.scheduled'),
    running: t('campaigns.status.running'),
    paused: t('campaigns.status.paused'),
    completed: t('campaigns.status.completed'),
    cancelled: t('campaigns.status.cancelled'),
  };
  return text[status];
}

export function channelText(kind: ChannelKind): string {
  const text: Record<ChannelKind, string> = {
    whatsapp: t('campaigns.channel.whatsapp'),
    sms: t('campaigns.channel.sms'),
    lemlist: t('campaigns.channel.lemlist'),
  };
  return text[kind];
}

export function recipientText(status: RecipientStatus): string {
  const text: Record<RecipientStatus, string> = {
    queued: t('campaigns.recipient.queued'),
    skipped: t('campaigns.recipient.skipped'),
    sent: t('campaigns.recipient.sent'),
    delivered: t('campaigns.recipient.delivered'),
    read: t('campaigns.recipient.read'),
    replied: t('campaigns.recipient.replied'),
    failed: t('campaigns.recipient.failed'),
    opted_out: t('campaigns.recipient.optedOut'),
    cancelled: t('campaigns.recipient.cancelled'),
  };
  return text[status];
}

/** Why a contact is left out of the audience, or skipped at send time. */
export function reasonText(reason: string): string {
  const text: Record<string, string> = {
    no_consent: t('campaigns.reason.noConsent'),
    opted_out: t('campaigns.reason.optedOut'),
    invalid_number: t('campaigns.reason.invalidNumber'),
    no_email: t('campaigns.reason.noEmail'),
    suppressed: t('campaigns.reason.suppressed'),
    in_running_campaign: t('campaigns.reason.inRunningCampaign'),
    already_in_running_campaign: t('campaigns.reason.inRunningCampaign'),
    quiet_hours: t('campaigns.reason.quietHours'),
  };
  return text[reason] ?? reason.replaceAll('_', ' ');
}

/** Meta's and Twilio's failure codes that an operator can act on, in words; others show the code. */
export function errorText(code: string): string {
  const text: Record<string, string> = {
    '130429': t('campaigns.error.130429'),
    '131026': t('campaigns.error.131026'),
    '131049': t('campaigns.error.131049'),
    '131050': t('campaigns.error.131050'),
    '132000': t('campaigns.error.132000'),
    '132001': t('campaigns.error.132001'),
    '21610': t('campaigns.error.21610'),
    '21211': t('campaigns.error.21211'),
  };
  const known = text[code];
  return known ? `${code} — ${known}` : code;
}

const minutesFormat = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export function clockText(minutes: number): string {
  return minutesFormat(minutes);
}

/** "HH:MM" from an <input type="time"> as minutes after midnight. */
export function clockMinutes(value: string): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes >= 0 && minutes < 1440 ? minutes : null;
}

/** A share in the active language: 0%, 12%, 4.5% (4,5 % in Italian). */
export function percent(part: number, whole: number): string {
  if (whole === 0) return formatNumber(0, { style: 'percent' });
  const value = part / whole;
  const digits = value * 100 >= 10 || value === 0 ? 0 : 1;
  return formatNumber(value, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function money(micros: number, currency: string): string {
  try {
    return formatNumber(micros / 1_000_000, { style: 'currency', currency });
  } catch {
    return `${formatNumber(micros / 1_000_000, { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
  }
}
