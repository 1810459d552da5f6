import { z } from 'zod';
import type { Scope } from '../../accounts/permissions.js';
import type { Actor } from '../../api-keys/api-keys.service.js';
import { ZCampaignInput } from '../../campaigns/campaigns.schemas.js';
import { createCampaign } from '../../campaigns/campaigns.service.js';
import { listContacts } from '../../contacts/contacts.service.js';
import { addNote } from '../../conversations/inbox-actions.service.js';
import type { Db } from '../../platform/db/database.js';
import { encodeCursor, ZCursor } from '../../platform/http/cursor.js';
import { approvalQueue } from '../../quotes/approval.service.js';
import { conversationSummary } from './conversation-summary.js';

/** What a tool's handler gets: the key's workspace, the actor for audit and authorship. */
export interface ToolContext {
  readonly db: Db;
  readonly tenantId: string;
  readonly actor: Actor;
}

/**
 * One tool of Leadline's MCP server: its scope, its input (a Zod object; the SDK publishes it as JSON
 * Schema and validates calls against it) and a handler that goes through the domain's services. No tool
 * sends a message or approves a quote: drafts are private notes or draft campaigns for a person to act on.
 */
export interface McpTool<Shape extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly scope: Scope;
  readonly readOnly: boolean;
  readonly input: Shape;
  run(context: ToolContext, input: z.infer<z.ZodObject<Shape>>): Promise<Record<string, unknown>>;
}

const defineTool = <Shape extends z.ZodRawShape>(tool: McpTool<Shape>) => tool as unknown as McpTool;

/** Prefixed to a drafted reply, so operators see it for what it is in the conversation's notes. */
export const DRAFT_REPLY_HEADING = 'Draft reply from an AI assistant (not sent):';

const searchContacts = defineTool({
  name: 'search_contacts',
  title: 'Search contacts',
  description:
    "Find contacts by name, e-mail, company or phone (any way it is typed). Newest first; pass `cursor` from the previous answer's `nextCursor` for more.",
  scope: 'mcp:read',
  readOnly: true,
  input: {
    query: z.string().trim().min(1).max(200).describe('what to look for'),
    limit: z.number().int().min(1).max(50).default(10),
    cursor: z.string().max(200).optional(),
  },
  async run({ db, tenantId }, input) {
    const after = input.cursor === undefined ? undefined : ZCursor.parse(input.cursor);
    const page = await listContacts(db, tenantId, { limit: input.limit, q: input.query, after });
    return {
      contacts: page.items.map((contact) => ({
        id: contact.id,
        name: [contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.displayName,
        company: contact.company,
        email: contact.email,
        phone: contact.phoneE164,
        createdAt: contact.createdAt.toISOString(),
      })),
      nextCursor: page.next ? encodeCursor(page.next.at, page.next.id) : null,
    };
  },
});

const summariseConversation = defineTool({
  name: 'conversation_summary',
  title: 'Summarise a conversation',
  description:
    'A compact summary of one conversation from what Leadline stored: the contact, channel, status, who answers, message counts, its quotes and the latest messages.',
  scope: 'mcp:read',
  readOnly: true,
  input: { conversationId: z.uuid() },
  async run({ db, tenantId }, input) {
    return { ...(await conversationSummary(db, tenantId, input.conversationId)) };
  },
});

const draftReply = defineTool({
  name: 'draft_reply',
  title: 'Draft a reply (not sent)',
  description:
    'Saves a suggested reply as a private note on the conversation, for an operator to read, edit and send themselves. Nothing is sent to the customer.',
  scope: 'mcp:draft',
  readOnly: false,
  input: {
    conversationId: z.uuid(),
    text: z.string().trim().min(1).max(3_500).describe('the suggested reply'),
  },
  async run({ db, tenantId, actor }, input) {
    const note = await addNote(
      db,
      tenantId,
      actor,
      input.conversationId,
      `${DRAFT_REPLY_HEADING}\n\n${input.text}`,
    );
    return { noteId: note.id, conversationId: input.conversationId, sent: false };
  },
});

const quotesAwaitingApproval = defineTool({
  name: 'list_quotes_awaiting_approval',
  title: 'Quotes awaiting approval',
  description:
    'Quotes waiting for a person to approve them, oldest first, with their totals (minor units) and the contact. Approving stays with a person in Leadline.',
  scope: 'mcp:read',
  readOnly: true,
  input: {
    limit: z.number().int().min(1).max(50).default(20),
    cursor: z.string().max(200).optional(),
  },
  async run({ db, tenantId }, input) {
    const after = input.cursor === undefined ? undefined : ZCursor.parse(input.cursor);
    const page = await approvalQueue(db, tenantId, { limit: input.limit, after, details: true });
    return {
      quotes: page.items.map((entry) => ({
        quoteId: entry.quoteId,
        number: entry.number,
        version: entry.version,
        waitingSince: entry.statusChangedAt.toISOString(),
        totalMinor: entry.totalMinor,
        currency: entry.currency,
        contactName: entry.contactName,
        conversationId: entry.conversationId,
        manualPriceChange: entry.manualPriceChange,
      })),
      nextCursor: page.next ? encodeCursor(page.next.at, page.next.id) : null,
    };
  },
});

const draftCampaign = defineTool({
  name: 'draft_campaign',
  title: 'Draft a campaign (not launched)',
  description:
    'Creates a campaign in draft status (name, channel, segment, template or SMS text variants, reply handling, quiet hours) for a person to review, preview and launch in Leadline. Nothing is sent and nothing is scheduled.',
  scope: 'mcp:draft',
  readOnly: false,
  input: ZCampaignInput.shape,
  async run({ db, tenantId, actor }, input) {
    // createCampaign only ever makes drafts: launching is a separate, person-only step (campaign routes).
    const campaign = await createCampaign(db, tenantId, actor, ZCampaignInput.parse(input));
    return { campaignId: campaign.id, name: campaign.name, status: campaign.status, launched: false };
  },
});

export const MCP_TOOLS: readonly McpTool[] = [
  searchContacts,
  summariseConversation,
  draftReply,
  draftCampaign,
  quotesAwaitingApproval,
];

export function mcpTool(name: string): McpTool | undefined {
  return MCP_TOOLS.find((tool) => tool.name === name);
}
