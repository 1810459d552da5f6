import { useState } from 'react';
import { Dialog } from '../common/Dialog';
import { t } from '../i18n/i18n';

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

/**
 * A customer's text as text. Web addresses in it are not links: each gets a button that first shows the
 * full address, and only on confirmation opens it in a new tab without opener or referrer.
 */
export function LinkText(props: { text: string }) {
  const [pending, setPending] = useState<string | null>(null);
  const parts: (string | { url: string })[] = [];
  let last = 0;
  for (const match of props.text.matchAll(URL_PATTERN)) {
    const index = match.index ?? 0;
    if (index > last) parts.push(props.text.slice(last, index));
    parts.push({ url: match[0] });
    last = index + match[0].length;
  }
  if (last < props.text.length) parts.push(props.text.slice(last));

  return (
    <>
      {parts.map((part, index) =>
        typeof part === 'string' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never reorder
          <span key={index}>{part}</span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never reorder
          <span key={index} className="link-part">
            <span className="link-text">{part.url}</span>
            <button type="button" className="link-open" onClick={() => setPending(part.url)}>
              {t('link.open')}
            </button>
          </span>
        ),
      )}
      {pending && <ConfirmLink url={pending} onClose={() => setPending(null)} />}
    </>
  );
}

function ConfirmLink(props: { url: string; onClose: () => void }) {
  const open = () => {
    window.open(props.url, '_blank', 'noopener,noreferrer');
    props.onClose();
  };
  return (
    <Dialog
      title={t('link.confirmTitle')}
      role="alertdialog"
      onClose={props.onClose}
      actions={
        <>
          {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
          <button type="button" autoFocus onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" className="primary" onClick={open}>
            {t('link.openInNewTab')}
          </button>
        </>
      }
    >
      <p>{t('link.confirmText')}</p>
      <p className="full-url">{props.url}</p>
    </Dialog>
  );
}
