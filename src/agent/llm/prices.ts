export type PriceTable = Readonly<Record<string, { readonly input: number; readonly output: number }>>;

/** The model's price: an exact entry, else the longest entry the name starts with (dated versions), else "*". */
export function priceOf(prices: PriceTable, model: string): { input: number; output: number } {
  const exact = prices[model];
  if (exact) return exact;
  const prefix = Object.keys(prices)
    .filter((name) => name !== '*' && model.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  return (prefix ? prices[prefix] : prices['*']) ?? { input: 0, output: 0 };
}

/** Estimated cost in micro-dollars: USD per million tokens is exactly micro-dollars per token. */
export function costMicros(
  prices: PriceTable,
  model: string,
  inputTokens: number,
  outputTokens: number,
): number {
  const price = priceOf(prices, model);
  return Math.round(inputTokens * price.input + outputTokens * price.output);
}
