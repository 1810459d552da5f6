import { z } from 'zod';

export const ZErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type TErrorEnvelope = z.infer<typeof ZErrorEnvelope>;
