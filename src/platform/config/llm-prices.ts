/**
 * Published list prices (USD per million tokens) of common models, used when LLM_PRICES does not name a
 * model. They are estimates for budgets, not invoices: an operator with other rates sets LLM_PRICES.
 * "*" prices any model not listed (a local model costs nothing: list it with zeros), on the high side so
 * an unknown model cannot slip past a spending cap.
 */
export const DEFAULT_LLM_PRICES: Readonly<Record<string, { input: number; output: number }>> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5': { input: 1.25, output: 10 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-opus-4': { input: 15, output: 75 },
  '*': { input: 5, output: 20 },
};
