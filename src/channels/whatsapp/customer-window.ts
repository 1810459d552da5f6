/** Meta's customer-service window: free-form messages may go out until 24 h after the customer's last one. */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whether free text may be sent now, given Meta's time of the customer's last inbound message. */
export function isCustomerWindowOpen(lastInboundAt: Date | null, now: Date = new Date()): boolean {
  if (!lastInboundAt) return false;
  return now.getTime() - lastInboundAt.getTime() < CUSTOMER_WINDOW_MS;
}

/** When the window closes (null: it never opened). */
export function customerWindowClosesAt(lastInboundAt: Date | null): Date | null {
  return lastInboundAt ? new Date(lastInboundAt.getTime() + CUSTOMER_WINDOW_MS) : null;
}

/** Templates may be sent any time; everything else needs the window open. */
export function needsCustomerWindow(messageType: string): boolean {
  return messageType !== 'template';
}
