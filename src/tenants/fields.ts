import { z } from 'zod';

import { ZLine } from '../platform/http/text-fields.js';

// The workspace name goes into invitation mails: the text policy keeps it from forging or reordering lines.
export const ZWorkspaceName = ZLine(200);
export const ZDisplayName = ZLine(200);

/** Length and common-password rules are checked by assertAcceptablePassword; this bound stops huge bodies. */
export const ZNewPassword = z.string().max(1024);
