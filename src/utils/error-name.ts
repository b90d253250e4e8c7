/** The `name` of an error-like value (an Error, a DOMException, an abort reason), if it has one. */
export function errorName(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' ? (value as { name: string }).name : undefined;
}
