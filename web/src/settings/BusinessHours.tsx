import { HoursEditor } from './HoursEditor';
import './telephony.css';
import { t } from '../i18n/i18n';

/** The workspace's business hours: when call-backs ring at once, and when they wait for the next opening. */
export function BusinessHours() {
  return (
    <>
      <h1>{t('settings.page.businessHours')}</h1>
      <p className="muted">{t('hours.intro')}</p>
      <HoursEditor path="/business-hours" />
    </>
  );
}
