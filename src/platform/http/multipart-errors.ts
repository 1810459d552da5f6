import { AppError } from './app-error.js';

/** @fastify/multipart's refusals as the API's errors (413 over `limitBytes`, else 400); others pass. */
export function multipartError(error: unknown, limitBytes: number): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return new AppError('payload_too_large', `The file is larger than ${limitBytes / 1024 / 1024} MB`);
  }
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new AppError('bad_request', 'Send exactly one file and no other fields');
  }
  if (typeof code === 'string' && code.startsWith('FST_'))
    return new AppError('bad_request', 'Malformed upload');
  return error;
}
