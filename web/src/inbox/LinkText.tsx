import { useEffect, useRef, useState } from 'react';

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
              Open link
            </button>
          </span>
        ),
      )}
      {pending && <ConfirmLink url={pending} onClose={() => setPending(null)} />}
    </>
  );
}

function ConfirmLink(props: { url: string; onClose: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  const open = () => {
    window.open(props.url, '_blank', 'noopener,noreferrer');
    props.onClose();
  };
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-link-title"
        onKeyDown={(event) => {
          if (event.key === 'Escape') props.onClose();
        }}
      >
        <h2 id="confirm-link-title">Open this link?</h2>
        <p>It was sent in a message. Check the full address before opening it:</p>
        <p className="full-url">{props.url}</p>
        <div className="dialog-actions">
          <button type="button" ref={cancel} onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={open}>
            Open in new tab
          </button>
        </div>
      </div>
    </div>
  );
}
