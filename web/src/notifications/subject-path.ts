import type { AppNotification } from '../api/types';

/** Where a notification takes the member: the conversation, contact or queue it is about. */
export function subjectPath(subject: AppNotification['subject']): string {
  switch (subject.type) {
    case 'conversation':
      return `/inbox/${subject.id}`;
    case 'contact':
      return `/contacts/${subject.id}`;
    case 'quote':
      return '/quotes/approvals';
    case 'callback':
      return '/settings/callbacks';
    case 'campaign':
      return `/campaigns/${subject.id}`;
  }
}
