import { createHash } from 'node:crypto';
import type { PublicQuote } from './acceptance.service.js';

/**
 * The customer's page: server-rendered HTML, no script at all. Every value is escaped here; the
 * document template's text arrives already escaped by the template engine (outputs escaped, markup
 * refused in the template's own text). The only style is this constant sheet, allowed by its hash.
 */
const STYLE = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem;border-bottom:1px solid #ddd;text-align:left}
td.n,th.n{text-align:right}.intro{white-space:pre-wrap}.totals td{border:0}.total td{font-weight:700}
form{margin:1rem 0;padding:1rem;border:1px solid #ccc}label{display:block;margin:.5rem 0}
input,textarea{width:100%;box-sizing:border-box;padding:.4rem}button{padding:.5rem 1rem;margin-top:.5rem}
.notice{padding:.75rem;background:#f3f3f3;border-left:4px solid #555}.diff{font-size:.9rem}`;

export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const WORDS: Record<string, Record<string, string>> = {
  en: {
    accept: 'Accept this quote',
    name: 'Your full name',
    decline: 'Decline',
    reason: 'Reason (optional)',
    pdf: 'Download the PDF',
    changes: 'Changes since the previous version',
    accepted: 'Accepted',
    declined: 'Declined',
    expired: 'This quote has expired.',
    superseded: 'This quote was replaced by a newer version.',
    thanks: 'Thank you, your answer was recorded.',
  },
  it: {
    accept: 'Accetta il preventivo',
    name: 'Nome e cognome',
    decline: 'Rifiuta',
    reason: 'Motivo (facoltativo)',
    pdf: 'Scarica il PDF',
    changes: 'Modifiche rispetto alla versione precedente',
    accepted: 'Accettato',
    declined: 'Rifiutato',
    expired: 'Il preventivo è scaduto.',
    superseded: 'Il preventivo è stato sostituito da una nuova versione.',
    thanks: 'Grazie, la risposta è stata registrata.',
  },
  'pt-BR': {
    accept: 'Aceitar o orçamento',
    name: 'Seu nome completo',
    decline: 'Recusar',
    reason: 'Motivo (opcional)',
    pdf: 'Baixar o PDF',
    changes: 'Alterações desde a versão anterior',
    accepted: 'Aceito',
    declined: 'Recusado',
    expired: 'Este orçamento expirou.',
    superseded: 'Este orçamento foi substituído por uma nova versão.',
    thanks: 'Obrigado, sua resposta foi registrada.',
  },
  es: {
    accept: 'Aceptar el presupuesto',
    name: 'Su nombre completo',
    decline: 'Rechazar',
    reason: 'Motivo (opcional)',
    pdf: 'Descargar el PDF',
    changes: 'Cambios desde la versión anterior',
    accepted: 'Aceptado',
    declined: 'Rechazado',
    expired: 'Este presupuesto ha caducado.',
    superseded: 'Este presupuesto fue sustituido por una versión nueva.',
    thanks: 'Gracias, su respuesta ha quedado registrada.',
  },
};

export function renderQuotePage(
  view: PublicQuote,
  options: { token: string; formToken: string; message?: string | undefined },
): string {
  const { document, introHtml } = view.rendered;
  const { data, labels, lineTaxRates } = document;
  const words = WORDS[document.locale] ?? (WORDS.en as Record<string, string>);
  const e = escapeHtml;
  const base = `/q/${encodeURIComponent(options.token)}`;
  const rows = data.lines
    .map(
      (line, i) =>
        `<tr><td>${e(line.name)}${line.note ? `<br><small>${e(line.note)}</small>` : ''}</td><td class="n">${e(line.quantity)} ${e(line.unit)}</td><td class="n">${e(line.unit_price)}</td><td class="n">${e(line.discount)}</td><td class="n">${e(lineTaxRates[i] ?? '')}</td><td class="n">${e(line.amount)}</td></tr>`,
    )
    .join('');
  const totals = [
    `<tr><td>${e(labels.subtotal)}</td><td class="n">${e(data.quote.subtotal)}</td></tr>`,
    document.hasQuoteDiscount
      ? `<tr><td>${e(labels.quoteDiscount)}</td><td class="n">−${e(data.quote.discount)}</td></tr>`
      : '',
    ...data.taxes.map(
      (t) =>
        `<tr><td>${e(labels.taxRow)} ${e(t.rate)} (${e(t.base)})</td><td class="n">${e(t.tax)}</td></tr>`,
    ),
    `<tr class="total"><td>${e(labels.total)}</td><td class="n">${e(data.quote.total)}</td></tr>`,
  ].join('');
  const diff = view.diff
    ? `<section class="diff"><h2>${e(words.changes ?? '')}</h2><ul>${view.diff.lines
        .map((l) => `<li>${e(l.change)}: ${e(l.name)}</li>`)
        .join('')}${view.diff.fields
        .filter((f) => f.field === 'totalMinor' || f.field === 'validUntil' || f.field === 'notes')
        .map(
          (f) =>
            `<li>${e(f.field === 'totalMinor' ? labels.total : f.field === 'validUntil' ? labels.validUntil : 'notes')}</li>`,
        )
        .join('')}</ul></section>`
    : '';
  const state = view.open
    ? `<form method="post" action="${base}/accept"><input type="hidden" name="csrf" value="${e(options.formToken)}"><label>${e(words.name ?? '')}<input name="name" required maxlength="200" autocomplete="name"></label><button type="submit">${e(words.accept ?? '')}</button></form>
<form method="post" action="${base}/decline"><input type="hidden" name="csrf" value="${e(options.formToken)}"><label>${e(words.reason ?? '')}<textarea name="reason" maxlength="1000" rows="3"></textarea></label><button type="submit">${e(words.decline ?? '')}</button></form>`
    : `<p class="notice">${e(
        view.status === 'accepted'
          ? `${words.accepted}${view.decision?.customerName ? ` — ${view.decision.customerName}` : ''}`
          : view.status === 'declined'
            ? (words.declined ?? '')
            : view.status === 'superseded'
              ? (words.superseded ?? '')
              : (words.expired ?? ''),
      )}</p>`;
  return `<!doctype html>
<html lang="${e(document.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${e(labels.title)} ${e(data.quote.number)}</title><style>${STYLE}</style></head>
<body><header><h1>${e(data.business.name)}</h1><p>${e(labels.title)} ${e(data.quote.number)} — ${e(labels.version)} ${e(data.quote.version)} · ${e(labels.validUntil)}: ${e(data.quote.valid_until)}</p></header>
${options.message ? `<p class="notice" role="status">${e(options.message)}</p>` : ''}
<main><div class="intro">${introHtml}</div>
<table><thead><tr><th>${e(labels.item)}</th><th class="n">${e(labels.quantity)}</th><th class="n">${e(labels.unitPrice)}</th><th class="n">${e(labels.discount)}</th><th class="n">${e(labels.tax)}</th><th class="n">${e(labels.amount)}</th></tr></thead><tbody>${rows}</tbody></table>
<table class="totals"><tbody>${totals}</tbody></table>
<p><a href="${base}/pdf">${e(words.pdf ?? '')}</a></p>${diff}
${state}</main></body></html>`;
}

export function thanksMessage(locale: string): string {
  return WORDS[locale]?.thanks ?? (WORDS.en?.thanks as string);
}
