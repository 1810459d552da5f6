import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ZodError } from 'zod';
import { type Scope, scopesAllow } from '../../accounts/permissions.js';
import { recordAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../platform/http/app-error.js';
import { VERSION } from '../../platform/version.js';
import { MCP_TOOLS, type McpTool, type ToolContext } from './mcp-tools.js';

/** Where a tool's unexpected failure is reported (the request's logger). */
export interface ErrorLog {
  error(detail: object, message: string): void;
}

/**
 * Leadline's MCP server for one request of one API key (stateless Streamable HTTP: a server per request,
 * nothing kept between them). Only the tools the key's scopes allow are listed. Every call is audited
 * with the tool's name and outcome, never its arguments or results (they hold personal data).
 */
export function buildMcpServer(context: ToolContext, scopes: readonly Scope[], logger: ErrorLog): McpServer {
  const server = new McpServer(
    { name: 'leadline', version: VERSION },
    {
      instructions:
        'Leadline: search contacts, read conversation summaries and quotes awaiting approval; draft replies and campaigns for a person to review. Nothing here sends a message or approves a quote.',
    },
  );
  for (const tool of MCP_TOOLS) {
    if (!scopesAllow(scopes, tool.scope)) continue;
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: { readOnlyHint: tool.readOnly, destructiveHint: false, openWorldHint: false },
      },
      async (input: Record<string, unknown>) => callTool(tool, context, input, logger),
    );
  }
  return server;
}

async function callTool(
  tool: McpTool,
  context: ToolContext,
  input: Record<string, unknown>,
  logger: ErrorLog,
): Promise<CallToolResult> {
  let result: CallToolResult;
  let outcome: string;
  try {
    const output = await tool.run(context, input as never);
    result = { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
    outcome = 'ok';
  } catch (error) {
    // AppError messages are written for clients; anything else is reported without its details.
    const known =
      error instanceof AppError
        ? { code: error.code, message: error.message }
        : error instanceof ZodError
          ? { code: 'validation_failed', message: 'Invalid input (a cursor or a value out of range)' }
          : undefined;
    if (!known) logger.error({ err: error, tool: tool.name }, 'MCP tool failed');
    const failure = known ?? { code: 'internal_error', message: 'The tool failed; try again later' };
    result = { content: [{ type: 'text', text: failure.message }], isError: true };
    outcome = failure.code;
  }
  await recordAudit(context.db, {
    action: 'mcp.tool_called',
    tenantId: context.tenantId,
    actorUserId: context.actor.userId,
    actorApiKeyId: context.actor.apiKeyId,
    context: context.actor.context,
    detail: { tool: tool.name, outcome },
  });
  return result;
}
