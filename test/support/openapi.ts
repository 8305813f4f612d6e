/** Shared by the OpenAPI tests. */

/** Schemas without their examples (the validator would read an example's `id` as a schema id). */
export const withoutExamples = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutExamples)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (k === 'example' || k === 'examples' ? [] : [[k, withoutExamples(v)]])))
      : value
