import { en } from 'zod/locales';
import type * as z from 'zod/mini';

/**
 * Parse options that give zod's issues its English messages, for the parses whose messages a
 * person reads (a profile refused by checkRecord, a window's BAD_REQUEST): zod/mini loads no
 * locale, so its messages would all say "Invalid input". Per parse rather than `z.config`, so
 * no import order decides it; this locale alone, as zod classic set it.
 */
export const ENGLISH: z.core.ParseContext<z.core.$ZodIssue> = { error: en().localeError };
