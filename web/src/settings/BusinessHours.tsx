import { HoursEditor } from './HoursEditor';
import './telephony.css';

/** The workspace's business hours: when call-backs ring at once, and when they wait for the next opening. */
export function BusinessHours() {
  return (
    <>
      <h1>Business hours</h1>
      <p className="muted">
        In business hours a call-back rings your team at once. Outside them the visitor gets a text message
        saying when they will be called, your team is told, and the call is placed at the next opening. A
        widget can have its own hours (Widgets page).
      </p>
      <HoursEditor path="/business-hours" />
    </>
  );
}
