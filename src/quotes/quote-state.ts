import { AppError } from '../platform/http/app-error.js';

/**
 * The one state machine of a quote version. A rejection by an approver sends the version back to draft
 * (with the reason in the audit log); an edit of a version that left draft creates a new version and
 * supersedes this one.
 */
export const QUOTE_STATUSES = [
  'draft',
  'pending_approval',
  'approved',
  'sent',
  'viewed',
  'accepted',
  'declined',
  'expired',
  'superseded',
] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

const TRANSITIONS: Record<QuoteStatus, readonly QuoteStatus[]> = {
  draft: ['pending_approval', 'approved', 'superseded'],
  pending_approval: ['approved', 'draft', 'superseded'],
  approved: ['sent', 'superseded'],
  sent: ['viewed', 'accepted', 'declined', 'expired', 'superseded'],
  viewed: ['accepted', 'declined', 'expired', 'superseded'],
  accepted: [],
  declined: [],
  expired: [],
  superseded: [],
};

/** Statuses whose content is frozen: what an approver or a customer has seen. */
export function isFrozen(status: QuoteStatus): boolean {
  return status !== 'draft';
}

export function isFinal(status: QuoteStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export function canTransition(from: QuoteStatus, to: QuoteStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: QuoteStatus, to: QuoteStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError(
      'conflict',
      `A quote that is ${from.replace('_', ' ')} cannot become ${to.replace('_', ' ')}`,
    );
  }
}
