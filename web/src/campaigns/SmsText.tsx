import { useId } from 'react';
import { t } from '../i18n/i18n';
import { smsSegments } from './message-parts';

/** A variant's SMS text, with how many segments (Twilio's billing unit) it is sent as. */
export function SmsText(props: { variantKey: 'A' | 'B'; value: string; onChange: (text: string) => void }) {
  const countId = useId();
  const parts = smsSegments(props.value);
  return (
    <div className="sms-text">
      <label>
        {props.variantKey === 'B' ? t('campaigns.sms.textB') : t('campaigns.sms.text')}
        <textarea
          required
          rows={4}
          maxLength={1600}
          value={props.value}
          aria-describedby={countId}
          onChange={(event) => props.onChange(event.target.value)}
        />
      </label>
      <p id={countId} className="muted" aria-live="polite">
        {parts.encoding === 'UCS-2'
          ? t('campaigns.sms.countUnicode', {
              units: parts.units,
              encoding: parts.encoding,
              segments: parts.segments,
              placeholder: '{{contact.firstName}}',
            })
          : t('campaigns.sms.count', {
              units: parts.units,
              encoding: parts.encoding,
              segments: parts.segments,
              placeholder: '{{contact.firstName}}',
            })}
      </p>
    </div>
  );
}
