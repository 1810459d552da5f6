import type { Message } from '../api/types';
import { fullTime, shortTime } from '../common/format';
import { t } from '../i18n/i18n';
import { LinkText } from './LinkText';

const MEDIA = new Set(['image', 'sticker', 'video', 'audio', 'document']);
const tick = (status: string): string | undefined =>
  (
    ({
      pending: t('message.status.pending'),
      accepted: t('message.status.accepted'),
      sent: t('message.status.sent'),
      delivered: t('message.status.delivered'),
      read: t('message.status.read'),
      played: t('message.status.played'),
    }) as Record<string, string>
  )[status];

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** One message of a thread; everything a customer sent is rendered as text, never as markup. */
export function MessageView(props: { message: Message; mediaVersion: number }) {
  const { message } = props;
  const side = message.direction === 'inbound' ? 'inbound' : 'outbound';
  const author =
    message.author === 'customer'
      ? null
      : message.author === 'bot'
        ? t('message.author.bot')
        : message.author === 'operator'
          ? t('message.author.you')
          : t('message.author.system');
  return (
    <li className={`message ${side} ${message.status === 'failed' ? 'failed' : ''}`}>
      <div className="bubble">
        {author && <span className="author">{author}</span>}
        <Body message={message} mediaVersion={props.mediaVersion} />
        <span className="meta">
          <time dateTime={message.sentAt} title={fullTime(message.sentAt)}>
            {shortTime(message.sentAt)}
          </time>
          {message.direction === 'outbound' && message.status && message.status !== 'failed' && (
            <span className={`ticks ticks-${message.status}`} title={tick(message.status)}>
              <span className="visually-hidden">{tick(message.status)} </span>
              {message.status === 'read' || message.status === 'played'
                ? '✓✓'
                : message.status === 'delivered'
                  ? '✓✓'
                  : message.status === 'sent'
                    ? '✓'
                    : '…'}
            </span>
          )}
        </span>
        {message.status === 'failed' && (
          <span className="failure" role="note">
            {t('message.notDelivered', { reason: message.errorTitle ?? t('message.refused') })}
            {message.errorCode !== null ? ` ${t('message.errorCode', { code: message.errorCode })}` : ''}
          </span>
        )}
      </div>
    </li>
  );
}

function Body(props: { message: Message; mediaVersion: number }) {
  const { message } = props;
  const content = message.content ?? {};
  if (message.unsupported || content.unsupported === true) {
    return <span className="unsupported">{t('message.unsupported', { type: message.type })}</span>;
  }
  if (MEDIA.has(message.type)) {
    const src = `/api/v1/messages/${message.id}/media?v=${props.mediaVersion}`;
    const label = str(content.fileName) ?? message.type;
    return (
      <span className="media">
        {message.type === 'image' || message.type === 'sticker' ? (
          <a href={src} target="_blank" rel="noopener noreferrer" className="thumb-link">
            <img
              className="thumb"
              src={src}
              alt={
                message.text ??
                (message.direction === 'outbound'
                  ? t('message.mediaSent', { type: message.type })
                  : t('message.mediaFromCustomer', { type: message.type }))
              }
              loading="lazy"
            />
          </a>
        ) : (
          <a href={src} target="_blank" rel="noopener noreferrer" className="file">
            {t('message.file', {
              kind: message.type === 'audio' ? 'audio' : message.type === 'video' ? 'video' : 'document',
              label,
            })}
          </a>
        )}
        {message.text && (
          <span className="caption">
            <LinkText text={message.text} />
          </span>
        )}
      </span>
    );
  }
  if (message.type === 'location') {
    const lat = num(content.latitude);
    const lng = num(content.longitude);
    return (
      <span className="location">
        <span className="kind">{t('message.location')}</span> {str(content.name) ?? ''}{' '}
        {str(content.address) ?? ''}
        {lat !== null && lng !== null && (
          <span className="coords">
            {' '}
            ({lat.toFixed(5)}, {lng.toFixed(5)})
          </span>
        )}
      </span>
    );
  }
  if (message.type === 'contacts') {
    const cards = Array.isArray(content.contacts) ? (content.contacts as Record<string, unknown>[]) : [];
    return (
      <span className="contacts">
        <span className="kind">{t('message.sharedContacts', { count: cards.length })}</span>
        {cards.map((card, index) => {
          const name =
            str((card.name as Record<string, unknown> | undefined)?.formatted_name) ?? t('message.unnamed');
          const phones = Array.isArray(card.phones) ? (card.phones as Record<string, unknown>[]) : [];
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: cards of one message never reorder
            <span key={index} className="contact-card">
              {name}
              {phones
                .map((phone) => str(phone.phone))
                .filter(Boolean)
                .join(', ')
                ? ` — ${phones
                    .map((phone) => str(phone.phone))
                    .filter(Boolean)
                    .join(', ')}`
                : ''}
            </span>
          );
        })}
      </span>
    );
  }
  if (message.type === 'reaction') {
    return (
      <span className="reaction">
        {content.removed === true
          ? t('message.reactionRemoved')
          : t('message.reacted', { emoji: str(content.emoji) ?? '' })}
      </span>
    );
  }
  if (message.type === 'interactive' || message.type === 'button') {
    return (
      <span className="interactive">
        <span className="kind">{t('message.chose')}</span> {message.text ?? str(content.title) ?? ''}
      </span>
    );
  }
  if (message.type === 'template') {
    const template = content.template as Record<string, unknown> | undefined;
    // The text the customer read, when it was rendered from the template; the tag names the template.
    return (
      <span className="template">
        <span className="tag template-tag">
          {t('message.templateTag', { name: str(template?.name) ?? '' })}
        </span>
        {message.text && <LinkText text={message.text} />}
      </span>
    );
  }
  return message.text ? (
    <LinkText text={message.text} />
  ) : (
    <span className="unsupported">{t('message.empty', { type: message.type })}</span>
  );
}
