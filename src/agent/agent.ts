import type { Language } from '../conversations/conversations.table.js';
import type { LlmSettings } from './llm/llm-settings.repository.js';
import type { ProfileField } from './qualifier-settings.table.js';

/** What the agent knows of the person it talks to. */
export type Profile = Record<'firstName' | 'lastName' | 'company' | 'email', string | null>;

export interface AgentInput {
  tenantId: string;
  conversationId: string;
  /** The conversation's language so far, or null before the first reply. */
  language: Language | null;
  /** What this agent stored after its previous turn (`AgentTurn.state`); `{}` at first. */
  state: Record<string, unknown>;
  profile: Profile;
  /** True once every required field is known (the profile's `completedAt` is set). */
  profileComplete: boolean;
  /** The customer said they have no company: the company is known to be none (absent: false). */
  companyNone?: boolean;
  /** The customer already confirmed the summary (absent: false). */
  profileConfirmed?: boolean;
  /** The customer's message: its readable text (null for media without caption, reactions, ...) and type. */
  message: { type: string; text: string | null; id?: string };
  /**
   * The conversation before this message, oldest first, trimmed to a token budget: what an agent may know
   * of it (agents never query the database themselves). Empty when the tenant has no LLM settings: only
   * the LLM agent reads it, and the built-in qualifier answers those tenants.
   */
  history: readonly HistoryEntry[];
  /** The tenant's LLM agent settings (null when none are saved); the built-in qualifier ignores them. */
  llm: LlmSettings | null;
  settings: {
    defaultLanguage: Language;
    requiredFields: readonly ProfileField[];
    /** Per-language overrides of the agent's prompts, by prompt id. */
    prompts: Partial<Record<Language, Record<string, string>>>;
    /** The qualifier ends with a summary to confirm (absent: false); values are stored before either way. */
    confirmProfile?: boolean;
  };
}

export interface HistoryEntry {
  author: 'customer' | 'bot' | 'operator';
  text: string;
  /** The message's id: the LLM drafting tools name the customer message a quote line came from. */
  id?: string;
}

export interface AgentTurn {
  /** Texts to send, in order; may be empty. */
  replies: string[];
  /**
   * Fields learnt in this turn, already validated; absent fields are unchanged (never erased). Agents
   * return every value as soon as they understand it: the pipeline stores it in the same turn.
   */
  profileUpdates: Partial<Profile>;
  /** "No company" learnt, or the summary confirmed, in this turn. */
  profileMarks?: { companyNone?: boolean; confirmed?: boolean };
  /** Set when a person should take over: the conversation's ownership moves to `human`. */
  handoff?: { reason: string };
  /** What the customer wants, when the agent can tell (the LLM agent does; the qualifier does not). */
  intent?: string;
  /** Catalog items and quantities the customer asked a quote for; read by the quotes feature. */
  quoteRequest?: { catalogItem: string; quantity: number }[];
  language: Language;
  /** Stored on the conversation and given back next turn. */
  state: Record<string, unknown>;
}

/**
 * One conversational turn. The built-in qualifier and (later) LLM agents implement this; the pipeline
 * calls it only while the conversation's ownership is `bot`.
 */
export interface Agent {
  respond(input: AgentInput): Promise<AgentTurn>;
  /**
   * True when `respond` will do no I/O for this input (the built-in qualifier; the LLM agent for a
   * tenant without LLM providers): the pipeline then runs the turn inside the receipt's own transaction
   * instead of around a second one. Absent or false: the turn runs outside any transaction.
   */
  answersAtOnce?(input: AgentInput): boolean;
}
