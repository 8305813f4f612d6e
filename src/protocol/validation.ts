/** Checks a value against a zod schema, throwing a 400 `KafdoError` that names every failing path. */
import type { z } from 'zod'
import { KafdoError } from './errors.js'

export function check<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }))
  throw new KafdoError('INVALID_REQUEST', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues })
}
