import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import type { ApprovalEntry, Page } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { useView } from '../common/view';
import { currentLocale, t } from '../i18n/i18n';
import { formatMoney } from './money';
import { QuoteEditor } from './QuoteEditor';
import { RejectForm } from './QuotePanel';
import { useQuoteActions } from './quote-actions';
import { DiffView, QuoteLines, useQuote } from './quote-parts';
import './quotes.css';

/** Quotes awaiting approval, oldest first, live: approve, edit into a new version, or reject with a reason. */
export function Approvals() {
  const heading = useView(t('approvals.title'));
  const queue = useInfiniteQuery({
    queryKey: keys.approvals,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<ApprovalEntry>>(
        'GET',
        withQuery('/quotes/approvals', { limit: 20, cursor: pageParam }),
        undefined,
        {
          signal,
        },
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = queue.data?.pages.flatMap((page) => page.items) ?? null;
  const [actionError, setActionError] = useState<string | null>(null);
  return (
    <div className="approvals">
      <h1 tabIndex={-1} ref={heading}>
        {t('approvals.title')}
      </h1>
      <p className="muted">{t('approvals.intro')}</p>
      <ErrorNote message={actionError ?? (queue.error ? describeError(queue.error) : null)} />
      {entries && entries.length === 0 && (
        <Empty title={t('approvals.empty')}>{t('approvals.emptyHint')}</Empty>
      )}
      <ul className="approval-list">
        {(entries ?? []).map((entry) => (
          <ApprovalCard key={`${entry.quoteId}-${entry.version}`} entry={entry} onError={setActionError} />
        ))}
      </ul>
      {queue.hasNextPage && (
        <button type="button" onClick={() => void queue.fetchNextPage()}>
          {t('approvals.showMore')}
        </button>
      )}
    </div>
  );
}

function ApprovalCard(props: { entry: ApprovalEntry; onError: (message: string | null) => void }) {
  const { entry } = props;
  const quote = useQuote(entry.quoteId);
  const actions = useQuoteActions(props.onError);
  const [mode, setMode] = useState<'view' | 'edit' | 'reject'>('view');
  const titleId = `approval-${entry.quoteId}`;
  const current = quote.data;
  return (
    <li className="card approval-card" aria-labelledby={titleId}>
      <h2 id={titleId}>
        {t('quote.numbered', { number: entry.number })} · {entry.contactName ?? t('common.unknownContact')}
      </h2>
      <p>
        <strong>{formatMoney(entry.totalMinor, entry.currency, currentLocale())}</strong> ·{' '}
        {t('approvals.versionWaiting', { version: entry.version, since: fullTime(entry.waitingSince) })}
        {entry.manualPriceChange && <span className="warning"> · {t('approvals.manualPrices')}</span>}
      </p>
      {entry.excerpt.length > 0 && (
        <div className="approval-excerpt">
          <h3>{t('approvals.conversation')}</h3>
          <ol>
            {entry.excerpt.map((message) => (
              <li key={message.sentAt} className={`excerpt-${message.direction}`}>
                <span className="muted">
                  {message.direction === 'inbound' ? t('approvals.customer') : t('approvals.us')}:
                </span>{' '}
                {message.text ?? t('approvals.noText')}
              </li>
            ))}
          </ol>
          {entry.conversationId && (
            <Link to={`/inbox/${entry.conversationId}`}>{t('approvals.openConversation')}</Link>
          )}
        </div>
      )}
      <DiffView diff={entry.diff} currency={entry.currency} />
      {current && current.version.version === entry.version && <QuoteLines quote={current} />}
      {mode === 'edit' && current && (
        <QuoteEditor
          currency={current.version.currency}
          quote={current}
          submitLabel={t('approvals.saveAndSubmit')}
          onCancel={() => setMode('view')}
          onSubmit={async (content) => {
            const saved = await actions.edit(current, content);
            if (!saved) return false;
            await actions.submit(saved);
            setMode('view');
            return true;
          }}
        />
      )}
      {mode === 'reject' && current && (
        <RejectForm
          onCancel={() => setMode('view')}
          onReject={async (reason) => {
            if (await actions.reject(current, reason)) setMode('view');
          }}
        />
      )}
      {mode === 'view' && current && (
        <div className="quote-actions">
          <button type="button" className="primary" onClick={() => void actions.approve(current)}>
            {t('quote.approve')}
            <span className="visually-hidden"> {t('approvals.quoteNumber', { number: entry.number })}</span>
          </button>
          <button type="button" onClick={() => setMode('edit')}>
            {t('quote.edit')}
            <span className="visually-hidden"> {t('approvals.quoteNumber', { number: entry.number })}</span>
          </button>
          <button type="button" onClick={() => setMode('reject')}>
            {t('quote.reject')}
            <span className="visually-hidden"> {t('approvals.quoteNumber', { number: entry.number })}</span>
          </button>
        </div>
      )}
    </li>
  );
}
