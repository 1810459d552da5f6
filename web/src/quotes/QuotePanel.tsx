import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import { keys, quoteSettingsQuery } from '../api/queries';
import type { Page, QuoteSummary, SentQuote } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { shortTime } from '../common/format';
import { formatMoney } from './money';
import { QuoteEditor } from './QuoteEditor';
import { useQuoteActions } from './quote-actions';
import { pdfUrl, QuoteLines, StatusBadge, useQuote } from './quote-parts';

/** The open conversation's quotes, live: draft one from the conversation or by hand, and take it to sent. */
export function QuotePanel(props: { conversationId: string; canApprove: boolean }) {
  const { conversationId } = props;
  const settings = useQuery(quoteSettingsQuery);
  const currency = settings.data?.currency ?? 'EUR';
  const list = useQuery({
    queryKey: keys.conversationQuotes(conversationId),
    queryFn: ({ signal }) =>
      api<Page<QuoteSummary>>('GET', withQuery('/quotes', { conversationId, limit: 20 }), undefined, {
        signal,
      }),
  });
  const actions = useQuoteActions();
  const [open, setOpen] = useState<string | null>(null);
  const [composing, setComposing] = useState(false);
  const quotes = list.data?.items ?? null;

  const draft = async () => {
    const quote = await actions.draftFromConversation(conversationId);
    if (quote) setOpen(quote.id);
  };

  return (
    <section className="quote-panel" aria-labelledby="quote-panel-title">
      <h3 id="quote-panel-title">Quotes</h3>
      <ErrorNote message={actions.error ?? (list.error ? describeError(list.error) : null)} />
      {composing ? (
        <QuoteEditor
          currency={currency}
          quote={null}
          submitLabel="Save draft"
          onCancel={() => setComposing(false)}
          onSubmit={async (content) => {
            const quote = await actions.create(conversationId, content);
            if (quote) {
              setComposing(false);
              setOpen(quote.id);
            }
            return quote !== null;
          }}
        />
      ) : (
        <div className="quote-panel-actions">
          <button type="button" className="primary" onClick={() => void draft()}>
            Draft from conversation
          </button>
          <button type="button" onClick={() => setComposing(true)}>
            New quote
          </button>
        </div>
      )}
      {quotes && quotes.length === 0 && !composing && (
        <Empty title="No quotes in this conversation">
          Draft one from what the customer asked, or compose one from the catalog.
        </Empty>
      )}
      <ul className="quote-list">
        {(quotes ?? []).map((summary) => (
          <li key={summary.id} className="quote-item">
            <button
              type="button"
              className="quote-summary"
              aria-expanded={open === summary.id}
              onClick={() => setOpen(open === summary.id ? null : summary.id)}
            >
              <span>Quote {summary.number}</span>
              <StatusBadge status={summary.status} />
              <span>{formatMoney(summary.totalMinor, summary.currency)}</span>
              <span className="muted">{shortTime(summary.createdAt)}</span>
            </button>
            {open === summary.id && (
              <QuoteCard id={summary.id} currency={currency} canApprove={props.canApprove} />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function QuoteCard(props: { id: string; currency: string; canApprove: boolean }) {
  const query = useQuote(props.id);
  const actions = useQuoteActions();
  const [editing, setEditing] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [sent, setSent] = useState<SentQuote | null>(null);
  const quote = query.data;
  if (!quote) return <ErrorNote message={query.error ? describeError(query.error) : null} />;
  const { status, version } = quote.version;
  if (editing) {
    return (
      <QuoteEditor
        currency={quote.version.currency}
        quote={quote}
        submitLabel={status === 'draft' ? 'Save draft' : 'Save as a new version'}
        onCancel={() => setEditing(false)}
        onSubmit={async (content) => {
          const saved = await actions.edit(quote, content);
          if (saved) setEditing(false);
          return saved !== null;
        }}
      />
    );
  }
  const canEdit = ['draft', 'pending_approval', 'approved', 'sent', 'viewed'].includes(status);
  return (
    <div className="quote-card">
      <p>
        Version {version} · <StatusBadge status={status} /> · valid until {quote.version.validUntil}
        {quote.version.manualPriceChange && <span className="muted"> · manual price</span>}
      </p>
      <QuoteLines quote={quote} />
      {quote.version.notes && <p className="quote-note">{quote.version.notes}</p>}
      <ErrorNote message={actions.error} />
      {sent && (
        <div className="quote-sent" role="status">
          <p>
            Sent. The customer's link: <a href={sent.link}>{sent.link}</a>
          </p>
          <p className="muted">The message:</p>
          <pre className="quote-message">{sent.messageText}</pre>
        </div>
      )}
      {rejecting ? (
        <RejectForm
          onCancel={() => setRejecting(false)}
          onReject={async (reason) => {
            if (await actions.reject(quote, reason)) setRejecting(false);
          }}
        />
      ) : (
        <div className="quote-actions">
          {status === 'draft' && quote.lines.length > 0 && (
            <button type="button" className="primary" onClick={() => void actions.submit(quote)}>
              Submit for approval
            </button>
          )}
          {status === 'pending_approval' && props.canApprove && (
            <>
              <button type="button" className="primary" onClick={() => void actions.approve(quote)}>
                Approve
              </button>
              <button type="button" onClick={() => setRejecting(true)}>
                Reject
              </button>
            </>
          )}
          {status === 'approved' && (
            <button
              type="button"
              className="primary"
              onClick={async () => setSent((await actions.send(quote)) ?? null)}
            >
              Send to the customer
            </button>
          )}
          {canEdit && (
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          <a href={pdfUrl(quote, version)} target="_blank" rel="noreferrer">
            View PDF
          </a>
        </div>
      )}
    </div>
  );
}

export function RejectForm(props: { onReject: (reason: string) => Promise<void>; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await props.onReject(reason.trim());
  };
  return (
    <form className="settings-form" onSubmit={submit}>
      <label>
        Reason for rejecting (the drafter sees it)
        <textarea
          required
          rows={2}
          maxLength={1000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
      </label>
      <div className="form-actions">
        <button type="submit" className="danger">
          Reject quote
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
