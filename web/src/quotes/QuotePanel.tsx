import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import { keys, quoteSettingsQuery } from '../api/queries';
import type { Page, QuoteSummary, SentQuote } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { shortTime } from '../common/format';
import { currentLocale, t } from '../i18n/i18n';
import { formatMoney } from './money';
import { QuoteEditor } from './QuoteEditor';
import { useQuoteActions } from './quote-actions';
import { pdfUrl, QuoteLines, StatusBadge, useQuote } from './quote-parts';
import './quotes.css';

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
      <h3 id="quote-panel-title">{t('quote.panelTitle')}</h3>
      <ErrorNote message={actions.error ?? (list.error ? describeError(list.error) : null)} />
      {composing ? (
        <QuoteEditor
          currency={currency}
          quote={null}
          submitLabel={t('quote.saveDraft')}
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
            {t('quote.draftFromConversation')}
          </button>
          <button type="button" onClick={() => setComposing(true)}>
            {t('quote.new')}
          </button>
        </div>
      )}
      {quotes && quotes.length === 0 && !composing && (
        <Empty title={t('quote.none')}>{t('quote.noneHint')}</Empty>
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
              <span>{t('quote.numbered', { number: summary.number })}</span>
              <StatusBadge status={summary.status} />
              <span>{formatMoney(summary.totalMinor, summary.currency, currentLocale())}</span>
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
        submitLabel={status === 'draft' ? t('quote.saveDraft') : t('quote.saveNewVersion')}
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
        {t('quote.version', { version })} · <StatusBadge status={status} /> ·{' '}
        {t('quote.validUntil', { date: quote.version.validUntil })}
        {quote.version.manualPriceChange && <span className="muted"> · {t('quote.manualPrice')}</span>}
      </p>
      <QuoteLines quote={quote} />
      {quote.version.notes && <p className="quote-note">{quote.version.notes}</p>}
      <ErrorNote message={actions.error} />
      {sent && (
        <div className="quote-sent" role="status">
          <p>
            {t('quote.sentLink')} <a href={sent.link}>{sent.link}</a>
          </p>
          <p className="muted">{t('quote.theMessage')}</p>
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
              {t('quote.submit')}
            </button>
          )}
          {status === 'pending_approval' && props.canApprove && (
            <>
              <button type="button" className="primary" onClick={() => void actions.approve(quote)}>
                {t('quote.approve')}
              </button>
              <button type="button" onClick={() => setRejecting(true)}>
                {t('quote.reject')}
              </button>
            </>
          )}
          {status === 'approved' && (
            <button
              type="button"
              className="primary"
              onClick={async () => setSent((await actions.send(quote)) ?? null)}
            >
              {t('quote.send')}
            </button>
          )}
          {canEdit && (
            <button type="button" onClick={() => setEditing(true)}>
              {t('quote.edit')}
            </button>
          )}
          <a href={pdfUrl(quote, version)} target="_blank" rel="noreferrer">
            {t('quote.pdf')}
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
        {t('quote.rejectReason')}
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
          {t('quote.rejectQuote')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('quote.cancel')}
        </button>
      </div>
    </form>
  );
}
