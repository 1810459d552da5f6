import { QUOTE_PDF_SOURCE } from './quote-offer.js';
import { storedPdf } from './sending.service.js';

/** The files quotes hand to a channel's outbound media: the PDF stored when a version was sent. */
export const quoteAttachments = { [QUOTE_PDF_SOURCE]: storedPdf } as const;
