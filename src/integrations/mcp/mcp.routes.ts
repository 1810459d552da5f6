import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopesAllow } from '../../accounts/permissions.js';
import { recordAudit } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { requestContext } from '../../platform/http/request-context.js';
import { buildMcpServer } from './mcp-server.js';
import { mcpTool } from './mcp-tools.js';

// The endpoint needs mcp:read (or admin); drafting tools need mcp:draft as well. Sessions are refused in
// the handler: an assistant acts with a key its owner can scope and revoke, not with someone's cookie.
const access = { permission: 'conversations.read', apiKeyScope: 'mcp:read' } as const;

const ZId = z.union([z.string().max(200), z.number().int()]);
const ZParams = z.record(z.string(), z.unknown()).optional();
/** A JSON-RPC 2.0 message as MCP clients send them: a request, a notification, or a response. */
const ZMessage = z.union([
  z.strictObject({ jsonrpc: z.literal('2.0'), id: ZId, method: z.string().min(1).max(100), params: ZParams }),
  z.strictObject({ jsonrpc: z.literal('2.0'), method: z.string().min(1).max(100), params: ZParams }),
  z.strictObject({ jsonrpc: z.literal('2.0'), id: ZId, result: z.record(z.string(), z.unknown()) }),
  z.strictObject({
    jsonrpc: z.literal('2.0'),
    id: ZId,
    error: z.object({ code: z.number().int(), message: z.string().max(2_000), data: z.unknown().optional() }),
  }),
]);
const ZBody = z.union([ZMessage, z.array(ZMessage).min(1).max(20)]);
type Message = z.infer<typeof ZMessage>;

/** The tool a `tools/call` names, if any. */
function calledTool(message: Message): string | undefined {
  if (!('method' in message) || message.method !== 'tools/call') return undefined;
  const name = message.params?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * `/mcp`: Leadline as an MCP server (Streamable HTTP, stateless: JSON answers, no sessions, no server-sent
 * stream). Authentication and the scope checks run before the SDK sees the request, so a missing or bad
 * key is 401, a key without the tool's scope 403, and a body that is not JSON-RPC 400, all in the API's
 * error envelope.
 */
export const mcpRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/mcp',
    {
      // The API's tier (per key), as /mcp is outside /api/v1: failed keys count toward the IP's lockout too.
      config: { access, rateLimit: 'api' },
      schema: {
        tags: ['mcp'],
        summary: 'MCP (Model Context Protocol) over Streamable HTTP, for AI assistants with an API key',
        description:
          'JSON-RPC 2.0 messages per the MCP specification. Tools: search_contacts, conversation_summary, list_quotes_awaiting_approval (mcp:read); draft_reply, draft_campaign (mcp:draft). Nothing sends a message or approves a quote.',
        body: z.unknown(),
        response: errorResponses(400, 401, 403, 406, 415),
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind !== 'api-key') {
        throw new AppError('forbidden', 'The MCP endpoint takes an API key (Authorization: Bearer ll_...)');
      }
      const parsed = ZBody.safeParse(request.body);
      if (!parsed.success) {
        throw new AppError('bad_request', 'The body is not a JSON-RPC 2.0 message (or a batch of them)');
      }
      const messages = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
      const context = requestContext(request);
      for (const message of messages) {
        const tool = mcpTool(calledTool(message) ?? '');
        if (tool && !scopesAllow(principal.scopes, tool.scope)) {
          await recordAudit(db, {
            action: 'mcp.tool_denied',
            tenantId: principal.tenantId,
            actorApiKeyId: principal.apiKeyId,
            context,
            detail: { tool: tool.name, missingScope: tool.scope },
          });
          throw new AppError('forbidden', `The API key lacks the ${tool.scope} scope this tool needs`);
        }
      }

      const server = buildMcpServer(
        { db, tenantId: principal.tenantId, actor: { userId: null, apiKeyId: principal.apiKeyId, context } },
        principal.scopes,
        request.log,
      );
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      await server.connect(transport);
      // The SDK writes the answer itself: the headers our hooks set so far (request id, security headers)
      // are copied onto the raw response first.
      reply.hijack();
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      await transport.handleRequest(request.raw, reply.raw, parsed.data);
    },
  );

  // No server-sent stream and no sessions in the stateless mode: the specification's answer is 405.
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      config: { access, rateLimit: 'api' },
      schema: {
        tags: ['mcp'],
        summary: `Not offered (stateless MCP server): 405`,
        response: errorResponses(401, 403, 405),
      },
      handler: async (_request, reply) => {
        reply.header('allow', 'POST');
        throw new AppError('method_not_allowed', 'This MCP server is stateless: POST JSON-RPC messages');
      },
    });
  }
};
